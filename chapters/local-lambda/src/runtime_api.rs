//! The Runtime API itself: the HTTP endpoints a runtime calls, served for one
//! execution environment.
//!
//! Lambda gives each execution environment its own Runtime API. So do we:
//! when a runtime is killed (a timeout, a crash), its API is retired with it,
//! and a late request from the dead process can never take the next event.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use std::io;

use serde_json::json;

use crate::config::{EventFraming, Limits};
use crate::connection::{self, Bell, Connection, Progress, RequestHandler, Served};
use crate::http::{Request, Response};
use crate::record::Recording;

/// The version segment every Runtime API path starts with.
pub const API_VERSION: &str = "2018-06-01";

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
enum Phase {
    Started,
    InitError,
    Ready,
    ResponseSent,
}

impl Phase {
    fn name(self) -> &'static str {
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

/// What to do about one request, as the routes decide it.
enum Reply {
    /// Write this response now.
    Now(Response),
    /// A `next` with no event yet: whoever brings one writes it.
    Later,
    /// Close the connection without an answer (the environment is retired).
    Close,
}

/// A `next` request with no event for it yet: its connection, so that the
/// event can be written straight onto it by whoever brings the event.
pub(crate) struct Parked {
    connection: Arc<Connection>,
    keep_alive: bool,
    /// Its place in the recording.
    record: usize,
}

/// Everything the supervisor and the API's connections share about one environment.
pub(crate) struct SandboxState {
    phase: Phase,
    offered: Option<Offer>,
    in_flight: Option<String>,
    /// The runtime's answer, and when it came.
    pub answer: Option<(Answer, Instant)>,
    pub init_error: Option<Answer>,
    /// When the runtime first asked for an event: the end of its init.
    pub ready_at: Option<Instant>,
    /// The `next` requests waiting for an event, oldest first.
    parked: VecDeque<Parked>,
    closing: Closing,
    on_return: Option<OnReturn>,
    /// Set by the process watcher when the runtime exits.
    pub exited: Option<String>,
    retired: bool,
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
    limits: Limits,
    recording: Recording,
    /// Wakes a caller reading a lent connection when something happens
    /// elsewhere (an answer on another connection, an exit).
    bell: Bell,
    /// How many threads wait on `changed`: with none, there is nobody to wake.
    waiters: AtomicUsize,
    /// A path the API is served under, such as cargo-lambda's `/.rt`; empty on Lambda.
    prefix: String,
}

impl Sandbox {
    pub(crate) fn new(limits: Limits, prefix: &str, recording: Recording) -> io::Result<Sandbox> {
        Ok(Sandbox {
            state: Mutex::new(SandboxState {
                phase: Phase::Started,
                offered: None,
                in_flight: None,
                answer: None,
                init_error: None,
                ready_at: None,
                parked: VecDeque::new(),
                closing: Closing::Idle,
                on_return: None,
                exited: None,
                retired: false,
            }),
            changed: Condvar::new(),
            limits,
            recording,
            bell: Bell::new()?,
            waiters: AtomicUsize::new(0),
            prefix: prefix.trim_end_matches('/').to_string(),
        })
    }

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
    fn notify(&self) {
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

    /// Hands an event to the runtime: written at once onto a `next` request
    /// that is waiting, by the caller's own thread, or kept for the next
    /// `next` to come. `on_return` is run once the runtime, having answered,
    /// comes back for another event. Returns the connection the event was
    /// written on, now the caller's to read.
    pub(crate) fn offer(
        &self,
        offer: Offer,
        on_return: Option<OnReturn>,
    ) -> Option<Arc<Connection>> {
        let mut state = self.lock();
        state.on_return = on_return;
        let Some(parked) = state.parked.pop_front() else {
            state.offered = Some(offer);
            return None;
        };
        state.in_flight = Some(offer.request_id.clone());
        drop(state);
        let response = event_response(offer);
        self.recording.response(parked.record, &response);
        parked.connection.write(&response, parked.keep_alive);
        Some(parked.connection)
    }

    /// Answers one request that arrived on `connection`, read by its thread
    /// or (`lent`) by the caller it is lent to, and wakes whoever waits on
    /// what it changed.
    pub(crate) fn serve(
        &self,
        request: &Request,
        connection: &Arc<Connection>,
        lent: bool,
    ) -> Served {
        let record = self.recording.request(request);
        let served = match self.handle(request, connection, record) {
            Reply::Now(response) => {
                if connection.write(&response, request.keep_alive) {
                    Served::Answered
                } else {
                    Served::Closed
                }
            }
            Reply::Later => Served::Parked,
            Reply::Close => {
                connection.close();
                Served::Closed
            }
        };
        self.notify();
        if !lent {
            self.bell.ring();
        }
        served
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

    fn end_answered_locked<'a>(
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

    /// Retires the environment: parked `next` requests are let go unanswered.
    pub(crate) fn retire(&self) {
        self.update(|state| {
            state.retired = true;
            for parked in state.parked.drain(..) {
                parked.connection.close();
            }
        });
        self.bell.ring();
    }

    /// A connection that closed takes its parked `next`, if any, with it.
    pub(crate) fn forget(&self, connection: &Arc<Connection>) {
        self.update(|state| {
            state
                .parked
                .retain(|parked| !Arc::ptr_eq(&parked.connection, connection))
        });
    }

    /// Answers one Runtime API request that arrived on `connection` and was
    /// recorded at `record`.
    fn handle(&self, request: &Request, connection: &Arc<Connection>, record: usize) -> Reply {
        let route = request.target.strip_prefix(self.prefix.as_str());
        let Some(route) =
            route.and_then(|rest| rest.strip_prefix(&format!("/{API_VERSION}/runtime/")))
        else {
            return Reply::Now(not_found());
        };
        let segments: Vec<&str> = route.split('/').collect();
        // ANCHOR: routes
        let response = match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["invocation", "next"]) => {
                return self.next(Parked {
                    connection: connection.clone(),
                    keep_alive: request.keep_alive,
                    record,
                });
            }
            ("POST", ["invocation", id, "response"]) if !id.is_empty() => {
                self.response(id, request)
            }
            ("POST", ["invocation", id, "error"]) if !id.is_empty() => self.error(id, request),
            ("POST", ["init", "error"]) => self.init_error(request),
            (_, ["invocation", "next"]) | (_, ["init", "error"]) => method_not_allowed(),
            (_, ["invocation", id, "response" | "error"]) if !id.is_empty() => method_not_allowed(),
            _ => not_found(),
        };
        self.recording.response(record, &response);
        Reply::Now(response)
        // ANCHOR_END: routes
    }

    // ANCHOR: next
    fn next(&self, request: Parked) -> Reply {
        let mut state = self.lock();
        match state.phase {
            Phase::InitError => {
                let refusal = invalid_transition(Phase::InitError, Phase::Ready);
                self.recording.response(request.record, &refusal);
                return Reply::Now(refusal);
            }
            Phase::Started => state.ready_at = Some(Instant::now()),
            Phase::Ready | Phase::ResponseSent => {}
        }
        // Back for more after answering: Lambda ends the last invocation
        // here, so whatever the runtime logged after its answer belongs to it.
        let mut state = self.end_answered_locked(state);
        state.phase = Phase::Ready;
        if state.retired {
            Reply::Close
        } else if let Some(offer) = state.offered.take() {
            state.in_flight = Some(offer.request_id.clone());
            let response = event_response(offer);
            self.recording.response(request.record, &response);
            Reply::Now(response)
        } else {
            // Long poll: no timeout. On Lambda the environment may be frozen
            // here for minutes; the event is written when there is one, by
            // whoever brings it, who then reads this connection.
            request.connection.lend();
            state.parked.push_back(request);
            Reply::Later
        }
    }
    // ANCHOR_END: next

    fn response(&self, id: &str, request: &Request) -> Response {
        let too_large = request.body.len() > self.limits.response_bytes;
        let answer = if too_large {
            Answer::TooLarge {
                size: request.body.len(),
            }
        } else {
            Answer::Response(request.body.clone())
        };
        match self.accept_answer(id, answer) {
            Err(refusal) => refusal,
            Ok(()) if too_large => Response::json(
                413,
                &json!({
                    "errorMessage": format!("Exceeded maximum allowed payload size ({} bytes).", self.limits.response_bytes),
                    "errorType": "RequestEntityTooLarge",
                }),
            ),
            Ok(()) => accepted(),
        }
    }

    fn error(&self, id: &str, request: &Request) -> Response {
        let answer = Answer::Error {
            error_type: request
                .header("Lambda-Runtime-Function-Error-Type")
                .map(str::to_string),
            body: request.body.clone(),
        };
        self.accept_answer(id, answer)
            .err()
            .unwrap_or_else(accepted)
    }

    // ANCHOR: accept-answer
    /// Takes the runtime's answer for `id`, or the refusal Lambda gives.
    fn accept_answer(&self, id: &str, answer: Answer) -> Result<(), Response> {
        let mut state = self.lock();
        // Lambda checks the id before the state: an unknown or already
        // answered id is a 400, whatever the runtime's state.
        if state.in_flight.as_deref() != Some(id) {
            return Err(invalid_request_id());
        }
        state.in_flight = None;
        state.phase = Phase::ResponseSent;
        state.closing = Closing::Awaiting;
        state.answer = Some((answer, Instant::now()));
        Ok(())
    }
    // ANCHOR_END: accept-answer

    fn init_error(&self, request: &Request) -> Response {
        let mut state = self.lock();
        if state.phase != Phase::Started {
            return invalid_transition(state.phase, Phase::InitError);
        }
        state.phase = Phase::InitError;
        state.init_error = Some(Answer::Error {
            error_type: request
                .header("Lambda-Runtime-Function-Error-Type")
                .map(str::to_string),
            body: request.body.clone(),
        });
        accepted()
    }
}

/// The connections' view of the Runtime API: each method is the sandbox's own.
impl RequestHandler for Sandbox {
    fn serve(&self, request: &Request, connection: &Arc<Connection>, lent: bool) -> Served {
        Sandbox::serve(self, request, connection, lent)
    }

    fn forget(&self, connection: &Arc<Connection>) {
        Sandbox::forget(self, connection);
    }

    fn progress(&self) -> Progress {
        Sandbox::progress(self)
    }

    fn bell(&self) -> &Bell {
        Sandbox::bell(self)
    }
}

fn event_response(offer: Offer) -> Response {
    let mut response = Response::new(200, "application/json", offer.event)
        .with_header("Lambda-Runtime-Aws-Request-Id", &offer.request_id)
        .with_header("Lambda-Runtime-Deadline-Ms", &offer.deadline_ms.to_string())
        .with_header("Lambda-Runtime-Invoked-Function-Arn", &offer.function_arn)
        .with_header("Lambda-Runtime-Trace-Id", &offer.trace_id);
    if let Some(context) = &offer.client_context {
        response = response.with_header("Lambda-Runtime-Client-Context", context);
    }
    if let Some(identity) = &offer.cognito_identity {
        response = response.with_header("Lambda-Runtime-Cognito-Identity", identity);
    }
    response.headers.retain(|(name, _)| {
        !offer
            .headers_left_out
            .iter()
            .any(|left_out| left_out.eq_ignore_ascii_case(name))
    });
    if let EventFraming::Chunked { chunk_bytes } = offer.framing {
        response.chunk_bytes = Some(chunk_bytes);
    }
    response
}

fn accepted() -> Response {
    Response::json(202, &json!({"status": "OK"}))
}

fn invalid_request_id() -> Response {
    Response::json(
        400,
        &json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}),
    )
}

fn invalid_transition(from: Phase, to: Phase) -> Response {
    let message = format!(
        "State transition from {} to {} failed for runtime. Error: State transition is not allowed",
        from.name(),
        to.name()
    );
    Response::json(
        403,
        &json!({"errorMessage": message, "errorType": "InvalidStateTransition"}),
    )
}

/// Lambda's Runtime API answers unknown paths as its Go router does.
pub(crate) fn not_found() -> Response {
    Response::new(404, "text/plain; charset=utf-8", "404 page not found\n")
}

fn method_not_allowed() -> Response {
    Response::new(405, "text/plain; charset=utf-8", "")
}

/// A running Runtime API for one environment.
pub(crate) struct RuntimeApi {
    address: SocketAddr,
    sandbox: Arc<Sandbox>,
}

impl RuntimeApi {
    /// Binds 127.0.0.1 on `port` (0 for any) and serves `sandbox` there.
    pub(crate) fn start(sandbox: Arc<Sandbox>, port: u16) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let address = listener.local_addr()?;
        let serving = sandbox.clone();
        thread::Builder::new()
            .name(format!("runtime-api-{}", address.port()))
            .spawn(move || accept_loop(listener, serving))?;
        Ok(RuntimeApi { address, sandbox })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`: `host:port` as Lambda gives
    /// it, then the path prefix if there is one, and `http://` before it all
    /// when `with_scheme` (cargo-lambda gives `http://host:port/.rt`).
    pub(crate) fn env_value(&self, with_scheme: bool) -> String {
        let scheme = if with_scheme { "http://" } else { "" };
        format!("{scheme}{}{}", self.address, self.sandbox.prefix)
    }

    pub(crate) fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }

    /// Stops accepting, and lets every parked request go.
    pub(crate) fn stop(&self) {
        self.sandbox.retire();
        // The accept loop notices the retirement on its next connection.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_millis(200));
    }
}

fn accept_loop(listener: TcpListener, sandbox: Arc<Sandbox>) {
    for stream in listener.incoming() {
        if sandbox.lock().retired {
            return;
        }
        let Ok(stream) = stream else { continue };
        let sandbox = sandbox.clone();
        let _ = thread::Builder::new()
            .name("runtime-api-connection".to_string())
            .spawn(move || connection::serve(stream, sandbox.as_ref()));
    }
}
