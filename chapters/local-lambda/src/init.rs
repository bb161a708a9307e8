//! The Init phase: Lambda creates an execution environment (its Runtime
//! API and its log), starts `bootstrap` in it, and Init lasts until the
//! runtime first asks for an event, reports an init error, exits, or runs
//! out of time. The first invocation of a fresh environment waits for it:
//! a cold start.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::FunctionConfig;
use crate::environment::Environment;
use crate::ids;
use crate::invocation::{FunctionError, Outcome, exit_error, timeout_error};
use crate::log::LogPipe;
use crate::process::{describe_exit, os_message, spawn_tied_to_this_process};
use crate::record::Recording;
use crate::report;
use crate::runtime_api::RuntimeApi;
use crate::sandbox::{Answer, Sandbox, SandboxState};
use crate::telemetry::Telemetry;

/// Creates an environment: its Runtime API (with the Extensions API), its
/// log (whose lines start with `label`, if any), the external extensions
/// and, when the function has a `bootstrap`, the runtime process. As on
/// Lambda, the extensions start first, and the runtime once each has
/// registered (or one has failed, or Init's time is up). Errors: the API's
/// port cannot be bound, or a program cannot be started (the message names
/// it, as Lambda's does).
pub(crate) fn create_environment(
    config: &FunctionConfig,
    recording: &Recording,
    label: Option<String>,
) -> io::Result<Environment> {
    let function = json!({
        "functionName": config.function_name,
        "functionVersion": config.function_version,
        "handler": config.handler,
    });
    let telemetry = Arc::new(Telemetry::new());
    telemetry.platform("initStart", || {
        json!({
            "initializationType": "on-demand",
            "phase": "init",
            "functionName": config.function_name,
            "functionVersion": config.function_version,
        })
    });
    let sandbox = Arc::new(Sandbox::new(
        config.limits,
        &config.runtime_api_prefix,
        recording.clone(),
        function,
        telemetry.clone(),
    )?);
    let api = RuntimeApi::start(sandbox, config.runtime_api_port)?;
    let log = Arc::new(LogPipe::open(
        recording.clone(),
        config.echo_log,
        label,
        telemetry,
        config.json_logs,
        config.system_log_level,
    )?);
    let spawned_at = Instant::now();
    let launch = Launch {
        config,
        api: &api,
        log: &log,
        stream: report::log_stream_name(
            &config.function_version,
            &ids::request_id().replace('-', ""),
        ),
    };
    let started = launch
        .extensions()
        .and_then(|extension_pids| Ok((extension_pids, launch.runtime()?)));
    let (extension_pids, pid) = match started {
        Ok(started) => started,
        Err(error) => {
            api.stop();
            log.close();
            return Err(error);
        }
    };
    if pid.is_none() {
        // An embedded runtime is the caller itself, already running: there
        // is no Init whose records to keep.
        log.telemetry().init_over();
    }
    Ok(Environment {
        api,
        log,
        pid,
        extension_pids,
        spawned_at,
        initialised: pid.is_none(),
    })
}

/// What starting a program of the environment needs.
struct Launch<'a> {
    config: &'a FunctionConfig,
    api: &'a RuntimeApi,
    log: &'a LogPipe,
    /// The environment's log stream, `AWS_LAMBDA_LOG_STREAM_NAME`.
    stream: String,
}

impl Launch<'_> {
    /// Starts every executable in the function's extensions folder, in the
    /// order of their names, and waits until each has registered, or one
    /// has exited, or Init's time is up. Returns their process ids.
    fn extensions(&self) -> io::Result<Vec<u32>> {
        let Some(folder) = &self.config.extensions else {
            return Ok(Vec::new());
        };
        let mut programs: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|error| named(error, folder))?
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.is_file())
            .collect();
        programs.sort();
        let mut pids = Vec::new();
        for program in &programs {
            let name = program
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let sandbox = self.api.sandbox().clone();
            let stdio = self.log.extension_stdio()?;
            pids.push(self.spawn(program, stdio, move |how| {
                sandbox.extension_exited(name, how)
            })?);
        }
        let deadline = Instant::now() + self.config.init_timeout;
        drop(self.api.sandbox().wait_until(deadline, |state| {
            state.extensions.count() >= programs.len() || !state.extensions_exited.is_empty()
        }));
        Ok(pids)
    }

    /// Starts `bootstrap`, if the function has one.
    fn runtime(&self) -> io::Result<Option<u32>> {
        let Some(bootstrap) = &self.config.bootstrap else {
            return Ok(None);
        };
        let sandbox = self.api.sandbox().clone();
        self.spawn(bootstrap, self.log.child_stdio()?, move |how| {
            sandbox.runtime_exited(how)
        })
        .map(Some)
    }

    /// Starts `program` in the task root with Lambda's environment
    /// variables, its output to `stdio` (ends of the log), in a process
    /// group of its own (so that ending it ends everything it started),
    /// and tied to this process (it dies if the local Lambda is killed); a
    /// thread waits for it to exit and passes on how it ended to `exited`.
    fn spawn(
        &self,
        program: &Path,
        (stdout, stderr): (Stdio, Stdio),
        exited: impl FnOnce(String) + Send + 'static,
    ) -> io::Result<u32> {
        let runtime_api = self.api.env_value(self.config.runtime_api_scheme);
        let mut command = Command::new(program);
        command
            .current_dir(&self.config.task_root)
            .env_clear()
            .envs(self.config.lambda_environment(&runtime_api, &self.stream))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0);
        let mut child =
            spawn_tied_to_this_process(command).map_err(|error| named(error, program))?;
        let pid = child.id();
        thread::Builder::new()
            .name(format!("process-{pid}"))
            .spawn(move || {
                let how = child
                    .wait()
                    .map(describe_exit)
                    .unwrap_or_else(|error| error.to_string());
                exited(how);
            })?;
        Ok(pid)
    }
}

/// An error about `path`, named as Lambda names it.
fn named(error: io::Error, path: &Path) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("fork/exec {}: {}", path.display(), os_message(&error)),
    )
}

/// Waits for a fresh runtime to ask for its first event, and every
/// extension for its first: then Init is over, and registration closes.
/// Returns the Init Duration on a cold start (`None` when Init was over
/// already), or how long Init ran and why it failed: the runtime's
/// `init/error` report or its exit, an extension's report or exit, or the
/// time running out. Lambda gives Init its own limit (`init_timeout`); a
/// runtime that misses it gets one more try within the invocation's
/// timeout before the invocation fails.
pub(crate) fn finish_init(
    environment: &mut Environment,
    config: &FunctionConfig,
    request_id: &str,
) -> Result<Option<Duration>, (Duration, FunctionError)> {
    if environment.initialised {
        return Ok(None);
    }
    let limit = config.init_timeout + config.timeout;
    let extensions = environment.extension_pids.len();
    let mut state = environment
        .sandbox()
        .wait_until(environment.spawned_at + limit, |state| {
            let all_ready = state.ready_at.is_some()
                && state.extensions.count() >= extensions
                && state.extensions.all_waiting();
            all_ready || failure(state, request_id).is_some()
        });
    let failure = failure(&state, request_id).or_else(|| {
        // Neither ready nor failed: the time ran out.
        let ready = state.ready_at.is_some() && state.extensions.count() >= extensions;
        (!ready || !state.extensions.all_waiting()).then(|| timeout_error(request_id, limit))
    });
    state.extensions.close_registration();
    // Init ends with the last of them: with extensions, perhaps after the runtime.
    let ended = match (state.ready_at, extensions) {
        (Some(ready_at), 0) => ready_at,
        _ => Instant::now(),
    };
    drop(state);
    let init_duration = ended - environment.spawned_at;
    report_init(environment, init_duration, failure.as_ref());
    if let Some(error) = failure {
        return Err((init_duration, error));
    }
    environment.initialised = true;
    Ok(Some(init_duration))
}

/// `platform.initRuntimeDone` and `platform.initReport`, for telemetry.
fn report_init(environment: &Environment, duration: Duration, failure: Option<&FunctionError>) {
    let telemetry = environment.log.telemetry();
    let status = if failure.is_some() {
        "error"
    } else {
        "success"
    };
    let mut done = json!({"initializationType": "on-demand", "phase": "init", "status": status});
    if let Some(error) = failure {
        done["errorType"] = json!(error.error_type);
    }
    telemetry.platform("initRuntimeDone", || done.clone());
    done["metrics"] = json!({"durationMs": duration.as_secs_f64() * 1000.0});
    telemetry.platform("initReport", || done);
    telemetry.init_over();
}

/// Why Init has failed, if it has: the runtime's `init/error` or exit, an
/// extension's `init/error`, or an extension's exit.
fn failure(state: &SandboxState, request_id: &str) -> Option<FunctionError> {
    if let Some(Answer::Error { error_type, body }) = &state.init_error {
        let error_type = error_type
            .clone()
            .unwrap_or_else(|| "Runtime.Unknown".into());
        return Some(FunctionError::reported(Some(error_type), body.clone()));
    }
    if let Some(how) = &state.exited {
        return Some(exit_error(request_id, how));
    }
    if let Some((name, error_type)) = &state.extensions.error {
        let message =
            format!("RequestId: {request_id} Error: extension {name} failed: {error_type}");
        return Some(FunctionError::raised(error_type, message));
    }
    let (name, how) = state.extensions_exited.first()?;
    let message = format!("RequestId: {request_id} Error: extension {name} exited: {how}");
    Some(FunctionError::raised("Extension.Crash", message))
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
    let duration_ms = init_duration.as_secs_f64() * 1000.0;
    environment.log.platform_line(
        "initReport",
        || {
            format!(
                "INIT_REPORT Init Duration: {duration_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {}",
                error.error_type
            )
        },
        || {
            json!({
                "initializationType": "on-demand",
                "phase": "init",
                "status": "error",
                "errorType": error.error_type,
                "metrics": {"durationMs": duration_ms},
            })
        },
        false,
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_environment_keeps_no_records_of_an_init_it_never_has() {
        let config = FunctionConfig::embedded(".");
        let environment = create_environment(&config, &Recording::default(), None).unwrap();
        // Else every invocation's records would pile up, waiting for a
        // subscriber who comes during an Init that never ends.
        assert!(!environment.log.telemetry().is_listening());
        environment.api.stop();
    }
}
