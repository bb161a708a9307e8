//! Chapter 16: extensions and shutdown.
//!
//! A runtime does not always live alone in its execution environment. An
//! *extension* is a program Lambda starts beside it, from a layer's
//! `/opt/extensions` folder, before the runtime: it registers with the
//! Extensions API, at the same address as the Runtime API, for the events
//! it wants, then loops on `event/next` as a runtime loops on `next`. It
//! hears of every invocation (`INVOKE`) and of the end (`SHUTDOWN`), and
//! its presence changes how the environment ends: only with an extension
//! does the runtime get SIGTERM before it is killed.
//!
//! This library is the Extensions API's client, small enough to read in
//! one go, with the Telemetry API's subscription; `src/bin/chapter-16-extension.rs`
//! is an extension built on it, the same as `bash/logger`, and
//! `src/bin/chapter-16-telemetry.rs` a telemetry subscriber.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

// ANCHOR: event
/// One event from `event/next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An invocation has begun: its request id, and its deadline in ms
    /// since the Unix epoch.
    Invoke {
        request_id: String,
        deadline_ms: u64,
    },
    /// The environment is ending: why (`spindown`, `timeout`, `failure`),
    /// and by when the extension must be done, in ms since the epoch.
    Shutdown { reason: String, deadline_ms: u64 },
}
// ANCHOR_END: event

/// An extension registered with the Extensions API.
pub struct Extension {
    agent: ureq::Agent,
    /// `http://<AWS_LAMBDA_RUNTIME_API>/2020-01-01/extension`.
    base: String,
    /// `http://<AWS_LAMBDA_RUNTIME_API>/2022-07-01/telemetry`: the
    /// Telemetry API, at the same address.
    telemetry: String,
    /// What Lambda called it at registration: `Lambda-Extension-Identifier`.
    id: String,
}

impl Extension {
    // ANCHOR: register
    /// Registers as `name` (an external extension's is its file's name)
    /// for `events` (`INVOKE`, `SHUTDOWN`) with the Extensions API at
    /// `runtime_api` (`host:port`, from `AWS_LAMBDA_RUNTIME_API`). Errors:
    /// the API cannot be reached, or refuses, with its status and message.
    pub fn register(runtime_api: &str, name: &str, events: &[&str]) -> Result<Extension, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // event/next is a long poll: no time limit on an answer.
            .timeout_global(None::<Duration>)
            .build()
            .into();
        let base = format!("http://{runtime_api}/2020-01-01/extension");
        let body = serde_json::json!({ "events": events }).to_string();
        let response = agent
            .post(&format!("{base}/register"))
            .header("Lambda-Extension-Name", name)
            .send(body.as_bytes())
            .map_err(|error| format!("register: {error}"))?;
        let response = accepted(response, "register")?;
        let id = response
            .headers()
            .get("Lambda-Extension-Identifier")
            .and_then(|id| id.to_str().ok())
            .ok_or("register: the answer has no Lambda-Extension-Identifier")?
            .to_string();
        let telemetry = format!("http://{runtime_api}/2022-07-01/telemetry");
        Ok(Extension {
            agent,
            base,
            telemetry,
            id,
        })
    }
    // ANCHOR_END: register

    // ANCHOR: next
    /// Waits for the next event. Errors: the API cannot be reached, refuses,
    /// or sends an event this client does not know.
    pub fn next_event(&self) -> Result<Event, String> {
        let response = self
            .agent
            .get(&format!("{}/event/next", self.base))
            .header("Lambda-Extension-Identifier", &self.id)
            .call()
            .map_err(|error| format!("event/next: {error}"))?;
        let mut response = accepted(response, "event/next")?;
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|error| format!("event/next: {error}"))?;
        let event: Value =
            serde_json::from_slice(&body).map_err(|error| format!("event/next: {error}"))?;
        let text = |field: &str| event[field].as_str().unwrap_or_default().to_string();
        let deadline_ms = event["deadlineMs"].as_u64().unwrap_or_default();
        match event["eventType"].as_str() {
            Some("INVOKE") => Ok(Event::Invoke {
                request_id: text("requestId"),
                deadline_ms,
            }),
            Some("SHUTDOWN") => Ok(Event::Shutdown {
                reason: text("shutdownReason"),
                deadline_ms,
            }),
            _ => Err(format!(
                "event/next: an event this extension does not know: {event}"
            )),
        }
    }
    // ANCHOR_END: next

    /// Reports that the extension cannot start, with `error_type`
    /// (`Extension.<Reason>`): Lambda fails the environment's Init.
    pub fn init_error(&self, error_type: &str) -> Result<(), String> {
        let response = self
            .agent
            .post(&format!("{}/init/error", self.base))
            .header("Lambda-Extension-Identifier", &self.id)
            .header("Lambda-Extension-Function-Error-Type", error_type)
            .send(&b"{}"[..])
            .map_err(|error| format!("init/error: {error}"))?;
        accepted(response, "init/error").map(|_| ())
    }
}

// ANCHOR: subscribe
impl Extension {
    /// Subscribes to the Telemetry API: Lambda will POST `types` of record
    /// (`platform`, `function`, `extension`) to `destination`, an
    /// `http://sandbox.localdomain:<port>` address served by this
    /// extension, as JSON arrays of at most `max_items`, and no later than
    /// `timeout_ms` (25 to 30,000 ms) after a batch's first record.
    /// Errors: the API cannot be reached, or refuses (`400 ValidationError`
    /// for values outside Lambda's bounds).
    pub fn subscribe_telemetry(
        &self,
        destination: &str,
        types: &[&str],
        max_items: u32,
        timeout_ms: u32,
    ) -> Result<(), String> {
        let subscription = serde_json::json!({
            "schemaVersion": "2022-12-13",
            "destination": { "protocol": "HTTP", "URI": destination },
            "types": types,
            "buffering": { "maxItems": max_items, "timeoutMs": timeout_ms },
        });
        let response = self
            .agent
            .put(&self.telemetry)
            .header("Lambda-Extension-Identifier", &self.id)
            .send(subscription.to_string().as_bytes())
            .map_err(|error| format!("telemetry subscription: {error}"))?;
        accepted(response, "telemetry subscription").map(|_| ())
    }
}
// ANCHOR_END: subscribe

// ANCHOR: log
/// Writes one line to the function's log, in one write. The runtime and
/// every extension share that log; `eprintln!` writes its pieces one by
/// one, and a line of the runtime's could land between them.
pub fn log(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
// ANCHOR_END: log

/// The extension's name: Lambda names an external extension by its file's
/// name, which is this program's; `extension` if that cannot be read.
pub fn own_name() -> String {
    std::env::args()
        .next()
        .and_then(|path| {
            let name = std::path::Path::new(&path).file_name()?;
            Some(name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "extension".to_string())
}

/// The response, if its status is a success; else an error with the status
/// and Lambda's error type and message.
fn accepted(
    mut response: ureq::http::Response<ureq::Body>,
    request: &str,
) -> Result<ureq::http::Response<ureq::Body>, String> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Err(format!("{request}: {status} {body}"))
}
