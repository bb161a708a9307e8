//! The Init phase: Lambda creates an execution environment (its Runtime
//! API and its log), starts `bootstrap` in it, and Init lasts until the
//! runtime first asks for an event, reports an init error, exits, or runs
//! out of time. The first invocation of a fresh environment waits for it:
//! a cold start.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::config::FunctionConfig;
use crate::environment::Environment;
use crate::ids;
use crate::invocation::{FunctionError, Outcome, exit_error, timeout_error};
use crate::log::LogPipe;
use crate::process::{describe_exit, os_message, spawn_when_not_busy};
use crate::record::Recording;
use crate::report;
use crate::runtime_api::RuntimeApi;
use crate::sandbox::{Answer, Sandbox};

/// Creates an environment: its Runtime API, its log (whose lines start
/// with `label`, if any), and, when the function has a `bootstrap`, the
/// runtime process. Errors: the API's port cannot be bound, or `bootstrap`
/// cannot be started (the message names it, as Lambda's does).
pub(crate) fn create_environment(
    config: &FunctionConfig,
    recording: &Recording,
    label: Option<String>,
) -> io::Result<Environment> {
    let sandbox = Arc::new(Sandbox::new(
        config.limits,
        &config.runtime_api_prefix,
        recording.clone(),
    )?);
    let api = RuntimeApi::start(sandbox, config.runtime_api_port)?;
    let log = Arc::new(LogPipe::open(recording.clone(), config.echo_log, label)?);
    let spawned_at = Instant::now();
    let pid = match &config.bootstrap {
        None => None,
        Some(bootstrap) => match spawn_runtime(config, bootstrap, &api, &log) {
            Ok(pid) => Some(pid),
            Err(error) => {
                api.stop();
                log.close();
                return Err(io::Error::new(
                    error.kind(),
                    format!("fork/exec {}: {}", bootstrap.display(), os_message(&error)),
                ));
            }
        },
    };
    Ok(Environment {
        api,
        log,
        pid,
        spawned_at,
        // An embedded runtime is the caller itself, already running.
        initialised: pid.is_none(),
    })
}

/// Starts `bootstrap` in the task root with Lambda's environment variables,
/// its output to the log, in a process group of its own; a thread waits
/// for it to exit and tells the Runtime API how it ended.
fn spawn_runtime(
    config: &FunctionConfig,
    bootstrap: &Path,
    api: &RuntimeApi,
    log: &LogPipe,
) -> io::Result<u32> {
    let (stdout, stderr) = log.child_stdio()?;
    let stream = report::log_stream_name(
        &config.function_version,
        &ids::request_id().replace('-', ""),
    );
    let mut command = Command::new(bootstrap);
    command
        .current_dir(&config.task_root)
        .env_clear()
        .envs(config.lambda_environment(&api.env_value(config.runtime_api_scheme), &stream))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so a timeout kills everything it started.
        .process_group(0);
    let mut child = spawn_when_not_busy(&mut command)?;
    let pid = child.id();
    let sandbox = api.sandbox().clone();
    thread::Builder::new()
        .name(format!("runtime-{pid}"))
        .spawn(move || {
            let how = child
                .wait()
                .map(describe_exit)
                .unwrap_or_else(|error| error.to_string());
            sandbox.runtime_exited(how);
        })?;
    Ok(pid)
}

/// Waits for a fresh runtime to ask for its first event. Returns the Init
/// Duration on a cold start (`None` when Init was over already), or how
/// long Init ran and why it failed: the runtime's `init/error` report, its
/// exit, or the time running out. Lambda gives Init its own limit
/// (`init_timeout`); a runtime that misses it gets one more try within
/// the invocation's timeout before the invocation fails.
pub(crate) fn finish_init(
    environment: &mut Environment,
    config: &FunctionConfig,
    request_id: &str,
) -> Result<Option<Duration>, (Duration, FunctionError)> {
    if environment.initialised {
        return Ok(None);
    }
    let limit = config.init_timeout + config.timeout;
    let state = environment
        .sandbox()
        .wait_until(environment.spawned_at + limit, |state| {
            state.ready_at.is_some() || state.init_error.is_some() || state.exited.is_some()
        });
    let failure = match (&state.init_error, &state.exited, state.ready_at) {
        (Some(Answer::Error { error_type, body }), _, _) => Some(FunctionError::reported(
            Some(
                error_type
                    .clone()
                    .unwrap_or_else(|| "Runtime.Unknown".into()),
            ),
            body.clone(),
        )),
        (_, Some(how), _) => Some(exit_error(request_id, how)),
        (_, _, None) => Some(timeout_error(request_id, limit)),
        (_, _, Some(_)) => None,
    };
    let ready_at = state.ready_at;
    drop(state);
    let init_duration = ready_at.unwrap_or_else(Instant::now) - environment.spawned_at;
    if let Some(error) = failure {
        return Err((init_duration, error));
    }
    environment.initialised = true;
    Ok(Some(init_duration))
}

/// What Lambda logs and answers when Init failed: an `INIT_REPORT` line
/// with the error's type, then `END` and `REPORT` for the invocation that
/// waited for it, which fails with that error. `number` is the
/// environment's.
pub(crate) fn failed(
    environment: &Environment,
    config: &FunctionConfig,
    number: usize,
    request_id: &str,
    (init_duration, error): (Duration, FunctionError),
) -> Outcome {
    environment.log.lambda_line(&format!(
        "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: {}",
        init_duration.as_secs_f64() * 1000.0,
        error.error_type
    ));
    let outcome = Outcome {
        request_id: request_id.to_string(),
        result: Err(error),
        duration: Duration::ZERO,
        init_duration: Some(init_duration),
        environment: number,
        log: None,
    };
    environment.write_end_lines(&outcome, Duration::ZERO, None, config.memory_mb);
    outcome
}

/// The invocation's outcome when `bootstrap` could not be started at all:
/// Lambda's `Runtime.InvalidEntrypoint`, with the operating system's reason.
pub(crate) fn entrypoint_failure(
    config: &FunctionConfig,
    number: usize,
    request_id: String,
    error: &io::Error,
) -> Outcome {
    let error = FunctionError::raised(
        "Runtime.InvalidEntrypoint",
        format!("RequestId: {request_id} Error: {error}"),
    );
    if config.echo_log {
        eprintln!("{}", String::from_utf8_lossy(&error.body));
    }
    Outcome {
        request_id,
        result: Err(error),
        duration: Duration::ZERO,
        init_duration: None,
        environment: number,
        log: None,
    }
}
