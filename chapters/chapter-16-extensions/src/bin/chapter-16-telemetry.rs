//! A telemetry subscriber: an external extension that subscribes to
//! Lambda's `platform` records through the Telemetry API and writes one
//! line to the function's log for each invocation's `platform.report`, the
//! same figures as Lambda's `REPORT` line, taken from the record.
//!
//! It listens on `TELEMETRY_LISTEN_ADDRESS` (`host:port`; port 0 picks a
//! free one). On Lambda that is `sandbox.localdomain:<port>`, the name of
//! the execution environment's own address, which is the default; under
//! the local Lambda, which delivers to 127.0.0.1, `127.0.0.1:0`.
//!
//! Exit status: 0 after `SHUTDOWN`; 1 when it cannot listen, or the
//! Extensions or Telemetry API cannot be reached or refuses (the message
//! names which, and Lambda's answer).

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use chapter_16::{Event, Extension, log, own_name};
use serde_json::Value;

/// Where to listen on Lambda, where `sandbox.localdomain` is the
/// environment's own address. Port 4243 is free there: only extensions
/// listen in an execution environment.
const LAMBDA_LISTEN_ADDRESS: &str = "sandbox.localdomain:4243";

/// How the subscriber asks Lambda to batch: at most 1,000 records
/// (Lambda's least `maxItems`; the most is 10,000), and no later than
/// 100 ms after a batch's first record (Lambda allows 25 to 30,000 ms), so
/// that a report arrives soon after its invocation.
const MAX_ITEMS: u32 = 1_000;
const TIMEOUT_MS: u32 = 100;

// ANCHOR: main
fn main() -> ExitCode {
    let name = own_name();
    match subscribe_and_wait(&name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log(&format!("{name}: {error}"));
            ExitCode::FAILURE
        }
    }
}

/// Registers for `SHUTDOWN` only (an extension that does not ask for
/// `INVOKE` never holds an invocation up), starts its HTTP server,
/// subscribes, and waits for the end.
fn subscribe_and_wait(name: &str) -> Result<(), String> {
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set: Lambda starts extensions, not you")?;
    let extension = Extension::register(&runtime_api, name, &["SHUTDOWN"])?;
    let listen = std::env::var("TELEMETRY_LISTEN_ADDRESS")
        .unwrap_or_else(|_| LAMBDA_LISTEN_ADDRESS.to_string());
    let server = tiny_http::Server::http(&listen).map_err(|error| {
        format!("cannot listen on {listen} (TELEMETRY_LISTEN_ADDRESS): {error}")
    })?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|address| address.port())
        .ok_or("the server has no TCP port")?;
    // The main thread will wait in event/next; the server needs its own.
    let reporter = name.to_string();
    thread::spawn(move || receive_batches(&server, &reporter));
    // Lambda delivers only to this host name, whatever the extension binds.
    let destination = format!("http://sandbox.localdomain:{port}");
    extension.subscribe_telemetry(&destination, &["platform"], MAX_ITEMS, TIMEOUT_MS)?;
    log(&format!("{name}: subscribed"));
    loop {
        if let Event::Shutdown { reason, .. } = extension.next_event()? {
            log(&format!("{name}: SHUTDOWN ({reason})"));
            // The last batch may still be on its way: it goes at most
            // TIMEOUT_MS after its first record. Twice that is well inside
            // the 2 s Lambda gives extensions at SHUTDOWN.
            thread::sleep(Duration::from_millis(2 * u64::from(TIMEOUT_MS)));
            return Ok(());
        }
    }
}
// ANCHOR_END: main

// ANCHOR: receive
/// Answers every batch Lambda POSTs with `200`, after writing a line for
/// each `platform.report` in it. A batch that is not a JSON array is
/// answered `400` and named in the log.
fn receive_batches(server: &tiny_http::Server, name: &str) {
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        let read = std::io::Read::read_to_end(request.as_reader(), &mut body);
        let batch: Result<Vec<Value>, String> = read
            .map_err(|error| error.to_string())
            .and_then(|_| serde_json::from_slice(&body).map_err(|error| error.to_string()));
        let status = match batch {
            Ok(records) => {
                for record in records.iter().filter(|r| r["type"] == "platform.report") {
                    log(&format!("{name}: {}", report_line(&record["record"])));
                }
                200
            }
            Err(error) => {
                log(&format!(
                    "{name}: a batch that is not a JSON array: {error}"
                ));
                400
            }
        };
        let _ = request.respond(tiny_http::Response::empty(status));
    }
}

/// A `platform.report` record's figures in the words of Lambda's `REPORT`
/// line: `durationMs` and `billedDurationMs` in ms, `maxMemoryUsedMB` and
/// `memorySizeMB` in MB, and `initDurationMs` after a cold start.
fn report_line(record: &Value) -> String {
    let metrics = &record["metrics"];
    let mut line = format!(
        "platform.report {}: {}, Duration: {} ms, Billed Duration: {} ms, Max Memory Used: {} MB of {} MB",
        record["requestId"].as_str().unwrap_or("?"),
        record["status"].as_str().unwrap_or("?"),
        metrics["durationMs"],
        metrics["billedDurationMs"],
        metrics["maxMemoryUsedMB"],
        metrics["memorySizeMB"],
    );
    if let Some(init) = metrics.get("initDurationMs") {
        line.push_str(&format!(", Init Duration: {init} ms"));
    }
    line
}
// ANCHOR_END: receive
