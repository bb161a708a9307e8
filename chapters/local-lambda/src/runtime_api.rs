//! The Runtime API itself: the HTTP endpoints a runtime calls, served for one
//! execution environment.
//!
//! Lambda gives each execution environment its own Runtime API. So do we:
//! when a runtime is killed (a timeout, a crash), its API is retired with it,
//! and a late request from the dead process can never take the next event.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::Limits;
use crate::http::{self, Request, Response};
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

/// Everything the supervisor and the API's connections share about one environment.
#[derive(Debug)]
pub(crate) struct SandboxState {
    phase: Phase,
    offered: Option<Offer>,
    in_flight: Option<String>,
    pub answer: Option<Answer>,
    pub init_error: Option<Answer>,
    /// When the runtime first asked for an event: the end of its init.
    pub ready_at: Option<Instant>,
    /// How many `next` requests are parked waiting for an event.
    pub waiting: usize,
    /// Set by the process watcher when the runtime exits.
    pub exited: Option<String>,
    retired: bool,
}

/// The shared state plus the condition variable everyone waits on.
#[derive(Debug)]
pub(crate) struct Sandbox {
    state: Mutex<SandboxState>,
    changed: Condvar,
    limits: Limits,
    /// A path the API is served under, such as cargo-lambda's `/.rt`; empty on Lambda.
    prefix: String,
}

impl Sandbox {
    pub(crate) fn new(limits: Limits, prefix: &str) -> Sandbox {
        Sandbox {
            state: Mutex::new(SandboxState {
                phase: Phase::Started,
                offered: None,
                in_flight: None,
                answer: None,
                init_error: None,
                ready_at: None,
                waiting: 0,
                exited: None,
                retired: false,
            }),
            changed: Condvar::new(),
            limits,
            prefix: prefix.trim_end_matches('/').to_string(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SandboxState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` under the lock and wakes everyone waiting.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut SandboxState) -> T) -> T {
        let result = change(&mut self.lock());
        self.changed.notify_all();
        result
    }

    /// Waits until `done` holds or `deadline` passes; returns the final state's guard.
    pub(crate) fn wait_until(
        &self,
        deadline: Instant,
        mut done: impl FnMut(&SandboxState) -> bool,
    ) -> MutexGuard<'_, SandboxState> {
        let mut state = self.lock();
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
        state
    }

    /// Hands an event to the runtime's next (or current) `next` request.
    pub(crate) fn offer(&self, offer: Offer) {
        self.update(|state| state.offered = Some(offer));
    }

    /// Forgets the event in flight after the supervisor gave up on it (a
    /// timeout with a runtime that cannot be restarted, such as an embedded one).
    pub(crate) fn abandon_in_flight(&self) {
        self.update(|state| {
            state.in_flight = None;
            state.offered = None;
            state.answer = None;
        });
    }

    /// Retires the environment: parked `next` requests are let go unanswered.
    pub(crate) fn retire(&self) {
        self.update(|state| state.retired = true);
    }

    /// Answers one Runtime API request; `None` means close the connection
    /// without an answer (the environment was retired under a long poll).
    pub(crate) fn handle(&self, request: &Request) -> Option<Response> {
        let route = request.target.strip_prefix(self.prefix.as_str());
        let Some(route) =
            route.and_then(|rest| rest.strip_prefix(&format!("/{API_VERSION}/runtime/")))
        else {
            return Some(not_found());
        };
        let segments: Vec<&str> = route.split('/').collect();
        // ANCHOR: routes
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["invocation", "next"]) => self.next(),
            ("POST", ["invocation", id, "response"]) if !id.is_empty() => {
                Some(self.response(id, request))
            }
            ("POST", ["invocation", id, "error"]) if !id.is_empty() => {
                Some(self.error(id, request))
            }
            ("POST", ["init", "error"]) => Some(self.init_error(request)),
            (_, ["invocation", "next"]) | (_, ["init", "error"]) => Some(method_not_allowed()),
            (_, ["invocation", id, "response" | "error"]) if !id.is_empty() => {
                Some(method_not_allowed())
            }
            _ => Some(not_found()),
        }
        // ANCHOR_END: routes
    }

    // ANCHOR: next
    fn next(&self) -> Option<Response> {
        let mut state = self.lock();
        match state.phase {
            Phase::InitError => return Some(invalid_transition(Phase::InitError, Phase::Ready)),
            Phase::Started => state.ready_at = Some(Instant::now()),
            Phase::Ready | Phase::ResponseSent => {}
        }
        state.phase = Phase::Ready;
        state.waiting += 1;
        self.changed.notify_all();
        // Long poll: no timeout. On Lambda the environment may be frozen here
        // for minutes; the answer comes when there is an event.
        while state.offered.is_none() && !state.retired {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.waiting -= 1;
        if state.retired {
            return None;
        }
        let offer = state.offered.take().expect("checked above");
        state.in_flight = Some(offer.request_id.clone());
        self.changed.notify_all();
        Some(event_response(offer))
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
        state.answer = Some(answer);
        self.changed.notify_all();
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
        self.changed.notify_all();
        accepted()
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
    pub(crate) fn start(
        sandbox: Arc<Sandbox>,
        port: u16,
        recording: Recording,
    ) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let address = listener.local_addr()?;
        let serving = sandbox.clone();
        thread::Builder::new()
            .name(format!("runtime-api-{}", address.port()))
            .spawn(move || accept_loop(listener, serving, recording))?;
        Ok(RuntimeApi { address, sandbox })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`: `host:port` as Lambda gives
    /// it, or with a path prefix the URL form cargo-lambda gives.
    pub(crate) fn env_value(&self) -> String {
        if self.sandbox.prefix.is_empty() {
            self.address.to_string()
        } else {
            format!("http://{}{}", self.address, self.sandbox.prefix)
        }
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

fn accept_loop(listener: TcpListener, sandbox: Arc<Sandbox>, recording: Recording) {
    for stream in listener.incoming() {
        if sandbox.lock().retired {
            return;
        }
        let Ok(stream) = stream else { continue };
        let sandbox = sandbox.clone();
        let recording = recording.clone();
        let _ = thread::Builder::new()
            .name("runtime-api-connection".to_string())
            .spawn(move || serve_connection(stream, &sandbox, &recording));
    }
}

fn serve_connection(stream: TcpStream, sandbox: &Sandbox, recording: &Recording) {
    http::serve_connection(stream, |request| {
        let index = recording.request(request);
        let response = sandbox.handle(request)?;
        recording.response(index, &response);
        Some(response)
    });
}
