//! What one execution environment's Runtime API and its supervisor share:
//! the runtime's state as Lambda names it, the event offered and the one
//! in flight, the runtime's answer, the `next` requests waiting, and the
//! runtime's exit. Everyone who waits for one of these to change waits on
//! the sandbox; the HTTP endpoints that change them are `runtime_api.rs`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use std::io;

use crate::config::{EventFraming, Limits};
use crate::connection::{Bell, Connection, Parked, Progress};
use crate::extensions::Extensions;
use crate::record::Recording;
use crate::response_stream::ResponseStream;
use crate::telemetry::Telemetry;

/// An event waiting for the runtime, with what Lambda sends alongside it.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub request_id: String,
    pub event: Vec<u8>,
    pub deadline_ms: u128,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    /// Headers the invocation asked to leave out (see [`Invocation`](crate::Invocation)).
    pub headers_left_out: Vec<String>,
    /// How the event goes into `next`'s body.
    pub framing: EventFraming,
    /// The tenant, for `Lambda-Runtime-Aws-Tenant-Id`.
    pub tenant_id: Option<String>,
    /// Where the answer goes as it comes, for a caller that reads it so.
    pub stream: Option<ResponseStream>,
}

/// What the runtime said about the event it was given.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Response(Vec<u8>),
    Error {
        error_type: Option<String>,
        body: Vec<u8>,
    },
    TooLarge {
        size: usize,
    },
}

/// The runtime's state, named as Lambda names it in its
/// `InvalidStateTransition` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Started,
    InitError,
    Ready,
    ResponseSent,
}

impl Phase {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::Started => "Started",
            Phase::InitError => "InitError",
            Phase::Ready => "Ready",
            Phase::ResponseSent => "RuntimeResponseSentState",
        }
    }
}

/// Lambda's own work once the runtime is back for its next event: the
/// invocation's `END` and `REPORT` lines.
pub(crate) type OnReturn = Box<dyn FnOnce() + Send>;

/// Where an answered invocation is between its answer and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// No answered invocation is waiting to be ended.
    Idle,
    /// Answered; it ends when the runtime asks for the next event or exits.
    Awaiting,
    /// The runtime came back, and its `OnReturn` is being run.
    Ending,
}

/// Everything the supervisor and the API's connections share about one environment.
pub(crate) struct SandboxState {
    pub phase: Phase,
    /// The event kept for the next `next`, when none was waiting.
    pub offered: Option<Offer>,
    /// The request id of the event the runtime has and has not answered.
    pub in_flight: Option<String>,
    /// Where the in-flight invocation's answer goes as it comes, if its
    /// caller reads it so.
    pub stream_to: Option<ResponseStream>,
    /// Whether the runtime has begun to stream the in-flight invocation's
    /// answer: from its first byte, `/error` is refused.
    pub streaming_began: bool,
    /// The runtime's answer, and when it came.
    pub answer: Option<(Answer, Instant)>,
    pub init_error: Option<Answer>,
    /// When the runtime first asked for an event: the end of its init.
    pub ready_at: Option<Instant>,
    /// The `next` requests waiting for an event, oldest first.
    pub parked: VecDeque<Parked>,
    pub closing: Closing,
    pub on_return: Option<OnReturn>,
    /// Set by the process watcher when the runtime exits.
    pub exited: Option<String>,
    /// Whether the environment has ended: no request is answered any more.
    pub retired: bool,
    /// Whether the runtime is back in `next` since it was last given an
    /// event: with the extensions all back too, the invocation is over.
    pub runtime_back: bool,
    /// The environment's extensions.
    pub extensions: Extensions,
    /// Extension processes that have exited: each one's name and how it ended.
    pub extensions_exited: Vec<(String, String)>,
}

impl SandboxState {
    /// How many `next` requests are waiting for an event.
    pub(crate) fn waiting(&self) -> usize {
        self.parked.len()
    }
}

/// The shared state plus the condition variable everyone waits on.
pub(crate) struct Sandbox {
    state: Mutex<SandboxState>,
    changed: Condvar,
    pub limits: Limits,
    pub recording: Recording,
    /// Wakes a caller reading a lent connection when something happens
    /// elsewhere (an answer on another connection, an exit).
    pub bell: Bell,
    /// How many threads wait on `changed`: with none, there is nobody to wake.
    waiters: AtomicUsize,
    /// A path the API is served under, such as cargo-lambda's `/.rt`; empty on Lambda.
    pub prefix: String,
    /// What an extension learns of the function when it registers:
    /// `functionName`, `functionVersion`, `handler`.
    pub function: serde_json::Value,
    /// The environment's telemetry, for the Telemetry API's subscriptions.
    pub telemetry: Arc<Telemetry>,
}

impl Sandbox {
    /// A sandbox for a runtime just started, with Lambda's `limits`, the
    /// API served under `prefix` (empty on Lambda), exchanges recorded in
    /// `recording`, and what extensions learn of the `function`. Errors:
    /// the bell's pipe cannot be made.
    pub(crate) fn new(
        limits: Limits,
        prefix: &str,
        recording: Recording,
        function: serde_json::Value,
        telemetry: Arc<Telemetry>,
    ) -> io::Result<Sandbox> {
        Ok(Sandbox {
            state: Mutex::new(SandboxState {
                phase: Phase::Started,
                offered: None,
                in_flight: None,
                stream_to: None,
                streaming_began: false,
                answer: None,
                init_error: None,
                ready_at: None,
                parked: VecDeque::new(),
                closing: Closing::Idle,
                on_return: None,
                exited: None,
                retired: false,
                runtime_back: false,
                extensions: Extensions::default(),
                extensions_exited: Vec::new(),
            }),
            changed: Condvar::new(),
            limits,
            recording,
            bell: Bell::new()?,
            waiters: AtomicUsize::new(0),
            prefix: prefix.trim_end_matches('/').to_string(),
            function,
            telemetry,
        })
    }

    /// The state, locked.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SandboxState> {
        crate::lock(&self.state)
    }

    /// Runs `change` under the lock and wakes everyone waiting.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut SandboxState) -> T) -> T {
        let result = change(&mut self.lock());
        self.notify();
        result
    }

    /// Wakes everyone waiting for a change; called after the change, unlocked.
    pub(crate) fn notify(&self) {
        // A waiter counts itself under the lock before it looks at the
        // state, so a change made after that look always sees it counted.
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.changed.notify_all();
        }
    }

    /// Waits until `done` holds or `deadline` passes; returns the final state's guard.
    pub(crate) fn wait_until(
        &self,
        deadline: Instant,
        mut done: impl FnMut(&SandboxState) -> bool,
    ) -> MutexGuard<'_, SandboxState> {
        let mut state = self.lock();
        self.waiters.fetch_add(1, Ordering::SeqCst);
        while !done(&state) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        state
    }

    /// Where the invocation stands, for a caller reading a lent connection.
    pub(crate) fn progress(&self) -> Progress {
        let state = self.lock();
        if state.exited.is_some() || state.retired {
            return Progress::Over;
        }
        match (&state.answer, state.closing) {
            (None, _) => Progress::Waiting,
            // Lambda's lines to write when the runtime is back: written by
            // the connection's own thread, after the caller has its answer.
            (Some(_), Closing::Awaiting) if state.on_return.is_some() => Progress::Over,
            (Some((_, at)), Closing::Awaiting) => Progress::Answered(*at),
            (Some(_), _) => Progress::Over,
        }
    }

    /// The bell a caller reading a lent connection listens to.
    pub(crate) fn bell(&self) -> &Bell {
        &self.bell
    }

    /// Ends the answered invocation now, as the runtime is back (or gone):
    /// runs its `OnReturn` unless a timeout already claimed it.
    pub(crate) fn end_answered(&self) {
        drop(self.end_answered_locked(self.lock()));
        self.notify();
    }

    pub(crate) fn end_answered_locked<'a>(
        &'a self,
        mut state: MutexGuard<'a, SandboxState>,
    ) -> MutexGuard<'a, SandboxState> {
        if state.closing != Closing::Awaiting {
            return state;
        }
        let Some(on_return) = state.on_return.take() else {
            state.closing = Closing::Idle;
            return state;
        };
        state.closing = Closing::Ending;
        // Run unlocked: the lines go through the log, which may take a moment.
        drop(state);
        on_return();
        let mut state = self.lock();
        state.closing = Closing::Idle;
        state
    }

    /// Waits until the answered invocation has ended. `false` if `deadline`
    /// passed first: then it is ours to end, as a timeout.
    pub(crate) fn await_return(&self, deadline: Instant) -> bool {
        let mut state = self.wait_until(deadline, |state| state.closing == Closing::Idle);
        match state.closing {
            Closing::Idle => true,
            Closing::Awaiting => {
                state.closing = Closing::Idle;
                state.on_return = None;
                false
            }
            Closing::Ending => {
                drop(state);
                let ending = Instant::now() + Duration::from_secs(60);
                drop(self.wait_until(ending, |state| state.closing != Closing::Ending));
                true
            }
        }
    }

    /// Records how the runtime process ended: an answered invocation ends
    /// with it, then everyone waiting learns of the exit.
    pub(crate) fn runtime_exited(&self, how: String) {
        let mut state = self.end_answered_locked(self.lock());
        state.exited = Some(how);
        drop(state);
        self.notify();
        self.bell.ring();
    }

    /// Forgets the event in flight after the supervisor gave up on it (a
    /// timeout with a runtime that cannot be restarted, such as an embedded one).
    pub(crate) fn abandon_in_flight(&self) {
        self.update(|state| {
            state.in_flight = None;
            state.offered = None;
            state.answer = None;
            state.on_return = None;
        });
    }

    /// Retires the environment: parked `next` and `event/next` requests
    /// are let go unanswered.
    pub(crate) fn retire(&self) {
        self.update(|state| {
            state.retired = true;
            for parked in state.parked.drain(..) {
                parked.connection.close();
            }
            for parked in state.extensions.release() {
                parked.connection.close();
            }
        });
        self.bell.ring();
    }

    /// A connection that closed takes its parked `next`, if any, with it.
    pub(crate) fn forget(&self, connection: &Arc<Connection>) {
        let gone = |parked: &Parked| Arc::ptr_eq(&parked.connection, connection);
        self.update(|state| {
            state.parked.retain(|parked| !gone(parked));
            state.extensions.forget(gone);
        });
    }

    /// The runtime, or an extension, is back waiting for an event: when
    /// the runtime and every extension are, the answered invocation ends.
    pub(crate) fn end_if_all_back<'a>(
        &'a self,
        state: MutexGuard<'a, SandboxState>,
    ) -> MutexGuard<'a, SandboxState> {
        if state.runtime_back && state.extensions.all_waiting() {
            self.end_answered_locked(state)
        } else {
            state
        }
    }

    /// Records how an extension process ended.
    pub(crate) fn extension_exited(&self, name: String, how: String) {
        self.update(|state| state.extensions_exited.push((name, how)));
    }
}
