//! The rows about a runtime's life over many events: answering them, its
//! memory, a long wait in `next`, and its log.

use std::time::Instant;

use super::judge::{echo_verdict, invoke, lambda_with, row};
use super::{Row, Settings, Verdict};
use crate::{FunctionConfig, Invocation, Outcome, proc_kib, show_body};

/// Events in the "events" row at most.
const MANY_EVENTS: usize = 1_000;

/// Above this median per event the row warns, naming the likely causes, in ms.
const SLOW_EVENT_MS: f64 = 10.0;

pub(super) fn events(function: &FunctionConfig, settings: &Settings) -> Row {
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

/// The memory row's events, at most, and how long it may take.
const MEMORY_EVENTS: usize = 2_000;

/// The events before the first measurement: what a runtime allocates
/// once, it has allocated by then.
const MEMORY_WARM_UP: usize = 200;

/// Growth above this from the first measurement to the last warns, in KiB,
/// when each half of the events grew by a quarter of it or more.
const MEMORY_GROWTH_KIB: u64 = 64;

pub(super) fn memory(function: &FunctionConfig, settings: &Settings) -> Row {
    let row = row(
        "memory",
        format!("up to {MEMORY_EVENTS} events, each with a new trace id"),
        "Speed",
    );
    let Some(lambda) = lambda_with(function, |config| config.record = false) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    let started = Instant::now();
    // The runtime's memory every hundred events after the warm-up: a leak
    // grows it all the way, where a heap settling in grows it once.
    let mut samples = Vec::new();
    let mut sent = 0;
    for number in 0..MEMORY_EVENTS {
        if number > MEMORY_WARM_UP && started.elapsed() > settings.events_time {
            break;
        }
        let event = format!(r#"{{"check":"echo","n":{number}}}"#);
        if !invoke(&lambda, Invocation::new(event.as_str()))
            .is_some_and(|outcome| outcome.is_success())
        {
            lambda.shutdown();
            return row.judged(
                Verdict::Fail,
                format!("event {} was not answered", number + 1),
            );
        }
        sent = number + 1;
        if sent >= MEMORY_WARM_UP && sent % 100 == 0 {
            let resident = |pid| proc_kib(pid, "status", "VmRSS").ok();
            samples.extend(lambda.runtime_pid().and_then(resident));
        }
    }
    lambda.shutdown();
    let (Some(&first), Some(&last)) = (samples.first(), samples.last()) else {
        return row.judged(
            Verdict::NotApplicable,
            format!("{sent} events: too few to measure, or no process to measure"),
        );
    };
    let middle = samples[samples.len() / 2];
    let measured = 100 * (samples.len() - 1);
    let grown = last.saturating_sub(first);
    let said = format!(
        "the runtime process held {first} KiB after {MEMORY_WARM_UP} events, {last} KiB after {}",
        MEMORY_WARM_UP + measured
    );
    let kept_growing = middle.saturating_sub(first) > MEMORY_GROWTH_KIB / 4
        && last.saturating_sub(middle) > MEMORY_GROWTH_KIB / 4;
    if grown > MEMORY_GROWTH_KIB && kept_growing {
        let per_event = grown * 1024 / measured.max(1) as u64;
        return row.judged(
            Verdict::Warn,
            format!(
                "{said}: about {per_event} bytes an event, which a runtime that lives for hours \
                 cannot afford. A runtime that calls setenv for each event (for \
                 _X_AMZN_TRACE_ID, say) grows so: the C library never frees a string setenv replaces"
            ),
        );
    }
    row.judged(Verdict::Pass, said)
}

pub(super) fn idle_next(function: &FunctionConfig, settings: &Settings) -> Row {
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

pub(super) fn log_line(function: &FunctionConfig, _: &Settings) -> Row {
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
