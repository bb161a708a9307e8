//! Chapter 9: when things go wrong.
//!
//! The tutorial's runtime has no error path: whatever fails, `set -e` ends
//! it, and Lambda learns only that the runtime exited. The Runtime API has
//! two endpoints for saying what went wrong: `init/error` before the first
//! event, `invocation/{id}/error` for one event. This runtime uses both,
//! and after an invocation error it goes on to the next event.

use std::fmt;
use std::process::{Command, ExitStatus};
use std::thread;
use std::time::Duration;

use chapter_04::{NextError, NextInvocation, agent, next_invocation};
use chapter_05::request_id;
use chapter_06::{HandlerError, ShellHandler};
use chapter_07::{RespondError, accepted, post_response};
use chapter_08::{RuntimeError, handler_from_env, runtime_api_from_env};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde_json::json;

pub mod log;
use log::{Level, Record};

// ANCHOR: report
/// What went wrong, as Lambda wants to hear it: a type for machines, a
/// message for people. The caller of the function receives the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub error_type: String,
    pub message: String,
    /// Where the handler was when it failed, innermost call last; empty
    /// when the runtime knows no more than the type and the message.
    pub stack_trace: Vec<String>,
}

impl ErrorReport {
    pub fn new(error_type: &str, message: impl Into<String>) -> ErrorReport {
        ErrorReport {
            error_type: error_type.to_string(),
            message: message.into(),
            stack_trace: Vec::new(),
        }
    }

    /// The same report, with the calls that led to the failure.
    pub fn with_stack_trace(mut self, stack_trace: Vec<String>) -> ErrorReport {
        self.stack_trace = stack_trace;
        self
    }

    /// The JSON document Lambda expects on its error endpoints.
    pub fn document(&self) -> Vec<u8> {
        let document = json!({
            "errorMessage": self.message,
            "errorType": self.error_type,
            "stackTrace": self.stack_trace,
        });
        document.to_string().into_bytes()
    }
}
// ANCHOR_END: report

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// POSTs `report` to `path` (under the Runtime API's version prefix), with
/// the error type in `Lambda-Runtime-Function-Error-Type` as Lambda asks.
pub fn post_error(
    agent: &ureq::Agent,
    runtime_api: &str,
    path: &str,
    report: &ErrorReport,
) -> Result<(), RespondError> {
    let url = format!("http://{runtime_api}/2018-06-01/runtime/{path}");
    let request = agent
        .post(&url)
        .header("Lambda-Runtime-Function-Error-Type", &report.error_type)
        .header("Content-Type", "application/json");
    accepted(request.send(&report.document()[..]))
}
// ANCHOR_END: exercise

// The workbook's exercise 9: built with `--features exercise`, the reader's
// `post_error` (exercise/post_error.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/post_error.rs"]
mod exercise;
#[cfg(feature = "exercise")]
use exercise::post_error;

/// Reports a failure to start, before the first `next`.
pub fn report_init_error(
    agent: &ureq::Agent,
    runtime_api: &str,
    report: &ErrorReport,
) -> Result<(), RespondError> {
    post_error(agent, runtime_api, "init/error", report)
}

/// Reports that the event `request_id` failed.
pub fn report_invocation_error(
    agent: &ureq::Agent,
    runtime_api: &str,
    request_id: &str,
    report: &ErrorReport,
) -> Result<(), RespondError> {
    post_error(
        agent,
        runtime_api,
        &format!("invocation/{request_id}/error"),
        report,
    )
}

// ANCHOR: classify-init
/// The init error Lambda should hear for a handler that cannot be used.
pub fn init_report(error: &RuntimeError) -> ErrorReport {
    let error_type = match error {
        RuntimeError::Handler(chapter_03::HandlerError::MissingScript(_)) => {
            "Runtime.NoSuchHandler"
        }
        RuntimeError::Handler(_) | RuntimeError::Startup(_) => "Runtime.MalformedHandlerName",
        _ => "Runtime.InitError",
    };
    ErrorReport::new(error_type, error.to_string())
}
// ANCHOR_END: classify-init

// ANCHOR: check-handler
/// The bash that loads a handler: source its file (exit status 3 when that
/// fails) and check that it defines the function (4 when it does not).
/// Chapter 14's persistent worker starts the same way.
pub const LOAD_HANDLER: &str = r#"source "$1" >&2 || exit 3
declare -F "$2" >/dev/null || exit 4"#;

/// Loads the handler's script once at init, as the bash does, and checks
/// that it defines the function: a missing function is an init error, not
/// a surprise on the first event.
pub fn check_handler(handler: &ShellHandler) -> Result<(), ErrorReport> {
    let status = Command::new("bash")
        .args(["-c", LOAD_HANDLER, "check"])
        .arg(&handler.script)
        .arg(&handler.function)
        .status()
        .map_err(|error| {
            ErrorReport::new("Runtime.InitError", format!("cannot start bash: {error}"))
        })?;
    if status.success() {
        return Ok(());
    }
    Err(load_report(handler, status))
}

/// The init error for a handler whose loading bash ended with `status`.
pub fn load_report(handler: &ShellHandler, status: ExitStatus) -> ErrorReport {
    let name = handler
        .script
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    match status.code() {
        Some(4) => ErrorReport::new(
            "Runtime.NoSuchHandler",
            format!("{name} defines no shell function {}", handler.function),
        ),
        _ => ErrorReport::new(
            "Runtime.ImportModuleError",
            format!("loading {name} failed ({status})"),
        ),
    }
}
// ANCHOR_END: check-handler

// ANCHOR: classify-invocation
/// The invocation error Lambda should hear for a handler that gave no answer.
pub fn invocation_report(error: &HandlerError) -> ErrorReport {
    let error_type = match error {
        HandlerError::NulInEvent => "Runtime.InvalidEvent",
        HandlerError::Failed(_) => "Runtime.HandlerFailed",
        HandlerError::TimedOut => "Runtime.HandlerTimedOut",
        HandlerError::Spawn(_) => "Runtime.HandlerNotStarted",
    };
    ErrorReport::new(error_type, error.to_string())
}
// ANCHOR_END: classify-invocation

// ANCHOR: fatal-and-answer
/// Why the runtime stops for good: Lambda cannot be reached (or
/// `AWS_LAMBDA_RUNTIME_API` does not say where it is), or init failed.
/// Exit status 1.
#[derive(Debug)]
pub struct Fatal(pub String);

impl fmt::Display for Fatal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for Fatal {}

impl Fatal {
    /// Writes why the runtime stops to the function's log, at `FATAL`: the
    /// last line a runtime writes before it exits with status 1.
    pub fn log(&self) {
        log::write(&Record::new(Level::Fatal, &self.0));
    }
}

/// What a runtime does with one event: answer it, or say why not.
pub type Answer<'a> = dyn FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport> + 'a;
// ANCHOR_END: fatal-and-answer

// ANCHOR: conversation
/// The runtime's side of the conversation with Lambda, whatever the handler:
/// ask for an event, answer it or report its error, again.
pub struct Conversation {
    agent: ureq::Agent,
    runtime_api: String,
    /// How long to wait before each new try when `next` cannot reach the
    /// Runtime API; empty, the first failure is fatal.
    retries: Vec<Duration>,
}
// ANCHOR_END: conversation

impl Conversation {
    /// Reads `AWS_LAMBDA_RUNTIME_API`; without it there is no one to talk to.
    pub fn from_env() -> Result<Conversation, Fatal> {
        let runtime_api = runtime_api_from_env().map_err(|error| Fatal(error.to_string()))?;
        Ok(Conversation {
            agent: agent(),
            runtime_api,
            retries: Vec::new(),
        })
    }

    /// Tries `next` again after each of `waits` before giving up (chapter 11).
    pub fn with_retries(mut self, waits: Vec<Duration>) -> Conversation {
        self.retries = waits;
        self
    }

    // ANCHOR: next-with-retries
    /// The next event. A Runtime API that cannot be reached is tried again
    /// after each wait of the retry schedule, then given up on: a bounded
    /// number of tries, never a busy loop.
    fn next_event(&self) -> Result<NextInvocation, Fatal> {
        let mut waits = self.retries.iter();
        loop {
            match next_invocation(&self.agent, &self.runtime_api) {
                Ok(invocation) => return Ok(invocation),
                Err(NextError::Transport(why)) => match waits.next() {
                    Some(wait) => {
                        let message = format!(
                            "the Runtime API did not answer ({why}); trying again in {wait:?}"
                        );
                        log::write(&Record::new(Level::Warn, &message));
                        thread::sleep(*wait);
                    }
                    None => {
                        let api = &self.runtime_api;
                        return Err(Fatal(format!(
                            "the Runtime API at {api} cannot be reached: {why}"
                        )));
                    }
                },
                Err(refused) => return Err(Fatal(refused.to_string())),
            }
        }
    }
    // ANCHOR_END: next-with-retries

    /// Tells Lambda that init failed, and returns what ends the runtime.
    pub fn fail_init(&self, report: &ErrorReport) -> Fatal {
        let reported = report_init_error(&self.agent, &self.runtime_api, report);
        let told = if reported.is_ok() {
            " (reported to Lambda)"
        } else {
            ""
        };
        Fatal(format!("{}: {}{told}", report.error_type, report.message))
    }

    /// Serves events with `answer` until Lambda cannot be reached.
    pub fn run(&self, answer: &mut Answer<'_>) -> Fatal {
        let mut client = self;
        serve(&mut client, answer)
    }
}

// ANCHOR: runtime-client
/// What a turn asks of the Runtime API: an event, and a place for its
/// answer. The conversation above does it over ureq; chapter 14 does it
/// over a hand-written client, and the turn stays this chapter's.
pub trait RuntimeClient {
    fn next_event(&mut self) -> Result<NextInvocation, Fatal>;
    fn respond(&mut self, request_id: &str, response: &[u8]) -> Result<(), RespondError>;
    fn report_error(&mut self, request_id: &str, report: &ErrorReport) -> Result<(), RespondError>;
}
// ANCHOR_END: runtime-client

impl RuntimeClient for &Conversation {
    fn next_event(&mut self) -> Result<NextInvocation, Fatal> {
        Conversation::next_event(self)
    }

    fn respond(&mut self, request_id: &str, response: &[u8]) -> Result<(), RespondError> {
        post_response(&self.agent, &self.runtime_api, request_id, response)
    }

    fn report_error(&mut self, request_id: &str, report: &ErrorReport) -> Result<(), RespondError> {
        report_invocation_error(&self.agent, &self.runtime_api, request_id, report)
    }
}

// ANCHOR: one-turn
/// One turn: the next event, answered with a response or an error
/// report. Only a Runtime API that cannot be reached ends the loop.
pub fn serve_one(client: &mut impl RuntimeClient, answer: &mut Answer<'_>) -> Result<(), Fatal> {
    let fatal = |error: &dyn fmt::Display| Fatal(error.to_string());
    let invocation = client.next_event()?;
    let id = match request_id(&invocation.headers) {
        Ok(id) => id,
        Err(error) => {
            // No id, no URL to answer at: Lambda will time the event out.
            let message = format!("{error}; the event cannot be answered");
            log::write(&Record::new(Level::Error, &message));
            return Ok(());
        }
    };
    let delivered = match answer(&invocation, &id) {
        Ok(response) => client.respond(&id, &response),
        Err(report) => {
            log::write(&Record::error(&report).for_request(&id));
            client.report_error(&id, &report)
        }
    };
    match delivered {
        Ok(()) => Ok(()),
        // Lambda answered, and has recorded the failure (a 413 fails the
        // invocation for us); the next event can still be served.
        Err(RespondError::Refused { status, body }) => {
            let message = format!(
                "the Runtime API refused the answer with {status}: {}",
                body.trim_end()
            );
            log::write(&Record::new(Level::Error, &message).for_request(&id));
            Ok(())
        }
        Err(error) => Err(fatal(&error)),
    }
}
// ANCHOR_END: one-turn

/// Serves events with `answer` until Lambda cannot be reached.
pub fn serve(client: &mut impl RuntimeClient, answer: &mut Answer<'_>) -> Fatal {
    loop {
        if let Err(fatal) = serve_one(client, answer) {
            return fatal;
        }
    }
}

// ANCHOR: init
/// Init: find and check the handler; when that fails, tell Lambda why
/// (`init/error`) before stopping. Without an address for the Runtime API
/// there is no one to tell, so that failure is only printed.
pub fn init() -> Result<(Conversation, ShellHandler), Fatal> {
    let conversation = Conversation::from_env()?;
    let checked = handler_from_env()
        .map_err(|error| init_report(&error))
        .and_then(|handler| check_handler(&handler).map(|()| handler));
    match checked {
        Ok(handler) => Ok((conversation, handler)),
        Err(report) => Err(conversation.fail_init(&report)),
    }
}
// ANCHOR_END: init

// ANCHOR: shell-answer
/// How a shell handler answers: its output, or the report of its failure.
pub fn shell_answer(
    handler: &ShellHandler,
) -> impl FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport> + '_ {
    |invocation, _id| {
        handler
            .run(&invocation.body)
            .map_err(|error| invocation_report(&error))
    }
}
// ANCHOR_END: shell-answer

// ANCHOR: demo
/// Runs this very program as the bootstrap of a local Lambda, with
/// `handler` as its `function.sh` and the given timeout, and prints what
/// each event got and whether it met a cold start. The demos of the
/// chapters whose binaries are runtimes (9 and 11) are made of this.
pub fn demo_with_handler(handler: &str, events: &[&str], timeout: Duration) {
    let task_root = std::env::temp_dir().join(format!("step-by-step-demo-{}", std::process::id()));
    std::fs::create_dir_all(&task_root).expect("a temporary task root");
    std::fs::write(task_root.join("function.sh"), handler).expect("write function.sh");
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = task_root.clone();
    config.timeout = timeout;
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    let width = events.iter().map(|event| event.len()).max().unwrap_or(0);
    for event in events {
        let outcome = lambda
            .invoke(Invocation::new(*event))
            .expect("the event is accepted");
        let cold = if outcome.init_duration.is_some() {
            " (cold start)"
        } else {
            ""
        };
        println!(
            "{event:<width$} -> {}{cold}",
            String::from_utf8_lossy(outcome.body())
        );
    }
    lambda.shutdown();
    let _ = std::fs::remove_dir_all(&task_root);
}
// ANCHOR_END: demo

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_lambdas_error_format() {
        let document = ErrorReport::new("Runtime.HandlerFailed", "it \"broke\"").document();
        let parsed: serde_json::Value = serde_json::from_slice(&document).unwrap();
        assert_eq!(
            parsed,
            json!({"errorMessage": "it \"broke\"", "errorType": "Runtime.HandlerFailed", "stackTrace": []})
        );
    }

    #[test]
    fn init_failures_are_classified() {
        let missing = RuntimeError::Handler(chapter_03::HandlerError::MissingScript(
            "/var/task/f.sh".into(),
        ));
        assert_eq!(init_report(&missing).error_type, "Runtime.NoSuchHandler");
        let malformed = RuntimeError::Handler(chapter_03::HandlerError::NoDot("f".into()));
        assert_eq!(
            init_report(&malformed).error_type,
            "Runtime.MalformedHandlerName"
        );
    }
}
