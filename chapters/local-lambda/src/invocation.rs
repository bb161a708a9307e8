//! What goes into a local Lambda and what comes out: an invocation, and its
//! outcome as the caller sees it (a response, or Lambda's error document).

use std::time::Duration;

use serde_json::json;

use crate::response_stream::ResponseStream;

/// One request to run the function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// The event, byte for byte; Lambda does not look inside it.
    pub event: Vec<u8>,
    /// JSON sent by mobile SDKs; passed on as `Lambda-Runtime-Client-Context`.
    pub client_context: Option<String>,
    /// JSON sent by mobile SDKs; passed on as `Lambda-Runtime-Cognito-Identity`.
    pub cognito_identity: Option<String>,
    /// Headers of `next` to leave out, by name, compared without regard to
    /// case (`Lambda-Runtime-Deadline-Ms`, say). Lambda always sends its
    /// headers; leaving one out tests what a runtime does without it.
    pub headers_left_out: Vec<String>,
    /// The request id to send, instead of a fresh UUID. Lambda's ids are
    /// UUIDs; another tests what a runtime does with an id it must not
    /// put into a URL as it is (`../x`, `a/b`, `a?b`).
    pub request_id: Option<String>,
    /// The caller's `X-Amzn-Trace-Id`, whose root the function's trace id
    /// continues, as Lambda continues a trace that began upstream.
    pub trace_header: Option<String>,
    /// Whether the caller asked for this invocation's log
    /// (`X-Amz-Log-Type: Tail`): the outcome then carries it, and the
    /// caller waits until Lambda has written `REPORT`.
    pub log_tail: bool,
    /// The tenant this invocation is for (`X-Amz-Tenant-Id`), on a
    /// tenant-isolated function: its environments serve no other tenant,
    /// and the runtime sees it in `Lambda-Runtime-Aws-Tenant-Id`.
    pub tenant_id: Option<String>,
    /// Where the answer goes as the runtime sends it, for a caller that
    /// reads it as it comes: every byte of a successful answer, streamed
    /// or not. The outcome's body then holds a buffered answer only.
    pub stream: Option<ResponseStream>,
}

impl Invocation {
    /// An invocation of `event` with no mobile context.
    pub fn new(event: impl Into<Vec<u8>>) -> Invocation {
        Invocation {
            event: event.into(),
            ..Invocation::default()
        }
    }

    /// The same invocation, sent with `request_id` as its id.
    pub fn with_request_id(mut self, request_id: &str) -> Invocation {
        self.request_id = Some(request_id.to_string());
        self
    }

    /// The same invocation, with the header `name` left out of `next`.
    pub fn without_header(mut self, name: &str) -> Invocation {
        self.headers_left_out.push(name.to_string());
        self
    }
}

/// A failed invocation as its caller sees it: Lambda's error type and the
/// error document (JSON with `errorMessage` and `errorType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub error_type: String,
    pub body: Vec<u8>,
}

impl FunctionError {
    /// An error that Lambda itself raises, with its message.
    pub(crate) fn raised(error_type: &str, message: String) -> FunctionError {
        let body = json!({"errorMessage": message, "errorType": error_type})
            .to_string()
            .into_bytes();
        FunctionError {
            error_type: error_type.to_string(),
            body,
        }
    }

    /// An error the runtime reported. Lambda passes the runtime's document on
    /// as it is; with no document it builds one from the header's type.
    pub(crate) fn reported(error_type: Option<String>, body: Vec<u8>) -> FunctionError {
        let error_type = error_type.unwrap_or_else(|| "Unhandled".to_string());
        if body.is_empty() {
            return FunctionError::raised(
                &error_type,
                "Unknown application error occurred".to_string(),
            );
        }
        FunctionError { error_type, body }
    }
}

/// What became of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub request_id: String,
    pub result: Result<Vec<u8>, FunctionError>,
    /// From handing the event over to the answer.
    pub duration: Duration,
    /// Set on a cold start: from starting `bootstrap` to its first `next`.
    pub init_duration: Option<Duration>,
    /// Which execution environment served it, counted from 1 in the order
    /// they were first needed.
    pub environment: usize,
    /// The invocation's log, `START` to `REPORT`, one line each, when it
    /// asked for it ([`Invocation::log_tail`]).
    pub log: Option<Vec<u8>>,
}

impl Outcome {
    /// What the caller receives: the response, or the error document.
    pub fn body(&self) -> &[u8] {
        match &self.result {
            Ok(body) => body,
            Err(error) => &error.body,
        }
    }

    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }
}

/// An invocation refused before it reached the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The event is over the payload limit (6 MB synchronous, 1 MB asynchronous).
    EventTooLarge { size: usize, limit: usize },
    /// The event is not JSON, which Lambda's Invoke API refuses
    /// (`InvalidRequestContentException`); `reason` is the parser's.
    NotJson { reason: String },
    /// The local Lambda was shut down.
    ShutDown,
}

impl Rejection {
    /// The message Lambda's Invoke API gives.
    pub fn message(&self) -> String {
        match self {
            Rejection::EventTooLarge { limit, .. } => {
                format!(
                    "Request must be smaller than {limit} bytes for the InvokeFunction operation"
                )
            }
            Rejection::NotJson { reason } => {
                format!("Could not parse request body into json: {reason}")
            }
            Rejection::ShutDown => "The local Lambda has shut down".to_string(),
        }
    }

    /// The error type Lambda's Invoke API names this refusal with, in its
    /// `x-amzn-ErrorType` header, and its HTTP status.
    pub fn error_type_and_status(&self) -> (&'static str, u16) {
        match self {
            // What Lambda's front end answers for an oversized request.
            Rejection::EventTooLarge { .. } => ("RequestEntityTooLargeException", 413),
            Rejection::NotJson { .. } => ("InvalidRequestContentException", 400),
            Rejection::ShutDown => ("ServiceException", 500),
        }
    }
}

/// Refuses an event that is not JSON, as Lambda's Invoke API does before any
/// runtime sees it: a JSON string (`"a * b"`) is an event, `a * b` is not.
pub fn check_json(event: &[u8]) -> Result<(), Rejection> {
    serde_json::from_slice::<serde::de::IgnoredAny>(event)
        .map(|_| ())
        .map_err(|error| Rejection::NotJson {
            reason: error.to_string(),
        })
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::EventTooLarge { size, .. } => {
                write!(formatter, "{} (the event has {size})", self.message())
            }
            Rejection::NotJson { .. } | Rejection::ShutDown => {
                let (error_type, _) = self.error_type_and_status();
                write!(formatter, "{error_type}: {}", self.message())
            }
        }
    }
}

impl std::error::Error for Rejection {}

/// Lambda's error when the runtime process ends while an invocation is open.
pub(crate) fn exit_error(request_id: &str, how: &str) -> FunctionError {
    let reason = if how == "exit status 0" {
        "Runtime exited without providing a reason".to_string()
    } else {
        format!("Runtime exited with error: {how}")
    };
    FunctionError::raised(
        "Runtime.ExitError",
        format!("RequestId: {request_id} Error: {reason}"),
    )
}

/// Lambda's error when an invocation passes its deadline.
pub(crate) fn timeout_error(request_id: &str, timeout: Duration) -> FunctionError {
    FunctionError::raised(
        "Sandbox.Timedout",
        format!(
            "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
            timeout.as_secs_f64()
        ),
    )
}

pub(crate) fn json_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value["errorMessage"].as_str().map(str::to_string))
        .unwrap_or_default()
}
