//! The supervisor: the life of one execution environment, phase by phase,
//! as Lambda leads it. On an invocation it ends an environment whose
//! runtime died (or, with `--watch`, whose files changed), runs Init in a
//! fresh one, runs the invocation, and ends the environment if the
//! runtime overstayed or crashed, so that the next invocation starts cold.
//! Each phase is a room of its own: `init.rs`, `invoke.rs`, `shutdown.rs`.
//!
//! An invocation runs on its caller's own thread: the caller writes the
//! event onto the runtime's waiting `next` request and reads the answer
//! there (see `connection.rs`), with no thread of ours in between. A keeper
//! thread per environment times out a runtime that answered and never came
//! back for its next event.

use std::io;
use std::sync::{Arc, Mutex};

use crate::config::FunctionConfig;
use crate::environment::Environment;
use crate::extensions_api::ShutdownReason;
use crate::ids;
use crate::invocation::{Invocation, Outcome, Rejection};
use crate::invoke::{self, Closing, Ended, Invoked};
use crate::keeper::Keeper;
use crate::lock;
use crate::record::Recording;
use crate::watch::Fingerprint;
use crate::{init, shutdown};

/// What a supervisor tells its owner about its current environment: the
/// Runtime API's address (as `AWS_LAMBDA_RUNTIME_API` has it) and the
/// runtime's process id, for whoever measures or embeds it.
#[derive(Default)]
pub(crate) struct Published {
    pub runtime_api: Option<String>,
    pub pid: Option<u32>,
    pub extension_pids: Vec<u32>,
}

/// One environment's supervisor: the function, the environment now
/// running (if any), and an answered invocation not yet ended.
pub(crate) struct Supervisor {
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
    /// The tenant the current environment serves, on a tenant-isolated function.
    tenant: Option<String>,
}

impl Supervisor {
    /// A supervisor for environment `number` of `environments`, with no
    /// environment yet; it publishes into `published` and sets `keeper`'s
    /// deadlines.
    pub(crate) fn new(
        config: FunctionConfig,
        (number, environments): (usize, usize),
        recording: Recording,
        published: Arc<Mutex<Published>>,
        keeper: Arc<Keeper>,
    ) -> Supervisor {
        Supervisor {
            config,
            number,
            label: (environments > 1).then(|| format!("[env {number}] ")),
            recording,
            published,
            keeper,
            current: None,
            closing: None,
            fingerprint: None,
            tenant: None,
        }
    }

    /// For a function without `bootstrap`: the one environment, up at once,
    /// whose runtime is the caller. Errors: its Runtime API cannot start.
    pub(crate) fn start_embedded(&mut self) -> io::Result<()> {
        let environment = init::create_environment(&self.config, &self.recording, None)?;
        self.publish(&environment);
        self.current = Some(environment);
        Ok(())
    }

    // ANCHOR: lifecycle
    /// Runs one invocation, once the one before it has ended: the phases
    /// of the environment's life, in the order Lambda runs them.
    pub(crate) fn serve(&mut self, invocation: Invocation) -> Result<Outcome, Rejection> {
        self.settle_closing();
        let limit = self.config.limits.event_bytes;
        if invocation.event.len() > limit {
            let size = invocation.event.len();
            return Err(Rejection::EventTooLarge { size, limit });
        }
        let request_id = (invocation.request_id.clone()).unwrap_or_else(ids::request_id);
        // Shutdown: a runtime that died between invocations, files that
        // changed under --watch, or another tenant's invocation (a tenant's
        // environment serves no other) end the environment.
        if self.runtime_has_exited() {
            self.end_environment(false, ShutdownReason::Failure);
        } else if self.files_have_changed()
            || self.serves_another_tenant(invocation.tenant_id.as_deref())
        {
            self.end_environment(false, ShutdownReason::Spindown);
        }
        // Init: a fresh environment when there is none.
        if self.current.is_none()
            && let Err(error) = self.create_environment(invocation.tenant_id.clone())
        {
            let number = self.number;
            return Ok(init::entrypoint_failure(
                &self.config,
                number,
                request_id,
                &error,
            ));
        }
        let environment = self.current.as_mut().expect("an environment exists");
        let init_duration = match init::finish_init(environment, &self.config, &request_id) {
            Ok(init_duration) => init_duration,
            Err(failure) => {
                let failed =
                    init::failed(environment, &self.config, self.number, &request_id, failure);
                self.end_environment(false, ShutdownReason::Failure);
                return Ok(failed);
            }
        };
        // Invoke.
        let tap = invocation.log_tail.then(|| environment.log.tap());
        let invoked = invoke::run(
            environment,
            &self.config,
            self.number,
            request_id,
            invocation,
            init_duration,
        );
        self.after(&invoked);
        let mut outcome = invoked.outcome;
        if let Some(tap) = tap {
            // The caller who asked for the log waits for its END and REPORT.
            self.settle_closing();
            outcome.log = Some(tap.take());
        }
        Ok(outcome)
    }
    // ANCHOR_END: lifecycle

    /// After the invocation: an answered one ends when the runtime comes
    /// back to `next`; one that timed out or whose runtime exited ends now,
    /// and so does its environment.
    fn after(&mut self, invoked: &Invoked) {
        let environment = self.current.as_ref().expect("an environment exists");
        match invoked.ended {
            Ended::Answered => self.await_return(invoked),
            Ended::TimedOut => {
                invoke::log_timeout(environment, &self.config, &invoked.outcome, invoked.started);
                self.end_after_failure(ShutdownReason::Timeout);
            }
            Ended::Exited => {
                invoke::log_exit(environment, &self.config, invoked);
                self.end_after_failure(ShutdownReason::Failure);
            }
        }
    }

    fn runtime_has_exited(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|environment| environment.sandbox().lock().exited.is_some())
    }

    /// Whether the current environment, one with a runtime process, was
    /// made for another tenant than `tenant` (or for none).
    fn serves_another_tenant(&self, tenant: Option<&str>) -> bool {
        let has_process = self
            .current
            .as_ref()
            .is_some_and(|environment| environment.pid.is_some());
        has_process && self.tenant.as_deref() != tenant
    }

    /// With `watch`: whether a file of the function changed since the
    /// current environment started.
    fn files_have_changed(&self) -> bool {
        let (Some(before), Some(_)) = (&self.fingerprint, &self.current) else {
            return false;
        };
        let Some(changed) = before.first_change(&Fingerprint::take(&self.config)) else {
            return false;
        };
        if self.config.echo_log {
            eprintln!(
                "local-lambda: {} changed; starting a fresh environment",
                changed.display()
            );
        }
        true
    }

    fn create_environment(&mut self, tenant: Option<String>) -> io::Result<()> {
        self.tenant = tenant;
        if self.config.watch {
            self.fingerprint = Some(Fingerprint::take(&self.config));
        }
        let environment =
            init::create_environment(&self.config, &self.recording, self.label.clone())?;
        self.publish(&environment);
        self.current = Some(environment);
        Ok(())
    }

    /// An answered invocation ends when the runtime asks for the next event
    /// (or dies): only then does Lambda write `END` and `REPORT`, so that
    /// whatever the runtime logs after answering still belongs to it. The
    /// caller need not wait for that; the next invocation, or the keeper at
    /// the deadline, does. An embedded runtime is not waited for: its
    /// caller finds `END` and `REPORT` in the log already.
    fn await_return(&mut self, invoked: &Invoked) {
        let environment = self.current.as_ref().expect("an environment exists");
        if environment.pid.is_none() {
            environment.sandbox().end_answered();
            return;
        }
        self.closing = Some(Closing::of(invoked));
        self.keeper.watch(invoked.deadline);
    }

    /// Waits for the last answered invocation to end; a runtime that never
    /// comes back times out like one that never answers.
    pub(crate) fn settle_closing(&mut self) {
        let Some(closing) = self.closing.take() else {
            return;
        };
        let Some(environment) = self.current.as_ref() else {
            return;
        };
        if !environment.sandbox().await_return(closing.deadline) {
            invoke::log_timeout(environment, &self.config, &closing.outcome, closing.started);
            self.end_after_failure(ShutdownReason::Timeout);
        }
    }

    /// After a timeout or crash: a runtime process is thrown away with its
    /// environment; an embedded runtime cannot be, so its event is dropped instead.
    fn end_after_failure(&mut self, reason: ShutdownReason) {
        match self.current.as_ref().map(|environment| environment.pid) {
            Some(Some(_)) => self.end_environment(false, reason),
            Some(None) => self
                .current
                .as_ref()
                .expect("checked")
                .sandbox()
                .abandon_in_flight(),
            None => {}
        }
    }

    /// Ends the current environment, if any, for `reason` (see
    /// `shutdown.rs`); `graceful` at the local Lambda's own shutdown.
    pub(crate) fn end_environment(&mut self, graceful: bool, reason: ShutdownReason) {
        if let Some(environment) = self.current.take() {
            shutdown::end(environment, graceful, reason);
            *lock(&self.published) = Published::default();
        }
    }

    fn publish(&self, environment: &Environment) {
        *lock(&self.published) = Published {
            runtime_api: Some(environment.api.env_value(self.config.runtime_api_scheme)),
            pid: environment.pid,
            extension_pids: environment.extension_pids.clone(),
        };
    }
}
