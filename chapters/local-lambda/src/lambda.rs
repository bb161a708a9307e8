//! The supervisor: what Lambda does around the Runtime API. It creates an
//! execution environment on the first invocation (starting `bootstrap`),
//! hands it one event at a time, enforces the timeout, and throws the
//! environment away when the runtime dies or overstays, so that the next
//! invocation starts cold in a fresh one.
//!
//! An invocation runs on its caller's own thread: the caller writes the
//! event onto the runtime's waiting `next` request and reads the answer
//! there (see `connection.rs`), with no thread of ours in between. A keeper
//! thread per environment times out a runtime that answered and never came
//! back for its next event.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::config::FunctionConfig;
use crate::connection;
use crate::dispatch::{Dispatch, Turn};
use crate::ids;
use crate::invocation::{
    FunctionError, Invocation, Outcome, Rejection, exit_error, json_message, timeout_error,
};
use crate::keeper::Keeper;
use crate::lock;
use crate::log::LogPipe;
use crate::process::{descendants, describe_exit, os_message, spawn_when_not_busy};
use crate::record::Recording;
use crate::report::{self, Report};
use crate::runtime_api::{Answer, Offer, OnReturn, RuntimeApi, Sandbox};
use crate::watch::Fingerprint;

/// An invocation submitted and not yet finished.
pub struct Pending(Receiver<Result<Outcome, Rejection>>);

impl Pending {
    /// Waits for the invocation to finish.
    pub fn wait(self) -> Result<Outcome, Rejection> {
        self.0.recv().unwrap_or(Err(Rejection::ShutDown))
    }
}

/// A local Lambda running one function, in as many execution environments
/// at once as its configuration's `concurrency`.
pub struct LocalLambda {
    shared: Arc<Shared>,
    recording: Recording,
    keepers: Mutex<Vec<JoinHandle<()>>>,
}

/// What every caller's thread works with.
struct Shared {
    dispatch: Dispatch,
    slots: Vec<Slot>,
}

/// One execution environment's place: its supervisor, locked by the caller
/// whose invocation it runs, and what it publishes about itself.
struct Slot {
    supervisor: Arc<Mutex<Supervisor>>,
    published: Arc<Mutex<Published>>,
    keeper: Arc<Keeper>,
}

impl Slot {
    fn supervisor(&self) -> MutexGuard<'_, Supervisor> {
        lock(&self.supervisor)
    }
}

/// What a supervisor tells its owner about its current environment.
#[derive(Default)]
struct Published {
    runtime_api: Option<String>,
    pid: Option<u32>,
}

impl Shared {
    /// Runs an invocation on this thread, in the environment its turn gives.
    fn run(&self, turn: &Turn, invocation: Invocation) -> Result<Outcome, Rejection> {
        let taken = self.dispatch.take(turn);
        self.slots[taken.environment()]
            .supervisor()
            .serve(invocation)
    }
}

impl LocalLambda {
    /// Makes a place for each environment the configuration allows. With a
    /// `bootstrap`, a runtime is started when its environment is first
    /// needed; without one, the one Runtime API is up at once and waits for
    /// the caller to act as the runtime.
    pub fn start(config: FunctionConfig) -> io::Result<LocalLambda> {
        let environments = config.concurrency.max(1);
        if config.bootstrap.is_none() && environments > 1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an embedded runtime is one environment: concurrency must be 1",
            ));
        }
        let recording = Recording::new(config.record).traced(config.trace);
        let mut slots = Vec::new();
        let mut keepers = Vec::new();
        for index in 0..environments {
            let published = Arc::new(Mutex::new(Published::default()));
            let keeper = Arc::new(Keeper::default());
            let mut supervisor = Supervisor {
                config: config.clone(),
                number: index + 1,
                label: (environments > 1).then(|| format!("[env {}] ", index + 1)),
                recording: recording.clone(),
                published: published.clone(),
                keeper: keeper.clone(),
                current: None,
                closing: None,
                fingerprint: None,
            };
            if supervisor.config.bootstrap.is_none() {
                let environment = supervisor.create_environment()?;
                supervisor.current = Some(environment);
            }
            let supervisor = Arc::new(Mutex::new(supervisor));
            if config.bootstrap.is_some() {
                let overstayed = supervisor.clone();
                keepers.push(Keeper::start(keeper.clone(), index + 1, move || {
                    lock(&overstayed).settle_closing();
                })?);
            }
            slots.push(Slot {
                supervisor,
                published,
                keeper,
            });
        }
        let dispatch = Dispatch::new(environments);
        Ok(LocalLambda {
            shared: Arc::new(Shared { dispatch, slots }),
            recording,
            keepers: Mutex::new(keepers),
        })
    }

    /// Queues an invocation and runs it on a thread of its own. With one
    /// environment, invocations run one at a time in the order submitted;
    /// with more, up to that many at once.
    pub fn submit(&self, invocation: Invocation) -> Pending {
        let (reply, outcome) = mpsc::channel();
        match self.shared.dispatch.queue_up() {
            Err(rejection) => {
                let _ = reply.send(Err(rejection));
            }
            Ok(turn) => {
                let shared = self.shared.clone();
                thread::Builder::new()
                    .name("lambda-invocation".to_string())
                    .spawn(move || {
                        let _ = reply.send(shared.run(&turn, invocation));
                    })
                    .expect("start an invocation's thread");
            }
        }
        Pending(outcome)
    }

    /// Runs one invocation on this thread and returns its outcome.
    pub fn invoke(&self, invocation: Invocation) -> Result<Outcome, Rejection> {
        let turn = self.shared.dispatch.queue_up()?;
        self.shared.run(&turn, invocation)
    }

    /// The first environment's Runtime API as a runtime would find it in
    /// `AWS_LAMBDA_RUNTIME_API` (`host:port`, unless a prefix was configured).
    pub fn runtime_api(&self) -> Option<String> {
        self.published(0).runtime_api.clone()
    }

    /// The process id of the first environment's runtime, for measuring it
    /// (CPU time and memory in `/proc`); `None` before the first invocation,
    /// between environments, and when the runtime is embedded.
    pub fn runtime_pid(&self) -> Option<u32> {
        self.published(0).pid
    }

    fn published(&self, index: usize) -> MutexGuard<'_, Published> {
        lock(&self.shared.slots[index].published)
    }

    /// Everything recorded so far.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Stops the runtimes and their APIs after the queued invocations finish.
    pub fn shutdown(&self) {
        if !self.shared.dispatch.close_and_drain() {
            return;
        }
        let keepers = std::mem::take(&mut *lock(&self.keepers));
        for slot in &self.shared.slots {
            let mut supervisor = slot.supervisor();
            supervisor.settle_closing();
            supervisor.retire_current(true);
            drop(supervisor);
            slot.keeper.stop();
        }
        for keeper in keepers {
            let _ = keeper.join();
        }
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One execution environment: its Runtime API, its log, and its runtime process.
struct Environment {
    api: RuntimeApi,
    log: Arc<LogPipe>,
    /// The runtime's process id; `None` when the runtime is the embedding process.
    pid: Option<u32>,
    spawned_at: Instant,
    initialised: bool,
}

impl Environment {
    fn sandbox(&self) -> &Sandbox {
        self.api.sandbox()
    }
}

/// How one invocation ended, before it is turned into an [`Outcome`].
enum Ending {
    /// The answer, and when it came.
    Answered(Answer, Instant),
    Exited(String),
    TimedOut,
}

struct Supervisor {
    config: FunctionConfig,
    /// This environment's number, from 1.
    number: usize,
    /// What its log lines start with when there are several environments.
    label: Option<String>,
    recording: Recording,
    published: Arc<Mutex<Published>>,
    keeper: Arc<Keeper>,
    current: Option<Environment>,
    closing: Option<Closing>,
    /// The task root as the current environment found it, with `watch`.
    fingerprint: Option<Fingerprint>,
}

/// An invocation whose caller has been answered but whose `END` and
/// `REPORT` wait for the runtime to come back for the next event.
struct Closing {
    outcome: Outcome,
    started: Instant,
    deadline: Instant,
}

impl Supervisor {
    /// Runs one invocation, once the one before it has ended.
    fn serve(&mut self, invocation: Invocation) -> Result<Outcome, Rejection> {
        self.settle_closing();
        self.invoke(invocation)
    }

    fn invoke(&mut self, invocation: Invocation) -> Result<Outcome, Rejection> {
        let limit = self.config.limits.event_bytes;
        if invocation.event.len() > limit {
            return Err(Rejection::EventTooLarge {
                size: invocation.event.len(),
                limit,
            });
        }
        let request_id = invocation
            .request_id
            .clone()
            .unwrap_or_else(ids::request_id);
        if self
            .current
            .as_ref()
            .is_some_and(|environment| environment.sandbox().lock().exited.is_some())
        {
            // The runtime died between invocations: Lambda starts a fresh environment.
            self.retire_current(false);
        }
        self.retire_if_changed();
        if self.current.is_none() {
            if self.config.watch {
                self.fingerprint = Some(Fingerprint::take(&self.config));
            }
            match self.create_environment() {
                Ok(environment) => self.current = Some(environment),
                Err(error) => return Ok(self.entrypoint_failure(request_id, &error)),
            }
        }
        let init_duration = match self.finish_init(&request_id) {
            Ok(init_duration) => init_duration,
            Err(outcome) => return Ok(outcome),
        };
        Ok(self.run_invocation(request_id, invocation, init_duration))
    }

    /// With `watch`: a file of the function changed since its environment
    /// started, so the environment goes, and this invocation starts a fresh one.
    fn retire_if_changed(&mut self) {
        let (Some(before), Some(_)) = (&self.fingerprint, &self.current) else {
            return;
        };
        let Some(changed) = before.first_change(&Fingerprint::take(&self.config)) else {
            return;
        };
        if self.config.echo_log {
            eprintln!(
                "local-lambda: {} changed; starting a fresh environment",
                changed.display()
            );
        }
        self.retire_current(false);
    }

    fn create_environment(&mut self) -> io::Result<Environment> {
        let sandbox = Arc::new(Sandbox::new(
            self.config.limits,
            &self.config.runtime_api_prefix,
            self.recording.clone(),
        )?);
        let api = RuntimeApi::start(sandbox, self.config.runtime_api_port)?;
        let log = Arc::new(LogPipe::open(
            self.recording.clone(),
            self.config.echo_log,
            self.label.clone(),
        )?);
        self.publish(Some(api.env_value(self.config.runtime_api_scheme)), None);
        let spawned_at = Instant::now();
        let pid = match &self.config.bootstrap {
            None => None,
            Some(bootstrap) => match self.spawn_runtime(bootstrap, &api, &log) {
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
        self.publish(Some(api.env_value(self.config.runtime_api_scheme)), pid);
        let initialised = pid.is_none();
        Ok(Environment {
            api,
            log,
            pid,
            spawned_at,
            initialised,
        })
    }

    fn spawn_runtime(&self, bootstrap: &Path, api: &RuntimeApi, log: &LogPipe) -> io::Result<u32> {
        let (stdout, stderr) = log.child_stdio()?;
        let stream = report::log_stream_name(
            &self.config.function_version,
            &ids::request_id().replace('-', ""),
        );
        let mut command = Command::new(bootstrap);
        command
            .current_dir(&self.config.task_root)
            .env_clear()
            .envs(
                self.config
                    .lambda_environment(&api.env_value(self.config.runtime_api_scheme), &stream),
            )
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

    /// Waits for a fresh runtime to ask for its first event. Returns the init
    /// duration on a cold start, or the failed invocation if init failed.
    fn finish_init(&mut self, request_id: &str) -> Result<Option<Duration>, Outcome> {
        let environment = self.current.as_mut().expect("an environment exists");
        if environment.initialised {
            return Ok(None);
        }
        // Lambda gives init its own limit; a runtime that misses it gets one
        // more try within the invocation's timeout before the invocation fails.
        let deadline = environment.spawned_at + self.config.init_timeout + self.config.timeout;
        let state = environment.sandbox().wait_until(deadline, |state| {
            state.ready_at.is_some() || state.init_error.is_some() || state.exited.is_some()
        });
        let init_failure = match (&state.init_error, &state.exited, state.ready_at) {
            (Some(Answer::Error { error_type, body }), _, _) => Some(FunctionError::reported(
                Some(
                    error_type
                        .clone()
                        .unwrap_or_else(|| "Runtime.Unknown".into()),
                ),
                body.clone(),
            )),
            (_, Some(how), _) => Some(exit_error(request_id, how)),
            (_, _, None) => Some(timeout_error(
                request_id,
                self.config.init_timeout + self.config.timeout,
            )),
            (_, _, Some(_)) => None,
        };
        let ready_at = state.ready_at;
        drop(state);
        let init_duration = ready_at.unwrap_or_else(Instant::now) - environment.spawned_at;
        if let Some(error) = init_failure {
            return Err(self.init_failure(request_id, init_duration, error));
        }
        environment.initialised = true;
        Ok(Some(init_duration))
    }

    fn init_failure(
        &mut self,
        request_id: &str,
        init_duration: Duration,
        error: FunctionError,
    ) -> Outcome {
        let environment = self.current.as_ref().expect("an environment exists");
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
            environment: self.number,
        };
        self.log_invocation_lines(&outcome, Duration::ZERO, None);
        self.retire_current(false);
        outcome
    }

    fn entrypoint_failure(&mut self, request_id: String, error: &io::Error) -> Outcome {
        let error = FunctionError::raised(
            "Runtime.InvalidEntrypoint",
            format!("RequestId: {request_id} Error: {error}"),
        );
        if self.config.echo_log {
            eprintln!("{}", String::from_utf8_lossy(&error.body));
        }
        Outcome {
            request_id,
            result: Err(error),
            duration: Duration::ZERO,
            init_duration: None,
            environment: self.number,
        }
    }

    fn run_invocation(
        &mut self,
        request_id: String,
        invocation: Invocation,
        init_duration: Option<Duration>,
    ) -> Outcome {
        let environment = self.current.as_ref().expect("an environment exists");
        environment.log.lambda_line(&format!(
            "START RequestId: {request_id} Version: {}",
            self.config.function_version
        ));
        let started = Instant::now();
        let deadline_ms = report::epoch_millis(SystemTime::now() + self.config.timeout);
        let on_return = self.end_lines(environment, &request_id, started, init_duration);
        let lent = environment.sandbox().offer(
            Offer {
                request_id: request_id.clone(),
                event: invocation.event,
                deadline_ms,
                function_arn: self.config.function_arn(),
                trace_id: ids::trace_id(),
                client_context: invocation.client_context,
                cognito_identity: invocation.cognito_identity,
                headers_left_out: invocation.headers_left_out,
                framing: self.config.event_framing,
            },
            on_return,
        );
        let deadline = started + self.config.timeout;
        if let Some(connection) = lent {
            connection::drive(environment.sandbox(), &connection, deadline);
        }
        let ending = self.wait_for_answer(deadline);
        let result = match &ending {
            Ending::Answered(Answer::Response(body), _) => Ok(body.clone()),
            Ending::Answered(Answer::Error { error_type, body }, _) => {
                Err(FunctionError::reported(error_type.clone(), body.clone()))
            }
            Ending::Answered(Answer::TooLarge { size }, _) => Err(FunctionError::raised(
                "Function.ResponseSizeTooLarge",
                format!(
                    "Response payload size ({size} bytes) exceeded maximum allowed payload size ({} bytes).",
                    self.config.limits.response_bytes
                ),
            )),
            Ending::Exited(how) => Err(exit_error(&request_id, how)),
            Ending::TimedOut => Err(timeout_error(&request_id, self.config.timeout)),
        };
        let ended = match ending {
            Ending::Answered(_, at) => at,
            _ => Instant::now(),
        };
        let outcome = Outcome {
            request_id,
            result,
            duration: ended - started,
            init_duration,
            environment: self.number,
        };
        match ending {
            Ending::Answered(..) => self.await_return(&outcome, started, deadline),
            Ending::TimedOut => self.end_timed_out(&outcome, started),
            Ending::Exited(_) => {
                let error = outcome.result.as_ref().expect_err("an exit is an error");
                let log = &self.current.as_ref().expect("an environment exists").log;
                log.lambda_line(&json_message(&error.body));
                log.lambda_line(&error.error_type);
                self.log_invocation_lines(&outcome, started.elapsed(), Some("error"));
                self.retire_or_reset();
            }
        }
        outcome
    }

    /// `END` and `REPORT` for an invocation that will be answered, to be
    /// written when the runtime comes back for its next event. `None` when
    /// nobody reads the log.
    fn end_lines(
        &self,
        environment: &Environment,
        request_id: &str,
        started: Instant,
        init_duration: Option<Duration>,
    ) -> Option<OnReturn> {
        if environment.log.is_quiet() {
            return None;
        }
        let log = environment.log.clone();
        let request_id = request_id.to_string();
        let (memory_mb, pid) = (self.config.memory_mb, environment.pid);
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

    /// An answered invocation ends when the runtime asks for the next event
    /// (or dies): only then does Lambda write `END` and `REPORT`, so that
    /// whatever the runtime logs after answering still belongs to it. The
    /// caller need not wait for that; the next invocation, or the keeper at
    /// the deadline, does. An embedded runtime is not waited for: its
    /// caller finds `END` and `REPORT` in the log already.
    fn await_return(&mut self, outcome: &Outcome, started: Instant, deadline: Instant) {
        let environment = self.current.as_ref().expect("an environment exists");
        if environment.pid.is_none() {
            environment.sandbox().end_answered();
            return;
        }
        // Kept in case the runtime never comes back; its bodies are not
        // needed for that, and a response may be megabytes.
        let kept = Outcome {
            request_id: outcome.request_id.clone(),
            result: match &outcome.result {
                Ok(_) => Ok(Vec::new()),
                Err(error) => Err(FunctionError {
                    error_type: error.error_type.clone(),
                    body: Vec::new(),
                }),
            },
            ..*outcome
        };
        self.closing = Some(Closing {
            outcome: kept,
            started,
            deadline,
        });
        self.keeper.watch(deadline);
    }

    /// Waits for the last answered invocation to end; a runtime that never
    /// comes back times out like one that never answers.
    fn settle_closing(&mut self) {
        let Some(closing) = self.closing.take() else {
            return;
        };
        let Some(environment) = self.current.as_ref() else {
            return;
        };
        if !environment.sandbox().await_return(closing.deadline) {
            self.end_timed_out(&closing.outcome, closing.started);
        }
    }

    fn end_timed_out(&mut self, outcome: &Outcome, started: Instant) {
        let environment = self.current.as_ref().expect("an environment exists");
        environment.log.lambda_line(&format!(
            "{} {} Task timed out after {:.2} seconds",
            report::utc_timestamp(SystemTime::now()),
            outcome.request_id,
            self.config.timeout.as_secs_f64()
        ));
        self.log_invocation_lines(outcome, started.elapsed(), Some("timeout"));
        self.retire_or_reset();
    }

    fn wait_for_answer(&self, deadline: Instant) -> Ending {
        let environment = self.current.as_ref().expect("an environment exists");
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

    /// Writes `END` and `REPORT` for an invocation, and waits until they are recorded.
    fn log_invocation_lines(&self, outcome: &Outcome, duration: Duration, status: Option<&str>) {
        let environment = self.current.as_ref().expect("an environment exists");
        if environment.log.is_quiet() {
            return;
        }
        let error_type = match (&outcome.result, status) {
            (Err(error), Some(_)) => Some(error.error_type.as_str()),
            (Err(error), None) if duration.is_zero() => Some(error.error_type.as_str()),
            _ => None,
        };
        let report = Report {
            request_id: &outcome.request_id,
            duration,
            init_duration: outcome.init_duration,
            memory_mb: self.config.memory_mb,
            max_memory_mb: report::max_memory_mb(environment.pid),
            status: status.or(error_type.map(|_| "error")),
            error_type,
        };
        write_end_lines(&environment.log, &report);
    }

    /// After a timeout or crash: a runtime process is thrown away with its
    /// environment; an embedded runtime cannot be, so its event is dropped instead.
    fn retire_or_reset(&mut self) {
        match self.current.as_ref().map(|environment| environment.pid) {
            Some(Some(_)) => self.retire_current(false),
            Some(None) => self
                .current
                .as_ref()
                .expect("checked")
                .sandbox()
                .abandon_in_flight(),
            None => {}
        }
    }

    /// Ends the current environment: kills the runtime's whole process group,
    /// then lets go of parked requests and drains the log. At shutdown a
    /// runtime is first given a moment to come back to `next`, so recordings
    /// end on the long poll that real runtimes always leave open.
    fn retire_current(&mut self, graceful: bool) {
        let Some(environment) = self.current.take() else {
            return;
        };
        if let Some(pid) = environment.pid {
            if graceful {
                let grace = Instant::now() + Duration::from_secs(2);
                drop(
                    environment
                        .sandbox()
                        .wait_until(grace, |state| state.waiting() > 0 || state.exited.is_some()),
                );
            }
            // ANCHOR: kill-group
            // The whole sandbox goes: the runtime's process group, and any
            // process it started in a group of its own (a handler, say).
            let sandbox = descendants(pid);
            // SAFETY: kill(2) with a negative pid signals the process group the
            // runtime leads, with a positive one a single process; it touches
            // no memory of ours.
            unsafe {
                libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
                for process in sandbox {
                    libc::kill(process, libc::SIGKILL);
                }
            }
            // ANCHOR_END: kill-group
            drop(
                environment
                    .sandbox()
                    .wait_until(Instant::now() + Duration::from_secs(5), |state| {
                        state.exited.is_some()
                    }),
            );
        }
        environment.api.stop();
        environment.log.close();
        self.publish(None, None);
    }

    fn publish(&self, runtime_api: Option<String>, pid: Option<u32>) {
        *self.published.lock().expect("published environment lock") =
            Published { runtime_api, pid };
    }
}

/// Writes `END` and `REPORT`, and waits until they are recorded.
fn write_end_lines(log: &LogPipe, report: &Report) {
    log.lambda_line(&format!("END RequestId: {}", report.request_id));
    log.lambda_line(&report.line());
    log.sync();
}
