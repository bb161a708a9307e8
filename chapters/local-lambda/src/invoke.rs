//! The Invoke phase: Lambda writes `START`, hands the event to the
//! runtime's waiting `next` request, and waits for the answer until the
//! deadline. An answered invocation ends only when the runtime comes back
//! for its next event: then Lambda writes `END` and `REPORT`. One that
//! times out, or whose runtime exits, ends at once, with the lines Lambda
//! writes for that.

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::config::FunctionConfig;
use crate::connection;
use crate::environment::{Environment, write_end_lines};
use crate::ids;
use crate::invocation::{
    FunctionError, Invocation, Outcome, exit_error, json_message, timeout_error,
};
use crate::report::{self, Report};
use crate::sandbox::{Answer, Offer, OnReturn};

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The runtime answered (a response or an error report).
    Answered,
    /// The deadline passed first.
    TimedOut,
    /// The runtime exited first.
    Exited,
}

/// An invocation run: its outcome, how it ended, and its times.
pub(crate) struct Invoked {
    pub outcome: Outcome,
    pub ended: Ended,
    pub started: Instant,
    pub deadline: Instant,
}

/// What the runtime did while the invocation waited.
enum Ending {
    /// The answer, and when it came.
    Answered(Answer, Instant),
    Exited(String),
    TimedOut,
}

/// Runs one invocation in `environment` (number `number`), whose Init is
/// over: `START`, the event offered to the runtime, the answer awaited
/// until the function's timeout. `init_duration` is carried into the
/// outcome on a cold start.
pub(crate) fn run(
    environment: &Environment,
    config: &FunctionConfig,
    number: usize,
    request_id: String,
    invocation: Invocation,
    init_duration: Option<Duration>,
) -> Invoked {
    let trace_id = ids::trace_id_for(invocation.trace_header.as_deref());
    environment.log.platform_line(
        "start",
        || {
            format!(
                "START RequestId: {request_id} Version: {}",
                config.function_version
            )
        },
        || {
            json!({
                "requestId": request_id,
                "version": config.function_version,
                "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id},
            })
        },
        true,
    );
    let started = Instant::now();
    let deadline_ms = report::epoch_millis(SystemTime::now() + config.timeout);
    let on_return = end_lines(environment, config, &request_id, started, init_duration);
    let lent = environment.api.offer(
        Offer {
            request_id: request_id.clone(),
            event: invocation.event,
            deadline_ms,
            function_arn: config.function_arn(),
            trace_id,
            client_context: invocation.client_context,
            cognito_identity: invocation.cognito_identity,
            headers_left_out: invocation.headers_left_out,
            framing: config.event_framing,
            tenant_id: invocation.tenant_id,
            stream: invocation.stream,
        },
        on_return,
    );
    let deadline = started + config.timeout;
    if let Some(connection) = lent {
        connection::drive(environment.sandbox(), &connection, deadline);
    }
    let ending = wait_for_answer(environment, deadline);
    let (result, ended, at) = match ending {
        Ending::Answered(answer, at) => (answered(answer, config), Ended::Answered, at),
        Ending::Exited(how) => (
            Err(exit_error(&request_id, &how)),
            Ended::Exited,
            Instant::now(),
        ),
        Ending::TimedOut => (
            Err(timeout_error(&request_id, config.timeout)),
            Ended::TimedOut,
            Instant::now(),
        ),
    };
    let outcome = Outcome {
        request_id,
        result,
        duration: at - started,
        init_duration,
        environment: number,
        log: None,
    };
    report_runtime_done(environment, &outcome, ended);
    Invoked {
        outcome,
        ended,
        started,
        deadline,
    }
}

/// `platform.runtimeDone`: how the runtime's part of the invocation ended.
fn report_runtime_done(environment: &Environment, outcome: &Outcome, ended: Ended) {
    environment.log.telemetry().platform("runtimeDone", || {
        let status = match (ended, &outcome.result) {
            (Ended::TimedOut, _) => "timeout",
            (Ended::Exited, _) => "failure",
            (Ended::Answered, Ok(_)) => "success",
            (Ended::Answered, Err(_)) => "error",
        };
        let produced = outcome.result.as_ref().map_or(0, Vec::len);
        let duration_ms = outcome.duration.as_secs_f64() * 1000.0;
        let mut record = json!({
            "requestId": outcome.request_id,
            "status": status,
            "metrics": {"durationMs": duration_ms, "producedBytes": produced},
        });
        if let Err(error) = &outcome.result {
            record["errorType"] = json!(error.error_type);
        }
        record
    });
}

/// The caller's result for the runtime's answer.
fn answered(answer: Answer, config: &FunctionConfig) -> Result<Vec<u8>, FunctionError> {
    match answer {
        Answer::Response(body) => Ok(body),
        Answer::Error { error_type, body } => Err(FunctionError::reported(error_type, body)),
        Answer::TooLarge { size } => Err(FunctionError::raised(
            "Function.ResponseSizeTooLarge",
            format!(
                "Response payload size ({size} bytes) exceeded maximum allowed payload size ({} bytes).",
                config.limits.response_bytes
            ),
        )),
    }
}

fn wait_for_answer(environment: &Environment, deadline: Instant) -> Ending {
    let mut state = environment.sandbox().wait_until(deadline, |state| {
        state.answer.is_some() || state.exited.is_some()
    });
    if let Some((answer, at)) = state.answer.take() {
        return Ending::Answered(answer, at);
    }
    match &state.exited {
        Some(how) => Ending::Exited(how.clone()),
        None => Ending::TimedOut,
    }
}

/// `END` and `REPORT` for an invocation that will be answered, to be
/// written when the runtime comes back for its next event. `None` when
/// nobody reads the log.
fn end_lines(
    environment: &Environment,
    config: &FunctionConfig,
    request_id: &str,
    started: Instant,
    init_duration: Option<Duration>,
) -> Option<OnReturn> {
    if environment.log.is_quiet() {
        return None;
    }
    let log = environment.log.clone();
    let request_id = request_id.to_string();
    let (memory_mb, pid) = (config.memory_mb, environment.pid);
    Some(Box::new(move || {
        let report = Report {
            request_id: &request_id,
            duration: started.elapsed(),
            init_duration,
            memory_mb,
            max_memory_mb: report::max_memory_mb(pid),
            status: None,
            error_type: None,
        };
        write_end_lines(&log, &report);
    }))
}

/// What Lambda logs when the runtime exited mid-invocation: the error's
/// message and type, then `END` and `REPORT` with status `error`.
pub(crate) fn log_exit(environment: &Environment, config: &FunctionConfig, invoked: &Invoked) {
    let error = invoked
        .outcome
        .result
        .as_ref()
        .expect_err("an exit is an error");
    environment.log.lambda_line(&json_message(&error.body));
    environment.log.lambda_line(&error.error_type);
    environment.write_end_lines(
        &invoked.outcome,
        invoked.started.elapsed(),
        Some("error"),
        config.memory_mb,
    );
}

/// What Lambda logs when an invocation outlives its timeout: `Task timed
/// out after N seconds`, then `END` and `REPORT` with status `timeout`.
pub(crate) fn log_timeout(
    environment: &Environment,
    config: &FunctionConfig,
    outcome: &Outcome,
    started: Instant,
) {
    environment.log.lambda_line(&format!(
        "{} {} Task timed out after {:.2} seconds",
        report::utc_timestamp(SystemTime::now()),
        outcome.request_id,
        config.timeout.as_secs_f64()
    ));
    environment.write_end_lines(
        outcome,
        started.elapsed(),
        Some("timeout"),
        config.memory_mb,
    );
}

/// An answered invocation whose `END` and `REPORT` wait for the runtime to
/// come back for its next event; if it never does, it times out then.
pub(crate) struct Closing {
    pub outcome: Outcome,
    pub started: Instant,
    pub deadline: Instant,
}

impl Closing {
    /// Keeps what a late timeout needs of `invoked`, without its bodies: a
    /// response may be megabytes.
    pub(crate) fn of(invoked: &Invoked) -> Closing {
        let outcome = &invoked.outcome;
        let kept = Outcome {
            request_id: outcome.request_id.clone(),
            result: match &outcome.result {
                Ok(_) => Ok(Vec::new()),
                Err(error) => Err(FunctionError {
                    error_type: error.error_type.clone(),
                    body: Vec::new(),
                }),
            },
            log: None,
            ..*outcome
        };
        Closing {
            outcome: kept,
            started: invoked.started,
            deadline: invoked.deadline,
        }
    }
}
