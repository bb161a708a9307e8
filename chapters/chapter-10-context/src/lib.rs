//! Chapter 10: the invocation context.
//!
//! An event comes with more than its body: its request id, its deadline,
//! the ARN it was invoked by, an X-Ray trace id, and for calls from mobile
//! apps a client context and an identity, all in headers of `next`. A
//! runtime passes them on to the handler: to a shell handler as environment
//! variables of its process, to a Rust handler as a typed `Context`.
//!
//! Lambda asks every runtime to put the trace id in `_X_AMZN_TRACE_ID` for
//! the handler. AWS's own clients do it by calling `setenv` on their own
//! process for every event, and the C library never frees the replaced
//! strings, so the runtime's memory grows with every invocation. Here it
//! is set only in the handler's process, which is new for each event.

pub mod check;
pub mod greeter;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chapter_04::NextInvocation;
use chapter_06::ShellHandler;
use chapter_09::{Conversation, ErrorReport, Fatal, invocation_report};
use serde::Serialize;
use serde::de::DeserializeOwned;

// ANCHOR: context
/// What Lambda says about one invocation, besides the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub request_id: String,
    /// When Lambda will stop waiting, in milliseconds since the Unix epoch.
    pub deadline_ms: u64,
    pub invoked_function_arn: String,
    /// The X-Ray trace header, for `_X_AMZN_TRACE_ID`.
    pub trace_id: Option<String>,
    /// JSON, from mobile SDKs only.
    pub client_context: Option<String>,
    /// JSON, from mobile SDKs only.
    pub cognito_identity: Option<String>,
}
// ANCHOR_END: context

impl Context {
    /// The context of `invocation`, whose request id the loop already checked.
    /// Lambda always sends `Lambda-Runtime-Deadline-Ms`; without it, or with
    /// a value that is not a number of milliseconds, there is no deadline to
    /// keep, and the error (`Runtime.InvalidContext`, this book's type) names
    /// the header rather than reading it as 0, a deadline in 1970.
    pub fn from_invocation(
        request_id: &str,
        invocation: &NextInvocation,
    ) -> Result<Context, ErrorReport> {
        let header = |name: &str| invocation.header(name).map(str::to_string);
        Ok(Context {
            request_id: request_id.to_string(),
            deadline_ms: deadline_ms(invocation.header(DEADLINE_HEADER))?,
            invoked_function_arn: header("Lambda-Runtime-Invoked-Function-Arn").unwrap_or_default(),
            trace_id: header("Lambda-Runtime-Trace-Id"),
            client_context: header("Lambda-Runtime-Client-Context"),
            cognito_identity: header("Lambda-Runtime-Cognito-Identity"),
        })
    }

    /// The deadline as a point in time.
    pub fn deadline(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.deadline_ms)
    }

    /// How long the handler has left; zero once the deadline has passed.
    pub fn remaining(&self) -> Duration {
        self.deadline()
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }

    #[cfg(not(feature = "exercise"))]
    // ANCHOR: exercise
    /// The context as a shell handler receives it: each `Lambda-Runtime-*`
    /// header as a `LAMBDA_RUNTIME_*` variable, and the trace id where Lambda
    /// wants it, in `_X_AMZN_TRACE_ID`. Set for the handler's process only.
    pub fn shell_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "LAMBDA_RUNTIME_AWS_REQUEST_ID".to_string(),
                self.request_id.clone(),
            ),
            (
                "LAMBDA_RUNTIME_DEADLINE_MS".to_string(),
                self.deadline_ms.to_string(),
            ),
            (
                "LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN".to_string(),
                self.invoked_function_arn.clone(),
            ),
        ];
        let optional = [
            ("_X_AMZN_TRACE_ID", &self.trace_id),
            ("LAMBDA_RUNTIME_TRACE_ID", &self.trace_id),
            ("LAMBDA_RUNTIME_CLIENT_CONTEXT", &self.client_context),
            ("LAMBDA_RUNTIME_COGNITO_IDENTITY", &self.cognito_identity),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                env.push((name.to_string(), value.clone()));
            }
        }
        env
    }
    // ANCHOR_END: exercise
}

// The workbook's exercise 10: built with `--features exercise`, the reader's
// `Context::shell_env` (exercise/shell_env.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/shell_env.rs"]
mod exercise;

/// The header that carries the invocation's deadline.
const DEADLINE_HEADER: &str = "Lambda-Runtime-Deadline-Ms";

/// The deadline from its header's value, or the report that names what is wrong.
fn deadline_ms(value: Option<&str>) -> Result<u64, ErrorReport> {
    let invalid = |what: String| ErrorReport::new("Runtime.InvalidContext", what);
    let value =
        value.ok_or_else(|| invalid(format!("the event came without {DEADLINE_HEADER}")))?;
    value.trim().parse().map_err(|_| {
        invalid(format!(
            "{DEADLINE_HEADER} is not a number of milliseconds: {value:?}"
        ))
    })
}

// ANCHOR: shell-answer
/// How a shell handler answers, with the invocation's context in its environment.
pub fn shell_answer(
    handler: &ShellHandler,
) -> impl FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport> + '_ {
    |invocation, id| {
        let context = Context::from_invocation(id, invocation)?;
        handler
            .run_with(&invocation.body, &context.shell_env(), None)
            .map_err(|error| invocation_report(&error))
    }
}
// ANCHOR_END: shell-answer

// ANCHOR: failure
/// Why a Rust handler gave no answer: Lambda's error type and a message.
/// Any standard error converts, with its Rust type as the error type, so a
/// handler can use `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFailure {
    pub error_type: String,
    pub message: String,
}

impl HandlerFailure {
    pub fn new(error_type: &str, message: impl Into<String>) -> HandlerFailure {
        HandlerFailure {
            error_type: error_type.to_string(),
            message: message.into(),
        }
    }
}

impl<E: std::error::Error> From<E> for HandlerFailure {
    fn from(error: E) -> HandlerFailure {
        HandlerFailure::new(std::any::type_name::<E>(), error.to_string())
    }
}
// ANCHOR_END: failure

// ANCHOR: rust-answer
/// How a Rust handler answers: the event parsed from JSON into its type,
/// the handler called with it and the context, its result written as JSON.
pub fn rust_answer<Event, Response, Handler>(
    mut handler: Handler,
) -> impl FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport>
where
    Event: DeserializeOwned,
    Response: Serialize,
    Handler: FnMut(Event, &Context) -> Result<Response, HandlerFailure>,
{
    move |invocation, id| {
        let context = Context::from_invocation(id, invocation)?;
        let event: Event = serde_json::from_slice(&invocation.body).map_err(|error| {
            ErrorReport::new(
                "Runtime.InvalidEvent",
                format!("the event does not fit the handler: {error}"),
            )
        })?;
        let response = handler(event, &context)
            .map_err(|failure| ErrorReport::new(&failure.error_type, failure.message))?;
        serde_json::to_vec(&response).map_err(|error| {
            ErrorReport::new(
                "Runtime.InvalidResponse",
                format!("the response cannot be written as JSON: {error}"),
            )
        })
    }
}
// ANCHOR_END: rust-answer

// ANCHOR: serve
/// Runs `handler` as a Lambda function: the whole runtime, for a handler
/// written in Rust. Returns only when Lambda cannot be reached.
pub fn serve<Event, Response, Handler>(handler: Handler) -> Fatal
where
    Event: DeserializeOwned,
    Response: Serialize,
    Handler: FnMut(Event, &Context) -> Result<Response, HandlerFailure>,
{
    match Conversation::from_env() {
        Ok(conversation) => conversation.run(&mut rust_answer(handler)),
        Err(fatal) => fatal,
    }
}
// ANCHOR_END: serve

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(headers: &[(&str, &str)]) -> NextInvocation {
        let headers = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        NextInvocation {
            headers,
            body: br#"{"n": 2}"#.to_vec(),
        }
    }

    #[test]
    fn reads_the_context_from_the_headers() {
        let context = Context::from_invocation(
            "id-1",
            &invocation(&[
                ("lambda-runtime-deadline-ms", "1700000000000"),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:f",
                ),
                ("lambda-runtime-trace-id", "Root=1-a-b;Parent=c;Sampled=0"),
            ]),
        )
        .unwrap();
        assert_eq!(context.deadline_ms, 1_700_000_000_000);
        assert_eq!(
            context.remaining(),
            Duration::ZERO,
            "that deadline is long past"
        );
        let env = context.shell_env();
        assert!(env.contains(&(
            "_X_AMZN_TRACE_ID".to_string(),
            "Root=1-a-b;Parent=c;Sampled=0".to_string()
        )));
        assert!(env.contains(&(
            "LAMBDA_RUNTIME_AWS_REQUEST_ID".to_string(),
            "id-1".to_string()
        )));
        assert!(
            !env.iter()
                .any(|(name, _)| name == "LAMBDA_RUNTIME_CLIENT_CONTEXT"),
            "only when sent"
        );
    }

    #[test]
    fn a_rust_handler_gets_typed_events_and_reports_failures() {
        #[derive(serde::Deserialize)]
        struct Numbers {
            n: u32,
        }
        let mut answer = rust_answer(|event: Numbers, context: &Context| {
            if event.n == 0 {
                return Err(HandlerFailure::new("Numbers.Zero", "zero"));
            }
            Ok(serde_json::json!({"double": event.n * 2, "id": context.request_id}))
        });
        let deadline = [("lambda-runtime-deadline-ms", "1700000000000")];
        assert_eq!(
            answer(&invocation(&deadline), "id-2").unwrap(),
            br#"{"double":4,"id":"id-2"}"#
        );
        let zero = NextInvocation {
            body: br#"{"n": 0}"#.to_vec(),
            ..invocation(&deadline)
        };
        assert_eq!(
            answer(&zero, "id-3").unwrap_err(),
            ErrorReport::new("Numbers.Zero", "zero")
        );
        let not_json = NextInvocation {
            body: b"nope".to_vec(),
            ..invocation(&deadline)
        };
        assert_eq!(
            answer(&not_json, "id-4").unwrap_err().error_type,
            "Runtime.InvalidEvent"
        );
    }

    #[test]
    fn a_missing_or_unreadable_deadline_is_named_not_read_as_1970() {
        let reports: Vec<ErrorReport> = [
            invocation(&[]),
            invocation(&[("lambda-runtime-deadline-ms", "soon")]),
        ]
        .iter()
        .map(|next| Context::from_invocation("id-5", next).unwrap_err())
        .collect();
        assert_eq!(
            reports,
            [
                ErrorReport::new(
                    "Runtime.InvalidContext",
                    "the event came without Lambda-Runtime-Deadline-Ms"
                ),
                ErrorReport::new(
                    "Runtime.InvalidContext",
                    "Lambda-Runtime-Deadline-Ms is not a number of milliseconds: \"soon\""
                ),
            ]
        );
    }

    #[test]
    fn standard_errors_convert_with_their_type() {
        let failure: HandlerFailure = "x".parse::<u32>().unwrap_err().into();
        assert_eq!(failure.error_type, "core::num::error::ParseIntError");
    }
}
