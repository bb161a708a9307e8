//! How the rows judge what a runtime did: starting a local Lambda for a
//! row, comparing an answer with the event it echoes, and reading the error
//! reports a runtime posted.

use serde_json::Value;

use std::time::Duration;

use super::{Row, Verdict};
use crate::{Exchange, FunctionConfig, Invocation, LocalLambda, Outcome, show_body};

/// The event the sleeping handler outlives, and the timeout it meets.
pub(super) const SLEEP_EVENT: &str = r#"{"check":"sleep"}"#;

pub(super) const SHORT_TIMEOUT: Duration = Duration::from_secs(1);

/// A timeout the sleeping handler fits in.
pub(super) const LONG_ENOUGH: Duration = Duration::from_secs(5);

pub(super) fn row(name: &'static str, sent: impl Into<String>, chapter: &'static str) -> Row {
    Row {
        name,
        sent: sent.into(),
        did: String::new(),
        verdict: Verdict::Fail,
        chapter,
    }
}

impl Row {
    pub(super) fn judged(mut self, verdict: Verdict, did: impl Into<String>) -> Row {
        self.verdict = verdict;
        self.did = did.into();
        self
    }
}

/// A local Lambda running the runtime under test, with `change` applied to
/// its configuration; `None` when it cannot even start.
pub(super) fn lambda_with(
    function: &FunctionConfig,
    change: impl FnOnce(&mut FunctionConfig),
) -> Option<LocalLambda> {
    let mut config = function.clone();
    config.echo_log = false;
    config.record = true;
    change(&mut config);
    LocalLambda::start(config).ok()
}

pub(super) fn invoke(lambda: &LocalLambda, invocation: Invocation) -> Option<Outcome> {
    lambda.invoke(invocation).ok()
}

/// How an outcome compares with the echo of `event`.
pub(super) fn echo_verdict(event: &[u8], outcome: Option<&Outcome>) -> (Verdict, String) {
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

pub(super) fn same_json(one: &[u8], other: &[u8]) -> bool {
    match (
        serde_json::from_slice::<Value>(one),
        serde_json::from_slice::<Value>(other),
    ) {
        (Ok(one), Ok(other)) => one == other,
        _ => false,
    }
}

/// One event, in a fresh environment, judged as an echo.
pub(super) fn echo_row(
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
pub(super) fn error_posts(
    exchanges: &[Exchange],
    path_end: &str,
) -> Vec<(Option<String>, Vec<u8>)> {
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

/// What is wrong with an `init/error` report (its type header and its
/// document, as [`error_posts`] gives them), if anything. Its type belongs
/// in the header: Lambda's init failures are known by it
/// (`Runtime.NoSuchHandler`, ...), and even AWS's Node.js client, which
/// leaves the header off an invocation's error, sends it here.
pub(super) fn report_fault(error_type: &Option<String>, document: &[u8]) -> Option<String> {
    if error_type.is_none() {
        return Some("a report without Lambda-Runtime-Function-Error-Type".to_string());
    }
    document_fault(document)
}

/// What is wrong with an error document, if anything: Lambda's form is a
/// JSON object with `errorMessage` and `errorType` strings.
pub(super) fn document_fault(body: &[u8]) -> Option<String> {
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
