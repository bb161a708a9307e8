//! The front door: Lambda's Invoke API, `POST
//! /2015-03-31/functions/{name}/invocations`, at the path AWS's Runtime
//! Interface Emulator serves it in Lambda's base images, so that `curl`,
//! the AWS CLI and AWS's SDKs can invoke the function. The three invocation
//! types, the log's tail, and Lambda's errors, each with its status and
//! `x-amzn-ErrorType`; the request is read in `invoke_request.rs`. The
//! same port serves `InvokeWithResponseStream` (`invoke_stream.rs`).

use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::async_invoke;
use crate::function_url;
use crate::http::{self, Request, Response};
use crate::invocation::Invocation;
use crate::invoke_request::{self, InvocationType, Payloads, log_result, refused};
use crate::invoke_stream;
use crate::lambda::LocalLambda;

/// The path `curl` posts to, as with AWS's base images.
pub const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";

/// A running invoke endpoint. Dropped, it stops taking connections and
/// lets go of its local Lambda, which ends its runtimes when the last
/// holder lets go too: a program that drops both leaves nothing running.
pub struct FrontDoor {
    address: SocketAddr,
    stopped: Arc<AtomicBool>,
}

impl FrontDoor {
    /// Serves invocations of `lambda` on 127.0.0.1:`port` (0 for any) until
    /// dropped, refusing payloads that are not JSON as Lambda does.
    pub fn start(lambda: Arc<LocalLambda>, port: u16) -> std::io::Result<FrontDoor> {
        FrontDoor::start_with(lambda, port, Payloads::JsonOnly)
    }

    /// The same, with `payloads` saying what to do with one that is not JSON.
    pub fn start_with(
        lambda: Arc<LocalLambda>,
        port: u16,
        payloads: Payloads,
    ) -> std::io::Result<FrontDoor> {
        let door = Door {
            payloads,
            function_url: false,
        };
        FrontDoor::start_door(lambda, port, door)
    }

    /// Serves `lambda` as a Function URL in streaming mode does, as well as
    /// through the Invoke API, on 127.0.0.1:`port` (0 for any).
    pub fn start_function_url(lambda: Arc<LocalLambda>, port: u16) -> std::io::Result<FrontDoor> {
        let door = Door {
            payloads: Payloads::JsonOnly,
            function_url: true,
        };
        FrontDoor::start_door(lambda, port, door)
    }

    /// The same, with `door` saying what it serves.
    pub fn start_door(
        lambda: Arc<LocalLambda>,
        port: u16,
        door: Door,
    ) -> std::io::Result<FrontDoor> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let address = listener.local_addr()?;
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        thread::Builder::new()
            .name("front-door".to_string())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let lambda = lambda.clone();
                    let _ = thread::Builder::new()
                        .name("front-door-connection".to_string())
                        .spawn(move || serve_connection(stream, &lambda, door));
                }
            })?;
        Ok(FrontDoor { address, stopped })
    }

    /// The full URL to POST events to.
    pub fn invoke_url(&self) -> String {
        format!("http://{}{INVOKE_PATH}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

/// What a front door serves, besides the Invoke API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Door {
    /// What to do with a payload that is not JSON.
    pub payloads: Payloads,
    /// Whether a request outside Lambda's API paths goes to the function, as
    /// to a Function URL in streaming mode (`function_url.rs`).
    pub function_url: bool,
}

/// Serves one caller's connection: requests one after another, the
/// streaming doors' answered as they come, the others whole.
fn serve_connection(stream: TcpStream, lambda: &Arc<LocalLambda>, door: Door) {
    let payloads = door.payloads;
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(&stream);
    while let Some(request) = http::read_next(&mut reader, &mut &stream) {
        let kept = if invoke_stream::is_stream_path(&request.target) {
            invoke_stream::serve(&request, &stream, lambda, payloads)
        } else if door.function_url && function_url::is_function_path(&request.target) {
            function_url::serve(&request, &stream, lambda)
        } else {
            let response = handle(&request, lambda, payloads);
            http::write_response(&mut &stream, &response, request.keep_alive).is_ok()
        };
        if !(kept && request.keep_alive) {
            return;
        }
    }
}

// ANCHOR: handle
/// Answers one request to the front door, as Lambda's Invoke API would.
pub(crate) fn handle(request: &Request, lambda: &Arc<LocalLambda>, payloads: Payloads) -> Response {
    if !is_invoke_path(&request.target) {
        return Response::new(404, "text/plain; charset=utf-8", "404 page not found\n");
    }
    if request.method != "POST" {
        return Response::new(405, "text/plain; charset=utf-8", "");
    }
    let read = match invoke_request::read(request, payloads, lambda.limits()) {
        Ok(read) => read,
        Err(refusal) => return refused(&refusal),
    };
    let request_id = read.invocation.request_id.clone().unwrap_or_default();
    let answer = match read.invocation_type {
        InvocationType::DryRun => Response::new(204, "application/json", ""),
        InvocationType::Event => queue_event(lambda, read.invocation),
        InvocationType::RequestResponse => run(lambda, read.invocation),
    };
    answer.with_header("x-amzn-RequestId", &request_id)
}
// ANCHOR_END: handle

/// An asynchronous invocation: queued, answered `202` with no body.
fn queue_event(lambda: &Arc<LocalLambda>, invocation: Invocation) -> Response {
    async_invoke::queue(
        lambda.clone(),
        invocation,
        lambda.async_retry_delays().to_vec(),
    );
    Response::new(202, "application/json", "")
}

/// A synchronous invocation: the function's answer, or its error document
/// marked with `X-Amz-Function-Error`, and the log when it was asked for.
fn run(lambda: &LocalLambda, invocation: Invocation) -> Response {
    let outcome = match lambda.invoke(invocation) {
        Ok(outcome) => outcome,
        Err(rejection) => return refused(&rejection.into()),
    };
    let mut response = Response::new(200, "application/json", outcome.body().to_vec())
        .with_header("X-Amz-Executed-Version", lambda.function_version());
    if !outcome.is_success() {
        // Lambda marks every failure reported by or about the runtime as unhandled.
        response = response.with_header("X-Amz-Function-Error", "Unhandled");
    }
    if let Some(log) = &outcome.log {
        response = response.with_header("X-Amz-Log-Result", &log_result(log));
    }
    response
}

impl Drop for FrontDoor {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // The accept loop notices on its next connection: this one.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_millis(200));
    }
}

/// `/2015-03-31/functions/<any name>/invocations`, as the emulator accepts.
fn is_invoke_path(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix("/2015-03-31/functions/") else {
        return false;
    };
    matches!(rest.split_once('/'), Some((name, "invocations")) if !name.is_empty() && !name.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_function_name_like_the_emulator() {
        assert!(is_invoke_path(INVOKE_PATH));
        assert!(is_invoke_path(
            "/2015-03-31/functions/my-function/invocations?Qualifier=1"
        ));
        assert!(!is_invoke_path("/2015-03-31/functions//invocations"));
        assert!(!is_invoke_path("/2018-06-01/runtime/invocation/next"));
    }
}
