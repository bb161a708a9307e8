//! Placement: which execution environment runs an invocation, and who
//! waits for one to come free. It knows environments by number only; what
//! runs in them is the supervisor's business.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

use crate::invocation::Rejection;
use crate::lock;

/// Hands each invocation an environment, as Lambda's placement does: an
/// idle one that is already warm if there is one, else one not yet created
/// (which starts cold), else the invocation waits its turn, first come
/// first served, for the first environment to come free. Lambda would
/// refuse it with `429 TooManyRequestsException` only once the function's
/// reserved concurrency is used up; a local load test is better served by
/// waiting.
pub(crate) struct Dispatch {
    state: Mutex<DispatchState>,
    /// Signalled whenever an environment comes free.
    freed: Condvar,
    environments: usize,
}

struct DispatchState {
    /// Environments with nothing to do, the most recently busy last: the
    /// warmest is taken first, and those never used stay at the bottom.
    idle: Vec<usize>,
    queue: VecDeque<Arc<Turn>>,
    closed: bool,
}

/// An invocation's place in the queue, and the environment it is given.
#[derive(Default)]
pub(crate) struct Turn {
    given: Mutex<Option<usize>>,
    ready: Condvar,
}

impl Turn {
    fn give(&self, environment: usize) {
        *lock(&self.given) = Some(environment);
        self.ready.notify_one();
    }

    /// Waits for an environment to be given.
    fn wait(&self) -> usize {
        let mut given = lock(&self.given);
        loop {
            if let Some(environment) = *given {
                return environment;
            }
            given = self
                .ready
                .wait(given)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

impl Dispatch {
    /// Placement over `environments` environments, all idle.
    pub(crate) fn new(environments: usize) -> Dispatch {
        Dispatch {
            state: Mutex::new(DispatchState {
                idle: (0..environments).rev().collect(),
                queue: VecDeque::new(),
                closed: false,
            }),
            freed: Condvar::new(),
            environments,
        }
    }

    /// Waits for `turn`'s environment, and holds it until the returned
    /// guard is dropped.
    pub(crate) fn take(&self, turn: &Turn) -> Taken<'_> {
        Taken {
            dispatch: self,
            environment: turn.wait(),
        }
    }

    // ANCHOR: dispatch
    /// Takes a turn: an idle environment now, or a place in the queue.
    pub(crate) fn queue_up(&self) -> Result<Arc<Turn>, Rejection> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(Rejection::ShutDown);
        }
        let turn = Arc::new(Turn::default());
        match state.idle.pop() {
            // Nobody waits on this turn yet: no need to wake anyone.
            Some(environment) => *lock(&turn.given) = Some(environment),
            None => state.queue.push_back(turn.clone()),
        }
        Ok(turn)
    }

    /// An environment has finished an invocation: the first in the queue
    /// gets it; if nobody is waiting, it is idle from now on.
    fn finished(&self, environment: usize) {
        let mut state = lock(&self.state);
        match state.queue.pop_front() {
            Some(turn) => turn.give(environment),
            None => state.idle.push(environment),
        }
        let draining = state.closed;
        drop(state);
        if draining {
            self.freed.notify_all();
        }
    }
    // ANCHOR_END: dispatch

    /// Takes no more invocations, and waits for those queued to finish.
    /// False if it was closed already, by an earlier call.
    pub(crate) fn close_and_drain(&self) -> bool {
        let mut state = lock(&self.state);
        if state.closed {
            return false;
        }
        state.closed = true;
        while state.idle.len() < self.environments {
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        true
    }
}

/// An environment given to one invocation: handed back when the invocation
/// is over, even if it panicked, so that no later one waits for it forever.
pub(crate) struct Taken<'a> {
    dispatch: &'a Dispatch,
    environment: usize,
}

impl Taken<'_> {
    /// The environment's number.
    pub(crate) fn environment(&self) -> usize {
        self.environment
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        self.dispatch.finished(self.environment);
    }
}
