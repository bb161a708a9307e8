//! The Runtime API itself: the HTTP endpoints a runtime calls, served for one
//! execution environment. What they read and change is the environment's
//! sandbox (`sandbox.rs`).
//!
//! Lambda gives each execution environment its own Runtime API. So do we:
//! when a runtime is killed (a timeout, a crash), its API is retired with it,
//! and a late request from the dead process can never take the next event.

use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::EventFraming;
use crate::connection::{self, Bell, Connection, Parked, Progress, Reply, RequestHandler, Served};
use crate::extensions_api::{self, EXTENSIONS_VERSION};
use crate::http::{RESPONSE_MODE, Request, Response};
use crate::response_stream::{self, ResponseStream};
use crate::sandbox::{Answer, Closing, Offer, OnReturn, Phase, Sandbox, SandboxState};
use crate::telemetry_api::{self, TELEMETRY_PATH};

/// The version segment every Runtime API path starts with.
pub const API_VERSION: &str = "2018-06-01";

/// Answers one Runtime API request that arrived on `connection` and was
/// recorded at `record`.
fn handle(
    sandbox: &Sandbox,
    request: &Request,
    reader: &mut BufReader<TcpStream>,
    connection: &Arc<Connection>,
    record: usize,
) -> Reply {
    let path = request.target.strip_prefix(sandbox.prefix.as_str());
    // The Extensions API shares the address.
    let extension_route =
        path.and_then(|rest| rest.strip_prefix(&format!("/{EXTENSIONS_VERSION}/extension/")));
    if let Some(route) = extension_route {
        return extensions_api::handle(sandbox, route, request, connection, record);
    }
    if path == Some(TELEMETRY_PATH) {
        let response = telemetry_api::handle(sandbox, request);
        sandbox.recording.response(record, &response);
        return Reply::Now(response);
    }
    let Some(route) = path.and_then(|rest| rest.strip_prefix(&format!("/{API_VERSION}/runtime/")))
    else {
        return Reply::Now(not_found());
    };
    let segments: Vec<&str> = route.split('/').collect();
    // ANCHOR: routes
    let response = match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["invocation", "next"]) => {
            return next(
                sandbox,
                Parked {
                    connection: connection.clone(),
                    keep_alive: request.keep_alive,
                    record,
                },
            );
        }
        ("POST", ["invocation", id, "response"]) if !id.is_empty() => {
            match request.header(RESPONSE_MODE) {
                _ if request.streamed => streamed_response(sandbox, id, request, reader),
                Some(mode) if !mode.eq_ignore_ascii_case("buffered") => {
                    unknown_response_mode(sandbox, id)
                }
                _ => response(sandbox, id, request),
            }
        }
        ("POST", ["invocation", id, "error"]) if !id.is_empty() => error(sandbox, id, request),
        ("POST", ["init", "error"]) => init_error(sandbox, request),
        (_, ["invocation", "next"]) | (_, ["init", "error"]) => method_not_allowed(),
        (_, ["invocation", id, "response" | "error"]) if !id.is_empty() => method_not_allowed(),
        _ => not_found(),
    };
    sandbox.recording.response(record, &response);
    Reply::Now(response)
    // ANCHOR_END: routes
}

// ANCHOR: next
fn next(sandbox: &Sandbox, request: Parked) -> Reply {
    let mut state = sandbox.lock();
    match state.phase {
        Phase::InitError => {
            let refusal = invalid_transition(Phase::InitError, Phase::Ready);
            sandbox.recording.response(request.record, &refusal);
            return Reply::Now(refusal);
        }
        Phase::Started => state.ready_at = Some(Instant::now()),
        Phase::Ready | Phase::ResponseSent => {}
    }
    // Back for more after answering: Lambda ends the last invocation
    // here (once every extension is back too), so whatever the runtime
    // logged after its answer belongs to it.
    state.runtime_back = true;
    let mut state = sandbox.end_if_all_back(state);
    state.phase = Phase::Ready;
    if state.retired {
        Reply::Close
    } else if let Some(mut offer) = state.offered.take() {
        state.runtime_back = false;
        hand_over(&mut state, &mut offer);
        let response = event_response(offer);
        sandbox.recording.response(request.record, &response);
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

/// The event in `offer` is the runtime's now: its id is in flight, and its
/// answer goes where the caller asked.
fn hand_over(state: &mut SandboxState, offer: &mut Offer) {
    state.in_flight = Some(offer.request_id.clone());
    state.stream_to = offer.stream.take();
    state.streaming_began = false;
}

fn response(sandbox: &Sandbox, id: &str, request: &Request) -> Response {
    let too_large = request.body.len() > sandbox.limits.response_bytes;
    // A caller reading the answer as it comes gets a buffered one whole,
    // before the invocation is over.
    if !too_large && let Some(stream) = take_stream(sandbox, id) {
        let _ = stream
            .start(content_type(request))
            .and_then(|()| stream.send(&request.body));
    }
    let answer = if too_large {
        Answer::TooLarge {
            size: request.body.len(),
        }
    } else {
        Answer::Response(request.body.clone())
    };
    match accept_answer(sandbox, id, answer) {
        Err(refusal) => refusal,
        Ok(()) if too_large => Response::json(
            413,
            &json!({
                "errorMessage": format!("Exceeded maximum allowed payload size ({} bytes).", sandbox.limits.response_bytes),
                "errorType": "RequestEntityTooLarge",
            }),
        ),
        Ok(()) => accepted(),
    }
}

// ANCHOR: streamed-response
/// A streamed answer: passed on as it comes to a caller that reads it so,
/// then taken as the invocation's answer, with the error from its
/// trailers if the runtime reported one there.
fn streamed_response(
    sandbox: &Sandbox,
    id: &str,
    request: &Request,
    reader: &mut BufReader<TcpStream>,
) -> Response {
    if sandbox.lock().in_flight.as_deref() != Some(id) {
        // Read to its end, so that the connection can go on.
        response_stream::forward(reader, None, "", &sandbox.limits, || {});
        return invalid_request_id();
    }
    let stream = take_stream(sandbox, id);
    let began = || sandbox.lock().streaming_began = true;
    let received = response_stream::forward(
        reader,
        stream.as_ref(),
        content_type(request),
        &sandbox.limits,
        began,
    );
    let answer = match received.error {
        Some((error_type, body)) => Answer::Error {
            error_type: Some(error_type),
            body,
        },
        None => Answer::Response(received.body),
    };
    accept_answer(sandbox, id, answer)
        .err()
        .unwrap_or_else(accepted)
}
// ANCHOR_END: streamed-response

/// The answer's content type, as the runtime sent it; JSON if it did not
/// say.
fn content_type(request: &Request) -> &str {
    request.header("Content-Type").unwrap_or("application/json")
}

/// The stream the caller of `id` reads the answer from, if `id` is in
/// flight and its caller reads it so.
fn take_stream(sandbox: &Sandbox, id: &str) -> Option<ResponseStream> {
    let mut state = sandbox.lock();
    if state.in_flight.as_deref() == Some(id) {
        state.stream_to.take()
    } else {
        None
    }
}

/// A response mode Lambda does not know: refused, and the invocation failed.
fn unknown_response_mode(sandbox: &Sandbox, id: &str) -> Response {
    let answer = Answer::Error {
        error_type: Some("Runtime.InvalidResponseModeHeader".to_string()),
        body: Vec::new(),
    };
    if let Err(refusal) = accept_answer(sandbox, id, answer) {
        return refusal;
    }
    Response::json(
        400,
        &json!({
            "errorMessage": format!("Invalid function response mode: {RESPONSE_MODE} must be streaming or buffered"),
            "errorType": "InvalidFunctionResponseMode",
        }),
    )
}

fn error(sandbox: &Sandbox, id: &str, request: &Request) -> Response {
    {
        let state = sandbox.lock();
        if state.in_flight.as_deref() == Some(id) && state.streaming_began {
            return Response::json(
                400,
                &json!({
                    "errorMessage": format!("Invalid request ID: the answer to {id} is already streaming; an error after its first byte goes in the trailers {} and {}", response_stream::ERROR_TYPE_TRAILER, response_stream::ERROR_BODY_TRAILER),
                    "errorType": "InvalidRequestID",
                }),
            );
        }
    }
    let answer = Answer::Error {
        error_type: request
            .header("Lambda-Runtime-Function-Error-Type")
            .map(str::to_string),
        body: request.body.clone(),
    };
    accept_answer(sandbox, id, answer)
        .err()
        .unwrap_or_else(accepted)
}

// ANCHOR: accept-answer
/// Takes the runtime's answer for `id`, or the refusal Lambda gives.
fn accept_answer(sandbox: &Sandbox, id: &str, answer: Answer) -> Result<(), Response> {
    let mut state = sandbox.lock();
    // Lambda checks the id before the state: an unknown or already
    // answered id is a 400, whatever the runtime's state.
    if state.in_flight.as_deref() != Some(id) {
        return Err(invalid_request_id());
    }
    state.in_flight = None;
    state.stream_to = None;
    state.phase = Phase::ResponseSent;
    state.closing = Closing::Awaiting;
    state.answer = Some((answer, Instant::now()));
    Ok(())
}
// ANCHOR_END: accept-answer

fn init_error(sandbox: &Sandbox, request: &Request) -> Response {
    let mut state = sandbox.lock();
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

/// The connections' view of the Runtime API: the endpoints answer each
/// request; the rest is the sandbox's own.
impl RequestHandler for Sandbox {
    /// Answers one request that arrived on `connection`, read by its thread
    /// or (`lent`) by the caller it is lent to, and wakes whoever waits on
    /// what it changed.
    fn serve(
        &self,
        request: &Request,
        reader: &mut BufReader<TcpStream>,
        connection: &Arc<Connection>,
        lent: bool,
    ) -> Served {
        let record = self.recording.request(request);
        let served = match handle(self, request, reader, connection, record) {
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
    if let Some(tenant) = &offer.tenant_id {
        response = response.with_header("Lambda-Runtime-Aws-Tenant-Id", tenant);
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

    /// What the API shares with the supervisor.
    pub(crate) fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }

    /// Hands an event to the runtime: written at once onto a `next` request
    /// that is waiting, by the caller's own thread, or kept for the next
    /// `next` to come. `on_return` is run once the runtime, having answered,
    /// comes back for another event. Returns the connection the event was
    /// written on, now the caller's to read.
    pub(crate) fn offer(
        &self,
        mut offer: Offer,
        on_return: Option<OnReturn>,
    ) -> Option<Arc<Connection>> {
        let sandbox = self.sandbox.as_ref();
        extensions_api::deliver_invoke(sandbox, &offer);
        let mut state = sandbox.lock();
        state.on_return = on_return;
        let Some(parked) = state.parked.pop_front() else {
            state.offered = Some(offer);
            return None;
        };
        state.runtime_back = false;
        hand_over(&mut state, &mut offer);
        drop(state);
        let response = event_response(offer);
        sandbox.recording.response(parked.record, &response);
        parked.connection.write(&response, parked.keep_alive);
        Some(parked.connection)
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
