//! The rows of the check, one function each: start a local Lambda with the
//! runtime, send what the row is about, and judge what came back from the
//! outcomes and from the recorded Runtime API exchanges.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Row, Settings, Verdict};
use crate::{EventFraming, Exchange, FunctionConfig, Invocation, LocalLambda, Outcome, show_body};

/// Every row, in the order of the report card.
pub(super) const ALL: [fn(&FunctionConfig, &Settings) -> Row; 12] = [
    events,
    idle_next,
    handler_error,
    init_error,
    deadline,
    large_events,
    non_ascii,
    escapes,
    chunked,
    optional_headers,
    missing_deadline,
    log_line,
];

/// Events in the "events" row at most.
const MANY_EVENTS: usize = 1_000;

/// Above this median per event the row warns, naming the likely causes, in ms.
const SLOW_EVENT_MS: f64 = 10.0;

/// The event the sleeping handler outlives, and the timeout it meets.
const SLEEP_EVENT: &str = r#"{"check":"sleep"}"#;
const SHORT_TIMEOUT: Duration = Duration::from_secs(1);

/// The largest event Lambda's synchronous Invoke takes is 6 MiB; this one
/// is just under, and its echo just under the response limit.
const NEAR_LIMIT_BYTES: usize = 6 * 1024 * 1024 - 1024;

fn row(name: &'static str, sent: impl Into<String>, chapter: &'static str) -> Row {
    Row {
        name,
        sent: sent.into(),
        did: String::new(),
        verdict: Verdict::Fail,
        chapter,
    }
}

impl Row {
    fn judged(mut self, verdict: Verdict, did: impl Into<String>) -> Row {
        self.verdict = verdict;
        self.did = did.into();
        self
    }
}

/// A local Lambda running the runtime under test, with `change` applied to
/// its configuration; `None` when it cannot even start.
fn lambda_with(
    function: &FunctionConfig,
    change: impl FnOnce(&mut FunctionConfig),
) -> Option<LocalLambda> {
    let mut config = function.clone();
    config.echo_log = false;
    config.record = true;
    change(&mut config);
    LocalLambda::start(config).ok()
}

fn invoke(lambda: &LocalLambda, invocation: Invocation) -> Option<Outcome> {
    lambda.invoke(invocation).ok()
}

/// How an outcome compares with the echo of `event`.
fn echo_verdict(event: &[u8], outcome: Option<&Outcome>) -> (Verdict, String) {
    let Some(outcome) = outcome else {
        return (
            Verdict::Fail,
            "the local Lambda refused the event".to_string(),
        );
    };
    let body = outcome.body();
    match &outcome.result {
        Err(error) => (
            Verdict::Fail,
            format!("failed: {} {}", error.error_type, show_body(&error.body)),
        ),
        Ok(_) if body == event => (
            Verdict::Pass,
            "answered with the event, byte for byte".to_string(),
        ),
        Ok(_) if same_json(body, event) => (
            Verdict::Pass,
            "answered with the event, re-encoded as JSON".to_string(),
        ),
        Ok(_) => (
            Verdict::Fail,
            format!(
                "answered with something else ({} bytes for {}): {}",
                body.len(),
                event.len(),
                show_body(body)
            ),
        ),
    }
}

fn same_json(one: &[u8], other: &[u8]) -> bool {
    match (
        serde_json::from_slice::<Value>(one),
        serde_json::from_slice::<Value>(other),
    ) {
        (Ok(one), Ok(other)) => one == other,
        _ => false,
    }
}

/// One event, in a fresh environment, judged as an echo.
fn echo_row(
    function: &FunctionConfig,
    row: Row,
    event: &[u8],
    change: impl FnOnce(&mut FunctionConfig),
) -> Row {
    let Some(lambda) = lambda_with(function, change) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let outcome = invoke(&lambda, Invocation::new(event));
    lambda.shutdown();
    let (verdict, did) = echo_verdict(event, outcome.as_ref());
    row.judged(verdict, did)
}

/// The error reports the runtime posted, with their type header.
fn error_posts(exchanges: &[Exchange], path_end: &str) -> Vec<(Option<String>, Vec<u8>)> {
    exchanges
        .iter()
        .filter(|exchange| exchange.method == "POST" && exchange.path.ends_with(path_end))
        .map(|exchange| {
            let error_type = exchange
                .request_headers
                .iter()
                .find(|(name, _)| name == "lambda-runtime-function-error-type")
                .map(|(_, value)| value.clone());
            (error_type, exchange.request_body.clone())
        })
        .collect()
}

/// What is wrong with an error document, if anything: Lambda's form is a
/// JSON object with `errorMessage` and `errorType` strings.
fn document_fault(body: &[u8]) -> Option<String> {
    let Ok(document) = serde_json::from_slice::<Value>(body) else {
        return Some(format!(
            "an error document that is not JSON: {}",
            show_body(body)
        ));
    };
    let missing: Vec<&str> = ["errorMessage", "errorType"]
        .into_iter()
        .filter(|field| !document[*field].is_string())
        .collect();
    (!missing.is_empty()).then(|| format!("an error document without {}", missing.join(" or ")))
}

fn events(function: &FunctionConfig, settings: &Settings) -> Row {
    let row = row(
        "events",
        format!(
            "one event, then up to {MANY_EVENTS} in a row, for {} s at most",
            settings.events_time.as_secs_f64()
        ),
        "The whole picture; Speed",
    );
    let Some(lambda) = lambda_with(function, |config| config.record = false) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let started = Instant::now();
    let mut times = Vec::new();
    let mut wrong = None;
    let mut cold_starts = 0;
    for number in 0..MANY_EVENTS {
        // The first event is always sent: the row's "one event".
        if number > 0 && started.elapsed() > settings.events_time {
            break;
        }
        let event = format!(r#"{{"check":"echo","n":{number}}}"#);
        let sent_at = Instant::now();
        let outcome = invoke(&lambda, Invocation::new(event.as_str()));
        times.push(sent_at.elapsed());
        cold_starts += usize::from(
            outcome
                .as_ref()
                .is_some_and(|outcome| outcome.init_duration.is_some()),
        );
        if let (Verdict::Fail, did) = echo_verdict(event.as_bytes(), outcome.as_ref()) {
            wrong = Some(format!("event {}: {did}", number + 1));
            break;
        }
    }
    lambda.shutdown();
    if let Some(wrong) = wrong {
        return row.judged(Verdict::Fail, wrong);
    }
    times.sort();
    // The first event pays the cold start; the median does not see it.
    let median_ms = times[times.len() / 2].as_secs_f64() * 1000.0;
    let answered = format!(
        "{} events answered, each with its own, {median_ms:.2} ms an event (median)",
        times.len()
    );
    if cold_starts > 1 {
        return row.judged(
            Verdict::Fail,
            format!("{answered}, but in {cold_starts} environments: the runtime keeps dying"),
        );
    }
    if median_ms > SLOW_EVENT_MS {
        return row.judged(
            Verdict::Warn,
            format!(
                "{answered}. A process started per event costs milliseconds; a stall of about \
                 40 ms is the delayed-ACK trap: a request written in two writes (head, then body) \
                 on a socket without TCP_NODELAY waits for the server's delayed acknowledgement. \
                 Write each request in one piece, or set TCP_NODELAY"
            ),
        );
    }
    row.judged(Verdict::Pass, answered)
}

fn idle_next(function: &FunctionConfig, settings: &Settings) -> Row {
    let idle = settings.idle.as_secs_f64();
    let row = row(
        "idle-next",
        format!("an event, then nothing for {idle} s, then another"),
        "Asking for work",
    );
    let Some(lambda) = lambda_with(function, |_| {}) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let first = invoke(&lambda, Invocation::new(r#"{"check":"echo","n":1}"#));
    // The runtime is back in `next` now, and waits there: a read timeout
    // on that request ends it, where Lambda may leave it waiting for hours.
    std::thread::sleep(settings.idle);
    let event = br#"{"check":"echo","n":2}"#;
    let second = invoke(&lambda, Invocation::new(&event[..]));
    lambda.shutdown();
    if !first.as_ref().is_some_and(Outcome::is_success) {
        return row.judged(Verdict::Fail, "the first event was not answered");
    }
    match echo_verdict(event, second.as_ref()) {
        (Verdict::Pass, _) if second.as_ref().is_some_and(|second| second.init_duration.is_some()) => {
            row.judged(
                Verdict::Fail,
                "answered, but by a new runtime: the first gave up waiting on next (a read timeout?)",
            )
        }
        (Verdict::Pass, did) => row.judged(Verdict::Pass, format!("still waiting, then {did}")),
        (_, did) => row.judged(Verdict::Fail, format!("after the wait, {did}")),
    }
}

fn handler_error(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "handler-error",
        r#"{"check":"fail"}, then an ordinary event"#,
        "When things go wrong",
    );
    let Some(lambda) = lambda_with(function, |_| {}) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let failed = invoke(&lambda, Invocation::new(r#"{"check":"fail"}"#));
    let next = invoke(&lambda, Invocation::new(r#"{"check":"echo"}"#));
    let reports = error_posts(&lambda.recording().exchanges(), "/error");
    lambda.shutdown();
    let Some(failed) = failed else {
        return row.judged(Verdict::Fail, "the local Lambda refused the event");
    };
    if failed.is_success() {
        return row.judged(
            Verdict::Fail,
            format!("answered as a success: {}", show_body(failed.body())),
        );
    }
    let Some((error_type, document)) = reports.into_iter().next() else {
        let error = failed
            .result
            .as_ref()
            .err()
            .map(|error| error.error_type.clone())
            .unwrap_or_default();
        return row.judged(
            Verdict::Fail,
            format!("no report on invocation/{{id}}/error; Lambda saw {error}"),
        );
    };
    if error_type.is_none() {
        return row.judged(
            Verdict::Fail,
            "a report without Lambda-Runtime-Function-Error-Type",
        );
    }
    if let Some(fault) = document_fault(&document) {
        return row.judged(Verdict::Fail, fault);
    }
    match next {
        Some(next) if next.is_success() && next.init_duration.is_none() => row.judged(
            Verdict::Pass,
            format!(
                "reported {} on invocation/{{id}}/error, then answered the next event warm",
                error_type.unwrap_or_default()
            ),
        ),
        Some(next) if next.is_success() => row.judged(
            Verdict::Warn,
            "reported the error, but the next event needed a new runtime (a cold start)",
        ),
        _ => row.judged(
            Verdict::Fail,
            "reported the error, but did not answer the next event",
        ),
    }
}

fn init_error(function: &FunctionConfig, _: &Settings) -> Row {
    let file = function
        .handler
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let handler = format!("{file}.no_such_function");
    let row = row(
        "init-error",
        format!("_HANDLER={handler}, a function that is not there"),
        "When things go wrong",
    );
    let Some(lambda) = lambda_with(function, |config| config.handler = handler.clone()) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let outcome = invoke(&lambda, Invocation::new(r#"{"check":"echo"}"#));
    let exchanges = lambda.recording().exchanges();
    lambda.shutdown();
    let reports = error_posts(&exchanges, "/init/error");
    if reports.is_empty() && outcome.as_ref().is_some_and(Outcome::is_success) {
        // A runtime whose handler is compiled into it (Rust's, Go's) has
        // nothing to load, and _HANDLER means nothing to it.
        return row.judged(
            Verdict::NotApplicable,
            "answered: this runtime does not load its handler by _HANDLER",
        );
    }
    let Some((error_type, document)) = reports.first() else {
        let seen = outcome
            .and_then(|outcome| outcome.result.err())
            .map(|error| error.error_type)
            .unwrap_or_else(|| "an answer".to_string());
        return row.judged(
            Verdict::Fail,
            format!("no report on init/error; Lambda saw {seen}"),
        );
    };
    if error_type.is_none() {
        return row.judged(
            Verdict::Fail,
            "an init error without Lambda-Runtime-Function-Error-Type",
        );
    }
    if let Some(fault) = document_fault(document) {
        return row.judged(Verdict::Fail, fault);
    }
    let reported_at = exchanges
        .iter()
        .position(|exchange| exchange.path.ends_with("/init/error"));
    let asked_again = exchanges
        .iter()
        .skip(reported_at.unwrap_or_default())
        .any(|exchange| exchange.path.ends_with("/invocation/next"));
    if asked_again {
        return row.judged(
            Verdict::Fail,
            "reported the init error, then asked for an event: it should exit",
        );
    }
    row.judged(
        Verdict::Pass,
        format!(
            "reported {} on init/error, and asked for nothing more",
            error_type.clone().unwrap_or_default()
        ),
    )
}

fn deadline(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "deadline",
        format!(
            "{SLEEP_EVENT} with a {} s timeout, then an ordinary event",
            SHORT_TIMEOUT.as_secs()
        ),
        "Defending the loop",
    );
    let Some(lambda) = lambda_with(function, |config| config.timeout = SHORT_TIMEOUT) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let slept = invoke(&lambda, Invocation::new(SLEEP_EVENT));
    let event = br#"{"check":"echo","after":"the deadline"}"#;
    let next = invoke(&lambda, Invocation::new(&event[..]));
    lambda.shutdown();
    let timed_out = match &slept {
        Some(Outcome {
            result: Err(error), ..
        }) => error.error_type.clone(),
        Some(_) => return row.judged(Verdict::Fail, "answered, after its deadline had passed"),
        None => return row.judged(Verdict::Fail, "the local Lambda refused the event"),
    };
    let next = match echo_verdict(event, next.as_ref()) {
        (Verdict::Pass, _) => next.expect("an answer was judged"),
        (_, did) => {
            return row.judged(
                Verdict::Fail,
                format!("timed out ({timed_out}), then the next event {did}"),
            );
        }
    };
    // Lambda ends an environment whose runtime lets the deadline pass
    // (Sandbox.Timedout): the next event pays a cold start. A runtime that
    // stops its handler first, and says so, stays warm. One that dies has
    // failed.
    match timed_out.as_str() {
        "Runtime.ExitError" => row.judged(
            Verdict::Fail,
            "the runtime exited at the deadline instead of reporting it",
        ),
        "Sandbox.Timedout" => row.judged(
            Verdict::Warn,
            "Lambda timed the invocation out (Sandbox.Timedout) and replaced the environment: \
             the next event paid a cold start. Stop the handler a little before the deadline \
             and report it, and the runtime stays warm",
        ),
        _ if next.init_duration.is_some() => row.judged(
            Verdict::Warn,
            format!("reported {timed_out}, but the next event needed a new runtime"),
        ),
        _ => row.judged(
            Verdict::Pass,
            format!(
                "stopped the handler and reported {timed_out}; the next event was answered warm"
            ),
        ),
    }
}

fn large_events(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "large-events",
        format!("events of 1 MiB and of {NEAR_LIMIT_BYTES} bytes (a JSON string each)"),
        "Answering",
    );
    for bytes in [1024 * 1024, NEAR_LIMIT_BYTES] {
        let event = format!(r#""{}""#, "x".repeat(bytes - 2));
        let judged = echo_row(function, row.clone(), event.as_bytes(), |config| {
            config.timeout = Duration::from_secs(30);
        });
        if judged.verdict != Verdict::Pass {
            return row.judged(Verdict::Fail, format!("{bytes} bytes: {}", judged.did));
        }
    }
    row.judged(Verdict::Pass, "answered both with the event")
}

fn non_ascii(function: &FunctionConfig, _: &Settings) -> Row {
    let event = r#"{"check":"echo","text":"Zoë says 👋 to 世界"}"#;
    echo_row(
        function,
        row("non-ascii", event, "Running the handler"),
        event.as_bytes(),
        |_| {},
    )
}

fn escapes(function: &FunctionConfig, _: &Settings) -> Row {
    let event =
        r#"{"check":"echo","s":"\" \\ \/ \b \f \n \r \t \u0000 \u001f \u00e9 \ud83e\udd80"}"#;
    echo_row(
        function,
        row(
            "escapes",
            "a string with every JSON escape",
            "Running the handler",
        ),
        event.as_bytes(),
        |_| {},
    )
}

fn chunked(function: &FunctionConfig, _: &Settings) -> Row {
    let event = format!(r#"{{"check":"echo","text":"{}"}}"#, "x".repeat(100_000));
    let row = row(
        "chunked",
        "a 100 kB event, with Transfer-Encoding: chunked",
        "Speed",
    );
    echo_row(function, row, event.as_bytes(), |config| {
        config.event_framing = EventFraming::Chunked {
            chunk_bytes: 16 * 1024,
        };
    })
}

fn optional_headers(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "optional-headers",
        "an event without a trace id, an ARN, a client context or an identity",
        "The invocation context",
    );
    let Some(lambda) = lambda_with(function, |_| {}) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let event = br#"{"check":"echo","headers":"fewer"}"#;
    let invocation = Invocation::new(&event[..])
        .without_header("Lambda-Runtime-Trace-Id")
        .without_header("Lambda-Runtime-Invoked-Function-Arn");
    let outcome = invoke(&lambda, invocation);
    lambda.shutdown();
    let (verdict, did) = echo_verdict(event, outcome.as_ref());
    row.judged(verdict, did)
}

fn missing_deadline(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "missing-deadline",
        "an event without Lambda-Runtime-Deadline-Ms",
        "The invocation context",
    );
    let Some(lambda) = lambda_with(function, |_| {}) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let event = br#"{"check":"echo","deadline":"none"}"#;
    let invocation = Invocation::new(&event[..]).without_header("Lambda-Runtime-Deadline-Ms");
    let outcome = invoke(&lambda, invocation);
    lambda.shutdown();
    let Some(outcome) = outcome else {
        return row.judged(Verdict::Fail, "the local Lambda refused the event");
    };
    match &outcome.result {
        Ok(_) => {
            let (verdict, did) = echo_verdict(event, Some(&outcome));
            row.judged(verdict, format!("ran the handler: {did}"))
        }
        Err(error)
            if String::from_utf8_lossy(&error.body).contains("Lambda-Runtime-Deadline-Ms") =>
        {
            row.judged(
                Verdict::Pass,
                format!("reported {}, naming the header", error.error_type),
            )
        }
        Err(error) => row.judged(
            Verdict::Fail,
            format!(
                "failed without naming the missing header: {} {}",
                error.error_type,
                show_body(&error.body)
            ),
        ),
    }
}

fn log_line(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row("log", r#"{"check":"log"}"#, "Following along");
    let Some(lambda) = lambda_with(function, |_| {}) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let outcome = invoke(&lambda, Invocation::new(r#"{"check":"log"}"#));
    // Lambda writes END when the runtime asks for its next event, which the
    // answer does not wait for: a second event makes sure it has.
    let _ = invoke(&lambda, Invocation::new(r#"{"check":"echo"}"#));
    let log = lambda.recording().log();
    lambda.shutdown();
    let Some(outcome) = outcome else {
        return row.judged(Verdict::Fail, "the local Lambda refused the event");
    };
    let start = log.iter().position(|line| line.starts_with("START "));
    let end = log.iter().position(|line| line.starts_with("END "));
    let logged = match (start, end) {
        (Some(start), Some(end)) => log[start..end]
            .iter()
            .any(|line| line.contains("check: a line for the log")),
        _ => false,
    };
    match (&outcome.result, logged) {
        (Ok(body), true) if !body.windows(5).any(|window| window == b"check") => row.judged(
            Verdict::Pass,
            "the line is in the function's log, between START and END",
        ),
        (Ok(body), true) => row.judged(
            Verdict::Fail,
            format!("the log line is in the answer too: {}", show_body(body)),
        ),
        (Ok(_), false) => row.judged(
            Verdict::Fail,
            "answered, but the line is not in the function's log",
        ),
        (Err(error), _) => row.judged(Verdict::Fail, format!("failed: {}", error.error_type)),
    }
}
