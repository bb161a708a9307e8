//! The function's log: one pipe that the runtime's stdout and stderr and
//! Lambda's own `START`/`END`/`REPORT` lines all go through.
//!
//! On Lambda everything a runtime prints lands in one CloudWatch stream, with
//! Lambda's lines between. Writing our lines into the same pipe as the
//! runtime's keeps that order honest: whatever the runtime printed before it
//! POSTed its answer is already in the pipe when we write `END`.

use std::io::{self, BufRead, BufReader, PipeWriter, Write};
use std::process::Stdio;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::config::LogLevel;
use crate::record::Recording;
use crate::telemetry::{Telemetry, stamped};

/// Marks the start of a line written by Lambda rather than by the runtime, so
/// that it starts a fresh line even after a runtime's unfinished one.
const LAMBDA_LINE: u8 = 0x1e;
/// Marks a sync request: the reader acknowledges its number and prints nothing.
const SYNC: u8 = 0x1f;

#[derive(Default)]
struct Acknowledged {
    count: Mutex<u64>,
    changed: Condvar,
}

/// A copy of the log's lines while an invocation asked for them
/// (`X-Amz-Log-Type: Tail`), without the environment's label: `None` when
/// nobody asked.
#[derive(Clone, Default)]
pub(crate) struct Tap(Arc<Mutex<Option<Vec<u8>>>>);

impl Tap {
    /// The lines copied so far; copying stops.
    pub(crate) fn take(&self) -> Vec<u8> {
        crate::lock(&self.0).take().unwrap_or_default()
    }

    fn copy(&self, line: &[u8]) {
        if let Some(lines) = crate::lock(&self.0).as_mut() {
            lines.extend_from_slice(line);
            lines.push(b'\n');
        }
    }

    fn is_on(&self) -> bool {
        crate::lock(&self.0).is_some()
    }
}

/// One execution environment's log.
pub(crate) struct LogPipe {
    /// Neither recorded nor echoed: Lambda's own lines are not written at
    /// all, and the runtime's output is only drained.
    quiet: bool,
    /// `None` once closed.
    writer: Mutex<Option<PipeWriter>>,
    acknowledged: Arc<Acknowledged>,
    syncs_sent: Mutex<u64>,
    reader_done: Mutex<Receiver<()>>,
    tap: Tap,
    /// The environment's telemetry, which gets every line too.
    telemetry: Arc<Telemetry>,
    /// With the JSON log format: Lambda's own lines are JSON records.
    json: bool,
}

impl LogPipe {
    /// Opens the pipe and starts the thread that reads it into `recording`
    /// and `telemetry`. With a `label`, every line starts with it (`[env 2] `,
    /// with several environments). With `json_logs` (the JSON log format
    /// and its level), Lambda's lines are JSON records, and the function's
    /// JSON records below the level are dropped.
    pub(crate) fn open(
        recording: Recording,
        echo: bool,
        label: Option<String>,
        telemetry: Arc<Telemetry>,
        json_logs: Option<LogLevel>,
    ) -> io::Result<LogPipe> {
        let quiet = !echo && !recording.is_enabled();
        let (reader, writer) = io::pipe()?;
        let acknowledged = Arc::new(Acknowledged::default());
        let (done, reader_done) = mpsc::channel();
        let shared = acknowledged.clone();
        let tap = Tap::default();
        let copies = tap.clone();
        let lines_for_telemetry = telemetry.clone();
        thread::Builder::new()
            .name("function-log".to_string())
            .spawn(move || {
                let sink = LineSink {
                    recording,
                    echo,
                    label: label.unwrap_or_default(),
                    tap: copies,
                    telemetry: lines_for_telemetry,
                    json_logs,
                };
                read_lines(BufReader::new(reader), &sink, &shared);
                let _ = done.send(());
            })?;
        Ok(LogPipe {
            quiet,
            writer: Mutex::new(Some(writer)),
            acknowledged,
            syncs_sent: Mutex::new(0),
            reader_done: Mutex::new(reader_done),
            tap,
            telemetry,
            json: json_logs.is_some(),
        })
    }

    /// Starts copying the log's lines for an invocation that asked for them.
    pub(crate) fn tap(&self) -> Tap {
        *crate::lock(&self.tap.0) = Some(Vec::new());
        self.tap.clone()
    }

    /// Two ends of the pipe for a runtime's stdout and stderr.
    pub(crate) fn child_stdio(&self) -> io::Result<(Stdio, Stdio)> {
        let writer = self.writer.lock().expect("log writer lock");
        let writer = writer
            .as_ref()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the log is closed"))?;
        Ok((writer.try_clone()?.into(), writer.try_clone()?.into()))
    }

    /// Whether nobody reads this log, so that its lines need not be made.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet && !self.tap.is_on() && !self.telemetry.has_subscribers()
    }

    /// The environment's telemetry.
    pub(crate) fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// Writes one of Lambda's own lines (`START`, `END`, `REPORT`, ...).
    pub(crate) fn lambda_line(&self, line: &str) {
        if !self.is_quiet() {
            self.write_marked(LAMBDA_LINE, line);
        }
    }

    /// One of Lambda's own lines that the Telemetry API also knows as the
    /// record `platform.<kind>`: `text` in the text log format, the record
    /// stamped with its time and type in the JSON format. `to_telemetry`
    /// sends the record to the telemetry as well. Each is made only if
    /// someone will read it.
    pub(crate) fn platform_line(
        &self,
        kind: &str,
        text: impl FnOnce() -> String,
        record: impl FnOnce() -> Value,
        to_telemetry: bool,
    ) {
        let write = !self.is_quiet();
        let needed = (write && self.json) || (to_telemetry && self.telemetry.is_listening());
        let record = needed.then(record);
        if let (true, Some(record)) = (to_telemetry, &record) {
            self.telemetry.platform(kind, || record.clone());
        }
        if !write {
            return;
        }
        match record {
            Some(record) if self.json => {
                let line = stamped(&format!("platform.{kind}"), record).to_string();
                self.write_marked(LAMBDA_LINE, &line);
            }
            _ => self.write_marked(LAMBDA_LINE, &text()),
        }
    }

    /// Waits until every line written so far has reached the recording.
    pub(crate) fn sync(&self) {
        if self.is_quiet() {
            return;
        }
        let number = {
            let mut sent = self.syncs_sent.lock().expect("sync counter lock");
            *sent += 1;
            *sent
        };
        self.write_marked(SYNC, &number.to_string());
        let count = self.acknowledged.count.lock().expect("ack lock");
        // Bounded: a reader that died must not hang the emulator.
        let _ =
            self.acknowledged
                .changed
                .wait_timeout_while(count, Duration::from_secs(5), |count| *count < number);
    }

    fn write_marked(&self, marker: u8, text: &str) {
        let mut record = Vec::with_capacity(text.len() + 2);
        record.push(marker);
        record.extend_from_slice(text.as_bytes());
        record.push(b'\n');
        // One write, under the pipe's atomic size for our short lines, so a
        // runtime writing at the same moment cannot split it.
        if let Some(writer) = self.writer.lock().expect("log writer lock").as_mut() {
            let _ = writer.write_all(&record);
        }
    }

    /// Closes our end and waits (briefly) for the reader to drain what the
    /// runtime left. A process that escaped its group can keep the pipe open;
    /// then its last lines are read later or not at all.
    pub(crate) fn close(&self) {
        drop(self.writer.lock().expect("log writer lock").take());
        let reader_done = self.reader_done.lock().expect("log reader lock");
        let _ = reader_done.recv_timeout(Duration::from_secs(2));
    }
}

/// Where the log's lines go.
struct LineSink {
    recording: Recording,
    echo: bool,
    label: String,
    tap: Tap,
    telemetry: Arc<Telemetry>,
    /// With the JSON log format, its level.
    json_logs: Option<LogLevel>,
}

impl LineSink {
    /// A line the runtime (or an extension) wrote: the telemetry's
    /// `function` records get it too. With the JSON log format, a JSON
    /// record below the level is dropped, as Lambda drops it.
    fn emit_function(&self, line: &[u8]) {
        if let Some(least) = self.json_logs
            && record_level(line) < least
        {
            return;
        }
        self.telemetry.function_line(&String::from_utf8_lossy(line));
        self.emit(line);
    }

    fn emit(&self, line: &[u8]) {
        self.tap.copy(line);
        let line = format!("{}{}", self.label, String::from_utf8_lossy(line));
        if self.echo {
            eprintln!("{line}");
        }
        self.recording.log_line(line);
    }
}

/// The level of a line in the JSON log format: its `"level"` if it is a
/// JSON object with a level Lambda knows; `INFO` otherwise (a line that is
/// not a JSON object, or has no level or an unknown one), as Lambda reads it.
/// Python's names for two levels, which AWS's Python client writes, are
/// read as Lambda's.
fn record_level(line: &[u8]) -> LogLevel {
    let level = |record: &Value| -> Option<LogLevel> {
        let name = record.get("level")?.as_str()?;
        match name.to_ascii_uppercase().as_str() {
            "WARNING" => Some(LogLevel::Warn),
            "CRITICAL" => Some(LogLevel::Fatal),
            _ => LogLevel::parse(name),
        }
    };
    serde_json::from_slice::<Value>(line)
        .ok()
        .and_then(|record| level(&record))
        .unwrap_or(LogLevel::Info)
}

fn read_lines(mut reader: impl BufRead, sink: &LineSink, acknowledged: &Acknowledged) {
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if raw.last() == Some(&b'\n') {
            raw.pop();
        }
        let (runtime_part, lambda_part) = match raw
            .iter()
            .position(|&byte| byte == LAMBDA_LINE || byte == SYNC)
        {
            Some(at) => (&raw[..at], Some(&raw[at..])),
            None => (&raw[..], None),
        };
        if !runtime_part.is_empty() || lambda_part.is_none() {
            sink.emit_function(runtime_part);
        }
        match lambda_part {
            Some([LAMBDA_LINE, text @ ..]) => sink.emit(text),
            Some([SYNC, number @ ..]) => acknowledge(acknowledged, number),
            _ => {}
        }
    }
}

fn acknowledge(acknowledged: &Acknowledged, number: &[u8]) {
    let number = String::from_utf8_lossy(number).parse().unwrap_or(0);
    let mut count = acknowledged.count.lock().expect("ack lock");
    *count = (*count).max(number);
    acknowledged.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn lambda_lines_start_fresh_after_an_unfinished_runtime_line() {
        let recording = Recording::default();
        let pipe = LogPipe::open(recording.clone(), false, None, Arc::default(), None).unwrap();
        let (stdout, stderr) = pipe.child_stdio().unwrap();
        let status = Command::new("sh")
            .args(["-c", "echo one; printf two >&2"])
            .stdout(stdout)
            .stderr(stderr)
            .status()
            .unwrap();
        assert!(status.success());
        pipe.lambda_line("END RequestId: x");
        pipe.sync();
        assert_eq!(recording.log(), ["one", "two", "END RequestId: x"]);
        pipe.close();
    }
}
