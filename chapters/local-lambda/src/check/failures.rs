//! The rows about failing well: a handler's error, a handler that cannot
//! be loaded, a deadline that passes, and a deadline that is missing.

use super::judge::{
    LONG_ENOUGH, SHORT_TIMEOUT, SLEEP_EVENT, document_fault, echo_verdict, error_posts, invoke,
    lambda_with, report_fault, row,
};
use super::{Row, Settings, Verdict};
use crate::{FunctionConfig, Invocation, Outcome, show_body};

pub(super) fn handler_error(function: &FunctionConfig, _: &Settings) -> Row {
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
    if let Some(fault) = document_fault(&document) {
        return row.judged(Verdict::Fail, fault);
    }
    match next {
        // Lambda takes an invocation's error without its type in the
        // header: AWS's own Node.js client (aws-lambda-ric) reports so.
        Some(next) if next.is_success() && next.init_duration.is_none() && error_type.is_none() => {
            row.judged(
                Verdict::Warn,
                "reported the error on invocation/{id}/error without \
                 Lambda-Runtime-Function-Error-Type, then answered the next event warm. Lambda \
                 accepts that (AWS's own Node.js client reports so), but the error's type is then \
                 in the document only, and the local Lambda records it as Unhandled: send the \
                 type in the header too",
            )
        }
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

pub(super) fn init_error(function: &FunctionConfig, _: &Settings) -> Row {
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
    if let Some(fault) = report_fault(error_type, document) {
        return row.judged(Verdict::Fail, format!("on init/error, {fault}"));
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

pub(super) fn deadline(function: &FunctionConfig, _: &Settings) -> Row {
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

pub(super) fn missing_deadline(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "missing-deadline",
        format!(
            "{SLEEP_EVENT} without Lambda-Runtime-Deadline-Ms, with a {} s timeout",
            LONG_ENOUGH.as_secs()
        ),
        "The invocation context",
    );
    // The sleeping handler tells a runtime that ran it without a deadline
    // (it answers after 3 s) from one that read the missing header as 0,
    // a deadline in 1970 (it stops the handler at once).
    let Some(lambda) = lambda_with(function, |config| config.timeout = LONG_ENOUGH) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let invocation = Invocation::new(SLEEP_EVENT).without_header("Lambda-Runtime-Deadline-Ms");
    let outcome = invoke(&lambda, invocation);
    lambda.shutdown();
    let Some(outcome) = outcome else {
        return row.judged(Verdict::Fail, "the local Lambda refused the event");
    };
    match &outcome.result {
        Ok(_) => {
            let (verdict, did) = echo_verdict(SLEEP_EVENT.as_bytes(), Some(&outcome));
            row.judged(verdict, format!("ran the handler to its end: {did}"))
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
                "failed without naming the missing header (a deadline read as 0?): {} {}",
                error.error_type,
                show_body(&error.body)
            ),
        ),
    }
}
