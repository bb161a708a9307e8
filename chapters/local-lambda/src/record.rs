//! What the local Lambda saw: every Runtime API exchange and every log line,
//! in the order they happened, for tests to snapshot and readers to study.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::http::{Request, Response};

/// One request to the Runtime API and, once it was given, the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    /// Only the headers that carry meaning for Lambda, names in lower case.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    /// `None` while the request waits (a long poll) or if it was never answered
    /// because the execution environment shut down under it.
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Vec<u8>,
}

/// Headers worth recording: Lambda's own and the body's type (which shows,
/// for one, that `curl -d` sends a response as a form).
fn meaningful(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .filter(|(name, _)| name.starts_with("lambda-runtime-") || name == "content-type")
        .collect()
}

#[derive(Debug, Default)]
struct Entries {
    exchanges: Vec<Exchange>,
    log: Vec<String>,
}

/// The shared, append-only record of one local Lambda.
#[derive(Debug, Clone)]
pub struct Recording {
    entries: Arc<Mutex<Entries>>,
    /// Off, nothing is kept: a server's memory stays flat however long it runs.
    enabled: bool,
    /// Set, each request and each answer is also printed to stderr as it
    /// happens, with its time since this instant (`--trace`).
    traced_since: Option<Instant>,
}

impl Default for Recording {
    fn default() -> Recording {
        Recording::new(true)
    }
}

impl Recording {
    /// A recording that keeps everything, or (`enabled` false) nothing.
    pub fn new(enabled: bool) -> Recording {
        Recording {
            entries: Arc::default(),
            enabled,
            traced_since: None,
        }
    }

    /// The same recording, also printing every exchange to stderr as it
    /// happens when `trace` is set: the `--trace` of the `local-lambda`
    /// command, in the form of the tests' transcripts, each half of an
    /// exchange headed by its time in milliseconds since the local Lambda
    /// started, so that a slow step shows where it is.
    pub fn traced(mut self, trace: bool) -> Recording {
        self.traced_since = trace.then(Instant::now);
        self
    }

    /// Prints `lines` to stderr in one write, headed by the time since the start.
    fn trace(&self, lines: &str) {
        if let Some(since) = self.traced_since {
            let ms = since.elapsed().as_secs_f64() * 1000.0;
            eprint!("[runtime api {ms:>10.3} ms] {lines}");
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic elsewhere must not hide what was recorded before it.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether anything is kept.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Records a request as it arrives and returns its place, to fill in the answer later.
    pub(crate) fn request(&self, request: &Request) -> usize {
        if self.traced_since.is_some() {
            let mut lines = format!("{} {}\n", request.method, request.target);
            let headers = meaningful(&request.headers);
            show_headers_and_body(&mut lines, &headers, &request.body, &request.method);
            self.trace(&lines);
        }
        if !self.enabled {
            return usize::MAX;
        }
        let mut entries = self.lock();
        entries.exchanges.push(Exchange {
            method: request.method.clone(),
            path: request.target.clone(),
            request_headers: meaningful(&request.headers),
            request_body: request.body.clone(),
            status: None,
            response_headers: Vec::new(),
            response_body: Vec::new(),
        });
        entries.exchanges.len() - 1
    }

    /// Records the answer to the request at `index`.
    pub(crate) fn response(&self, index: usize, response: &Response) {
        if self.traced_since.is_some() {
            let mut lines = format!("  -> {}\n", response.status);
            let headers = meaningful(&response.headers);
            show_headers_and_body(&mut lines, &headers, &response.body, "");
            self.trace(&lines);
        }
        if !self.enabled {
            return;
        }
        if let Some(exchange) = self.lock().exchanges.get_mut(index) {
            exchange.status = Some(response.status);
            exchange.response_headers = meaningful(&response.headers);
            exchange.response_body = response.body.clone();
        }
    }

    pub(crate) fn log_line(&self, line: String) {
        if self.enabled {
            self.lock().log.push(line);
        }
    }

    /// Every Runtime API exchange so far, in order of arrival.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    /// The function's log so far: the runtime's stdout and stderr, with
    /// Lambda's own `START`, `END` and `REPORT` lines between.
    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }
}

/// Renders exchanges for a reader: each request with its meaningful headers
/// and body, then its answer (or that it never got one).
pub fn render_exchanges(exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    for exchange in exchanges {
        out.push_str(&format!("{} {}\n", exchange.method, exchange.path));
        show_headers_and_body(
            &mut out,
            &exchange.request_headers,
            &exchange.request_body,
            &exchange.method,
        );
        match exchange.status {
            Some(status) => {
                out.push_str(&format!("  -> {status}\n"));
                show_headers_and_body(
                    &mut out,
                    &exchange.response_headers,
                    &exchange.response_body,
                    "",
                );
            }
            None => out.push_str("  -> no answer: the environment shut down while it waited\n"),
        }
    }
    out
}

fn show_headers_and_body(
    out: &mut String,
    headers: &[(String, String)],
    body: &[u8],
    method: &str,
) {
    for (name, value) in headers {
        out.push_str(&format!("     {name}: {value}\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("     body: {}\n", show_body(body)));
    }
}

/// A body as a reader should see it: text as it is but for escaped control
/// characters, long bodies shortened, bytes that are not UTF-8 as hex.
pub fn show_body(body: &[u8]) -> String {
    const LONG: usize = 160;
    let Ok(text) = std::str::from_utf8(body) else {
        let shown: Vec<String> = body
            .iter()
            .take(24)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        return format!(
            "<{} bytes, not UTF-8: {}{}>",
            body.len(),
            shown.join(" "),
            if body.len() > 24 { " …" } else { "" }
        );
    };
    if text.is_empty() {
        return "<empty>".to_string();
    }
    if text.chars().count() > LONG {
        let head: String = text.chars().take(40).collect();
        let tail: String = text
            .chars()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return format!(
            "<{} bytes: {} … {}>",
            body.len(),
            escape_controls(&head),
            escape_controls(&tail)
        );
    }
    escape_controls(text)
}

/// Text with its control characters written as escapes (`\n`, `\r`, `\0`, ...),
/// so a body's exact bytes show on one line.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            control if control.is_control() => out.push_str(&format!("\\x{:02x}", control as u32)),
            other => out.push(other),
        }
    }
    out
}
