//! The rows about the URLs a runtime builds: the Runtime API's address in
//! each of its forms, and request ids that must not reach a path as they are.

use std::time::Duration;

use super::judge::{echo_verdict, invoke, lambda_with, row};
use super::{Row, Settings, Verdict};
use crate::{FunctionConfig, Invocation};

/// Request ids no runtime may put into a URL as they are: each would make
/// the answer's path another path.
const UNSAFE_REQUEST_IDS: [&str; 3] = ["../x", "a/b", "a?b"];

pub(super) fn request_ids(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "request-ids",
        format!(
            "events with the request ids {}, then an ordinary event",
            UNSAFE_REQUEST_IDS.join(", ")
        ),
        "The request id",
    );
    // Shorter than Lambda allows: each of those events waits out its
    // timeout, and the row is about URLs, not time.
    let Some(lambda) = lambda_with(function, |config| {
        config.timeout = Duration::from_millis(300)
    }) else {
        return row.judged(Verdict::Fail, "the local Lambda could not start");
    };
    for id in UNSAFE_REQUEST_IDS {
        let _ = invoke(
            &lambda,
            Invocation::new(r#"{"check":"echo"}"#).with_request_id(id),
        );
    }
    let event = br#"{"check":"echo","id":"fine"}"#;
    let next = invoke(&lambda, Invocation::new(&event[..]));
    let exchanges = lambda.recording().exchanges();
    lambda.shutdown();
    if let Some(bad) = exchanges
        .iter()
        .find(|exchange| exchange.method == "POST" && !is_answer_path(&exchange.path))
    {
        return row.judged(
            Verdict::Fail,
            format!("put a request id into a URL as it was: POST {}", bad.path),
        );
    }
    match echo_verdict(event, next.as_ref()) {
        (Verdict::Pass, _) => row.judged(
            Verdict::Pass,
            "sent nothing for those ids (Lambda timed them out), and answered the next event",
        ),
        (_, did) => row.judged(Verdict::Fail, format!("then the ordinary event {did}")),
    }
}

/// Whether `path` is one of the Runtime API's answer paths, with the id in
/// one path segment that is not `.` or `..`, and no query.
fn is_answer_path(path: &str) -> bool {
    if path.ends_with("/runtime/init/error") {
        return true;
    }
    let Some((_, rest)) = path.split_once("/runtime/invocation/") else {
        return false;
    };
    let Some((id, tail)) = rest.split_once('/') else {
        return false;
    };
    !matches!(id, "" | "." | "..")
        && matches!(tail, "response" | "error")
        && !path.contains(['?', '#'])
}

pub(super) fn api_forms(function: &FunctionConfig, _: &Settings) -> Row {
    let row = row(
        "api-forms",
        "AWS_LAMBDA_RUNTIME_API as host:port, http://host:port, host:port/.rt and http://host:port/.rt",
        "The whole loop in Rust",
    );
    let forms = [
        ("host:port", "", false),
        ("http://host:port", "", true),
        ("host:port/.rt", "/.rt", false),
        ("http://host:port/.rt", "/.rt", true),
    ];
    for (form, prefix, scheme) in forms {
        let Some(lambda) = lambda_with(function, |config| {
            config.runtime_api_prefix = prefix.to_string();
            config.runtime_api_scheme = scheme;
        }) else {
            return row.judged(Verdict::Fail, "the local Lambda could not start");
        };
        let event = br#"{"check":"echo","form":"any"}"#;
        let outcome = invoke(&lambda, Invocation::new(&event[..]));
        lambda.shutdown();
        if let (Verdict::Fail, did) = echo_verdict(event, outcome.as_ref()) {
            return row.judged(Verdict::Fail, format!("with {form}: {did}"));
        }
    }
    row.judged(Verdict::Pass, "answered in every form")
}
