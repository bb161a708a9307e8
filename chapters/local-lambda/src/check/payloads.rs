//! The rows about events a runtime must pass on whole: large ones, text
//! beyond ASCII, every JSON escape, a chunked body, and fewer headers.

use std::time::Duration;

use super::judge::{echo_row, echo_verdict, invoke, lambda_with, row};
use super::{Row, Settings, Verdict};
use crate::{EventFraming, FunctionConfig, Invocation};

/// The largest event Lambda's synchronous Invoke takes is 6 MiB; this one
/// is just under, and its echo just under the response limit.
const NEAR_LIMIT_BYTES: usize = 6 * 1024 * 1024 - 1024;

pub(super) fn large_events(function: &FunctionConfig, _: &Settings) -> Row {
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

pub(super) fn non_ascii(function: &FunctionConfig, _: &Settings) -> Row {
    let event = r#"{"check":"echo","text":"Zoë says 👋 to 世界"}"#;
    echo_row(
        function,
        row("non-ascii", event, "Running the handler"),
        event.as_bytes(),
        |_| {},
    )
}

pub(super) fn escapes(function: &FunctionConfig, _: &Settings) -> Row {
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

pub(super) fn chunked(function: &FunctionConfig, _: &Settings) -> Row {
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

pub(super) fn optional_headers(function: &FunctionConfig, _: &Settings) -> Row {
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
