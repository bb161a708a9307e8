//! The local Lambda as its users see it: a function, run in as many
//! execution environments as its `concurrency` allows, each led through
//! its life by a supervisor (`supervisor.rs`). Invocations are taken here,
//! placed in an environment by the dispatcher (`dispatch.rs`), and run on
//! their caller's own thread.

use std::io;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::config::{FunctionConfig, Limits};
use crate::dispatch::{Dispatch, Turn};
use crate::extensions_api::ShutdownReason;
use crate::invocation::{Invocation, Outcome, Rejection};
use crate::keeper::Keeper;
use crate::lock;
use crate::record::Recording;
use crate::shutdown;
use crate::supervisor::{Published, Supervisor};

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
    /// What the Invoke API needs of the function's configuration.
    invoke_settings: InvokeSettings,
}

/// The function's settings its Invoke API answers by.
struct InvokeSettings {
    version: String,
    limits: Limits,
    async_retry_delays: Vec<Duration>,
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
            let mut supervisor = Supervisor::new(
                config.clone(),
                (index + 1, environments),
                recording.clone(),
                published.clone(),
                keeper.clone(),
            );
            if config.bootstrap.is_none() {
                supervisor.start_embedded()?;
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
            invoke_settings: InvokeSettings {
                version: config.function_version.clone(),
                limits: config.limits,
                async_retry_delays: config.async_retry_delays.clone(),
            },
        })
    }

    /// Queues an invocation and runs it on a thread of its own. With one
    /// environment, invocations run one at a time in the order submitted;
    /// with more, up to that many at once.
    pub fn submit(&self, invocation: Invocation) -> Pending {
        let (reply, outcome) = mpsc::channel();
        match self
            .shared
            .dispatch
            .queue_up(invocation.tenant_id.as_deref())
        {
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
        let turn = self
            .shared
            .dispatch
            .queue_up(invocation.tenant_id.as_deref())?;
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

    /// The function's version, as `X-Amz-Executed-Version` names it.
    pub fn function_version(&self) -> &str {
        &self.invoke_settings.version
    }

    /// The function's payload limits.
    pub fn limits(&self) -> Limits {
        self.invoke_settings.limits
    }

    /// The waits before each retry of a failed asynchronous invocation.
    pub fn async_retry_delays(&self) -> &[Duration] {
        &self.invoke_settings.async_retry_delays
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
            supervisor.end_environment(true, ShutdownReason::Spindown);
            drop(supervisor);
            slot.keeper.stop();
        }
        for keeper in keepers {
            let _ = keeper.join();
        }
    }
}

/// A runtime ended by [`LocalLambda::end_now`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The execution environment's number, from 1.
    pub environment: usize,
    /// The runtime's process id.
    pub pid: u32,
    /// How many processes the runtime had started (a handler, its `sleep`).
    pub started: usize,
}

impl LocalLambda {
    /// Ends every environment at once, in flight or not, as Lambda ends
    /// one whose function has no extension: its runtime, its process group
    /// and every process it started get SIGKILL. For when the local Lambda
    /// itself is interrupted (Ctrl-C) and invocations cannot be waited for:
    /// each caller whose invocation was running sees its runtime exit.
    /// Returns the runtimes ended.
    pub fn end_now(&self) -> Vec<Ended> {
        let mut ended = Vec::new();
        for (index, slot) in self.shared.slots.iter().enumerate() {
            let (pid, extension_pids) = {
                let published = lock(&slot.published);
                (published.pid, published.extension_pids.clone())
            };
            for extension in extension_pids {
                let _ = shutdown::kill_everything_started_by(extension);
            }
            if let Some(pid) = pid {
                let started = shutdown::kill_everything_started_by(pid);
                ended.push(Ended {
                    environment: index + 1,
                    pid,
                    started,
                });
            }
        }
        ended
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        self.shutdown();
    }
}
