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
    /// For each environment, the tenant it last served (`Some(None)`: an
    /// invocation with no tenant), or `None` if it never served one.
    served: Vec<Option<Option<String>>>,
}

/// An invocation's place in the queue, and the environment it is given.
#[derive(Default)]
pub(crate) struct Turn {
    given: Mutex<Option<usize>>,
    ready: Condvar,
    /// The tenant the invocation is for.
    tenant: Option<String>,
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

impl DispatchState {
    /// The idle environment for an invocation for `tenant`: the warmest that
    /// served that tenant last, else one never used, else the warmest of
    /// all (whose supervisor ends its environment if it served another
    /// tenant: a tenant-isolated function never shares one).
    fn take_idle(&mut self, tenant: Option<&str>) -> Option<usize> {
        let served = &self.served;
        let same_tenant = |environment: &usize| {
            served[*environment]
                .as_ref()
                .is_some_and(|last| last.as_deref() == tenant)
        };
        let never_used = |environment: &usize| served[*environment].is_none();
        let at = (self.idle.iter().rposition(same_tenant))
            .or_else(|| self.idle.iter().rposition(never_used))
            .or_else(|| self.idle.len().checked_sub(1))?;
        let environment = self.idle.remove(at);
        self.served[environment] = Some(tenant.map(str::to_string));
        Some(environment)
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
                served: vec![None; environments],
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
    /// Takes a turn for an invocation for `tenant`: an idle environment
    /// now, or a place in the queue.
    pub(crate) fn queue_up(&self, tenant: Option<&str>) -> Result<Arc<Turn>, Rejection> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(Rejection::ShutDown);
        }
        let turn = Arc::new(Turn {
            tenant: tenant.map(str::to_string),
            ..Turn::default()
        });
        match state.take_idle(tenant) {
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
            Some(turn) => {
                state.served[environment] = Some(turn.tenant.clone());
                turn.give(environment);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment a turn for `tenant` gets at once, handed back after.
    fn placed(dispatch: &Dispatch, tenant: Option<&str>) -> usize {
        let turn = dispatch.queue_up(tenant).unwrap();
        dispatch.take(&turn).environment()
    }

    #[test]
    fn a_tenant_gets_the_environment_it_used_last_and_another_a_fresh_one() {
        let dispatch = Dispatch::new(2);
        let alpha = placed(&dispatch, Some("alpha"));
        let beta = placed(&dispatch, Some("beta"));
        assert_ne!(alpha, beta, "an unused environment before alpha's");
        assert_eq!(placed(&dispatch, Some("alpha")), alpha);
        assert_eq!(placed(&dispatch, Some("beta")), beta);
        // Every environment used: the warmest, beta's, for a third tenant.
        assert_eq!(placed(&dispatch, Some("gamma")), beta);
        assert_eq!(placed(&dispatch, Some("alpha")), alpha);
    }
}
