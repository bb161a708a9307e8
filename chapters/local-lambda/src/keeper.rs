//! The keeper: one thread per execution environment that ends an
//! invocation whose runtime answered but never came back for its next
//! event, at that invocation's deadline.

use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crate::lock;

/// Watches one environment between an answer and the runtime's return: a
/// runtime that answered but never asked for the next event times out at
/// the invocation's deadline, as on Lambda, even if no invocation follows.
/// It sleeps until that deadline and is not woken along the way.
#[derive(Default)]
pub(crate) struct Keeper {
    state: Mutex<KeeperState>,
    wake: Condvar,
}

#[derive(Default)]
struct KeeperState {
    /// The latest answered invocation's deadline.
    deadline: Option<Instant>,
    /// Asleep with no deadline: must be woken for the next one.
    idle: bool,
    stopped: bool,
}

impl Keeper {
    /// The keeper's thread, for the environment `number`: each time a
    /// watched deadline passes, it calls `on_deadline`, which ends the
    /// invocation that overstayed.
    pub(crate) fn start(
        keeper: Arc<Keeper>,
        number: usize,
        on_deadline: impl Fn() + Send + 'static,
    ) -> io::Result<JoinHandle<()>> {
        thread::Builder::new()
            .name(format!("lambda-keeper-{number}"))
            .spawn(move || {
                while keeper.sleep_until_deadline() {
                    on_deadline();
                }
            })
    }

    /// An answered invocation must end by `deadline`.
    pub(crate) fn watch(&self, deadline: Instant) {
        let mut state = lock(&self.state);
        state.deadline = Some(deadline);
        if state.idle {
            self.wake.notify_one();
        }
    }

    /// Sleeps until the watched deadline passes (`true`) or the keeper is
    /// stopped (`false`).
    fn sleep_until_deadline(&self) -> bool {
        let mut state = lock(&self.state);
        loop {
            if state.stopped {
                return false;
            }
            let now = Instant::now();
            match state.deadline {
                None => {
                    state.idle = true;
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    state.idle = false;
                }
                Some(deadline) if now < deadline => {
                    state = self
                        .wake
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0;
                }
                Some(_) => {
                    state.deadline = None;
                    return true;
                }
            }
        }
    }

    pub(crate) fn stop(&self) {
        lock(&self.state).stopped = true;
        self.wake.notify_one();
    }
}
