//! The Extensions API, `/2020-01-01/extension/`, served beside the Runtime
//! API at the same `AWS_LAMBDA_RUNTIME_API`: `register`, `event/next`,
//! `init/error` and `exit/error`, with Lambda's errors (`403` and a JSON
//! body naming the error type), and the `INVOKE` and `SHUTDOWN` events it
//! hands to the extensions that asked for them. What it reads and changes
//! is the extensions' state in the sandbox (`extensions.rs`).

use serde_json::json;

use crate::connection::{Connection, Parked, Reply};
use crate::extensions::{Refused, Subscriptions};
use crate::http::{Request, Response};
use crate::ids;
use crate::sandbox::{Offer, Sandbox};
use std::sync::Arc;

/// The version segment every Extensions API path starts with.
pub(crate) const EXTENSIONS_VERSION: &str = "2020-01-01";

/// Why Lambda ends an environment, as `SHUTDOWN` tells extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShutdownReason {
    /// It is no longer needed.
    Spindown,
    /// An invocation passed its deadline.
    Timeout,
    /// The runtime or an extension failed.
    Failure,
}

impl ShutdownReason {
    fn name(self) -> &'static str {
        match self {
            ShutdownReason::Spindown => "spindown",
            ShutdownReason::Timeout => "timeout",
            ShutdownReason::Failure => "failure",
        }
    }
}

// ANCHOR: routes
/// Answers one Extensions API request, `route` being its path after
/// `/2020-01-01/extension/`.
pub(crate) fn handle(
    sandbox: &Sandbox,
    route: &str,
    request: &Request,
    connection: &Arc<Connection>,
    record: usize,
) -> Reply {
    let response = match (request.method.as_str(), route) {
        ("POST", "register") => register(sandbox, request),
        ("GET", "event/next") => match identifier(request) {
            Ok(id) => return next(sandbox, &id, request, connection, record),
            Err(refusal) => refusal,
        },
        ("POST", "init/error") | ("POST", "exit/error") => report_error(sandbox, request),
        (_, "register" | "event/next" | "init/error" | "exit/error") => {
            Response::new(405, "text/plain; charset=utf-8", "")
        }
        _ => Response::new(404, "text/plain; charset=utf-8", "404 page not found\n"),
    };
    sandbox.recording.response(record, &response);
    Reply::Now(response)
}
// ANCHOR_END: routes

/// `POST register`: the extension named in `Lambda-Extension-Name`, for
/// the events in the body; answered with its identifier and the function.
fn register(sandbox: &Sandbox, request: &Request) -> Response {
    let name = request.header("Lambda-Extension-Name").unwrap_or_default();
    let subscriptions = match subscriptions(&request.body) {
        Ok(subscriptions) => subscriptions,
        Err(refusal) => return forbidden(&refusal),
    };
    let id = ids::request_id();
    let registered = sandbox.update(|state| state.extensions.register(&id, name, subscriptions));
    match registered {
        Err(refusal) => forbidden(&refusal),
        Ok(()) => {
            Response::json(200, &sandbox.function).with_header("Lambda-Extension-Identifier", &id)
        }
    }
}

/// The events a registration asks for: `{"events": ["INVOKE", "SHUTDOWN"]}`.
fn subscriptions(body: &[u8]) -> Result<Subscriptions, Refused> {
    let invalid = |message: String| Refused {
        error_type: "InvalidRequestFormat",
        message,
    };
    let document: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| invalid(error.to_string()))?;
    let mut subscriptions = Subscriptions::default();
    for event in document["events"].as_array().into_iter().flatten() {
        match event.as_str() {
            Some("INVOKE") => subscriptions.invoke = true,
            Some("SHUTDOWN") => subscriptions.shutdown = true,
            _ => {
                return Err(Refused {
                    error_type: "Extension.InvalidEventType",
                    message: format!("{event}: not an event an extension can register for"),
                });
            }
        }
    }
    Ok(subscriptions)
}

/// `GET event/next`: the extension's pending event at once, or a long
/// poll until there is one. Unlike the runtime's `next`, the connection
/// stays with its own thread, which reads the extension's next request
/// once the event is written.
fn next(
    sandbox: &Sandbox,
    id: &str,
    request: &Request,
    connection: &Arc<Connection>,
    record: usize,
) -> Reply {
    let parked = Parked {
        connection: connection.clone(),
        keep_alive: request.keep_alive,
        record,
    };
    let mut state = sandbox.lock();
    if state.retired {
        return Reply::Close;
    }
    let event = state.extensions.next(id, parked);
    // Back in event/next: perhaps the last one the invocation waited for.
    drop(sandbox.end_if_all_back(state));
    sandbox.notify();
    let response = match event {
        Ok(None) => return Reply::Later,
        Ok(Some(event)) => Response::new(200, "application/json", event)
            .with_header("Lambda-Extension-Event-Identifier", &ids::request_id()),
        Err(refusal) => forbidden(&refusal),
    };
    sandbox.recording.response(record, &response);
    Reply::Now(response)
}

/// `POST init/error` and `POST exit/error`: the extension failed, with
/// the error type in `Lambda-Extension-Function-Error-Type`.
fn report_error(sandbox: &Sandbox, request: &Request) -> Response {
    let id = match identifier(request) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    let Some(error_type) = request.header("Lambda-Extension-Function-Error-Type") else {
        return forbidden(&Refused {
            error_type: "Extension.MissingHeader",
            message: "Lambda-Extension-Function-Error-Type not found".to_string(),
        });
    };
    match sandbox.update(|state| state.extensions.report_error(&id, error_type)) {
        Ok(()) => Response::json(202, &json!({"status": "OK"})),
        Err(refusal) => forbidden(&refusal),
    }
}

/// The extension's identifier, from `Lambda-Extension-Identifier`, or
/// Lambda's refusal when it is missing or not one Lambda gave.
pub(crate) fn identifier(request: &Request) -> Result<String, Response> {
    match request.header("Lambda-Extension-Identifier") {
        None | Some("") => Err(forbidden(&Refused {
            error_type: "Extension.MissingExtensionIdentifier",
            message: "Missing Lambda-Extension-Identifier header".to_string(),
        })),
        Some(id) if uuid::Uuid::parse_str(id).is_err() => Err(forbidden(&Refused {
            error_type: "Extension.InvalidExtensionIdentifier",
            message: "Invalid Lambda-Extension-Identifier".to_string(),
        })),
        Some(id) => Ok(id.to_string()),
    }
}

pub(crate) fn forbidden(refusal: &Refused) -> Response {
    Response::json(
        403,
        &json!({"errorType": refusal.error_type, "errorMessage": refusal.message}),
    )
}

/// Hands `INVOKE` for `offer` to every extension that registered for it;
/// with none, it costs no more than a look.
pub(crate) fn deliver_invoke(sandbox: &Sandbox, offer: &Offer) {
    if sandbox.lock().extensions.count() == 0 {
        return;
    }
    let event = json!({
        "eventType": "INVOKE",
        "deadlineMs": offer.deadline_ms,
        "requestId": offer.request_id,
        "invokedFunctionArn": offer.function_arn,
        "tracing": {"type": "X-Amzn-Trace-Id", "value": offer.trace_id},
    });
    deliver(sandbox, &event, |wants| wants.invoke);
}

/// Hands `SHUTDOWN`, with its reason and deadline (ms since the epoch), to
/// every extension that registered for it.
pub(crate) fn deliver_shutdown(sandbox: &Sandbox, reason: ShutdownReason, deadline_ms: u128) {
    let event = json!({
        "eventType": "SHUTDOWN",
        "shutdownReason": reason.name(),
        "deadlineMs": deadline_ms,
    });
    deliver(sandbox, &event, |wants| wants.shutdown);
}

fn deliver(sandbox: &Sandbox, event: &serde_json::Value, wants: impl Fn(Subscriptions) -> bool) {
    let body = event.to_string().into_bytes();
    let waiting = sandbox.update(|state| state.extensions.deliver(&body, wants));
    for parked in waiting {
        let response = Response::new(200, "application/json", body.clone())
            .with_header("Lambda-Extension-Event-Identifier", &ids::request_id());
        sandbox.recording.response(parked.record, &response);
        parked.connection.write(&response, parked.keep_alive);
    }
}
