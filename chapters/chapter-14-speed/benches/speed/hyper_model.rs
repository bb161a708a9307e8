//! Should the local Lambda's Runtime API be served by hyper? Measured here
//! rather than guessed: the floor's exchange (the minimal client's `next`
//! and response) served by hyper on tokio's current-thread runtime, first
//! with canned answers (hyper's HTTP alone), then with each event brought
//! by a caller on another thread and the answer taken back to it, as a
//! local Lambda on hyper must do it: there a connection belongs to a task
//! on hyper's thread, and no caller can write an event onto it or read the
//! answer itself. Beside them, the local Lambda with the same client as its
//! runtime, in this process too.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::TcpListener;
use std::sync::{Arc, mpsc as std_mpsc};
use std::thread;
use std::time::Instant;

use chapter_14::measure::Latencies;
use chapter_14::minimal::MinimalClient;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use tokio::sync::{Mutex, mpsc};

use super::{EVENT, micros};

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

/// Where the server's events come from and its answers go.
enum Events {
    /// The same event every time, answered to nobody: hyper's HTTP alone.
    Canned,
    /// Events sent by a caller thread, answers sent back to it.
    FromCaller {
        events: Mutex<mpsc::UnboundedReceiver<Vec<u8>>>,
        answers: std_mpsc::Sender<Vec<u8>>,
    },
}

/// Serves the Runtime API's two requests with hyper on a current-thread
/// runtime of its own thread; returns the address.
fn start_server(events: Events) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("non-blocking");
    let address = listener.local_addr().expect("address").to_string();
    let events = Arc::new(events);
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).expect("nodelay");
                let events = events.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, events.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    address
}

async fn answer(
    request: Request<Incoming>,
    events: Arc<Events>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let is_next = request.method() == Method::GET;
    let body = request
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let response = match (&*events, is_next) {
        (Events::Canned, true) => event_response(EVENT.as_bytes().to_vec()),
        (Events::FromCaller { events, .. }, true) => match events.lock().await.recv().await {
            Some(event) => event_response(event),
            None => status(410),
        },
        (Events::Canned, false) => status(202),
        (Events::FromCaller { answers, .. }, false) => {
            let _ = answers.send(body.to_vec());
            status(202)
        }
    };
    Ok(response)
}

fn event_response(event: Vec<u8>) -> Response<Full<Bytes>> {
    Response::builder()
        .header("Lambda-Runtime-Aws-Request-Id", REQUEST_ID)
        .body(Full::new(Bytes::from(event)))
        .expect("a response")
}

fn status(code: u16) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .body(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")))
        .expect("a response")
}

/// The minimal client as a runtime on a thread of its own, until its API
/// stops answering.
fn start_runtime(address: String) {
    thread::spawn(move || {
        let mut client = MinimalClient::connect(&address).expect("connect");
        while let Ok(event) = client.next_invocation() {
            let id = event
                .header("lambda-runtime-aws-request-id")
                .unwrap_or("none")
                .to_string();
            if client.send_response(&id, &event.body).is_err() {
                return;
            }
        }
    });
}

/// The floor's exchange, with hyper's server instead of the canned one.
fn hyper_floor(events: usize) -> Latencies {
    let mut client = MinimalClient::connect(&start_server(Events::Canned)).expect("connect");
    let samples = (0..events)
        .map(|_| {
            let started = Instant::now();
            let event = client.next_invocation().expect("next");
            client
                .send_response(REQUEST_ID, &event.body)
                .expect("respond");
            started.elapsed()
        })
        .collect();
    Latencies::new(samples)
}

/// Events brought from this thread to hyper's, and answers taken back.
fn hyper_with_caller(events: usize) -> Latencies {
    let (event_sender, event_receiver) = mpsc::unbounded_channel();
    let (answer_sender, answers) = std_mpsc::channel();
    start_runtime(start_server(Events::FromCaller {
        events: Mutex::new(event_receiver),
        answers: answer_sender,
    }));
    let samples = (0..events)
        .map(|_| {
            let started = Instant::now();
            event_sender
                .send(EVENT.as_bytes().to_vec())
                .expect("send the event");
            let answer = answers.recv().expect("an answer");
            assert_eq!(answer, EVENT.as_bytes());
            started.elapsed()
        })
        .collect();
    Latencies::new(samples)
}

/// The same, through the local Lambda, with the same client as its runtime.
fn local_lambda_in_process(events: usize) -> Latencies {
    let mut config = FunctionConfig::embedded(std::env::temp_dir());
    config.record = false;
    let lambda = LocalLambda::start(config).expect("start a local Lambda");
    start_runtime(lambda.runtime_api().expect("an embedded API is up at once"));
    let samples = (0..events)
        .map(|_| {
            let started = Instant::now();
            let outcome = lambda.invoke(Invocation::new(EVENT)).expect("invoked");
            assert_eq!(outcome.body(), EVENT.as_bytes());
            started.elapsed()
        })
        .collect();
    Latencies::new(samples)
}

/// The four medians, with the floor's from the same run for scale.
pub fn report(events: usize, floor: &Latencies) -> String {
    let rows = [
        ("floor: canned answers, hand-written server", floor.median()),
        ("floor: canned answers, hyper", hyper_floor(events).median()),
        (
            "events from another thread, hyper",
            hyper_with_caller(events).median(),
        ),
        (
            "events from another thread, the local Lambda",
            local_lambda_in_process(events).median(),
        ),
    ];
    let mut out = format!(
        "\nthe Runtime API on hyper? the minimal client in this process, {events} events each:\n"
    );
    for (what, median) in rows {
        let _ = writeln!(
            out,
            "  {what:<48} {:>6.0} µs  ({:.2}x the floor)",
            micros(median),
            micros(median) / micros(floor.median())
        );
    }
    out
}
