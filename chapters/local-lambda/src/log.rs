//! The function's log: one pipe that the runtime's stdout and stderr and
//! Lambda's own `START`/`END`/`REPORT` lines all go through. Each
//! extension writes into a pipe of its own, whose lines are forwarded into
//! this one marked as an extension's: the Telemetry API tells them apart.
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
/// Marks a line an extension wrote, forwarded from its own pipe.
const EXTENSION_LINE: u8 = 0x1d;

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
    /// With the JSON log format, the system log level: Lambda's own lines
    /// are JSON records, those below the level left out.
    json_system_level: Option<LogLevel>,
    /// Our ends of the extensions' pipes, for syncs; emptied at close.
    extensions: Mutex<Vec<Forwarded>>,
}

/// An extension's pipe, whose lines a thread forwards into the log.
struct Forwarded {
    writer: PipeWriter,
    acknowledged: Arc<Acknowledged>,
    syncs_sent: u64,
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
        system_log_level: LogLevel,
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
            json_system_level: json_logs.map(|_| system_log_level),
            extensions: Mutex::new(Vec::new()),
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

    /// Two ends of a new pipe for an extension's stdout and stderr. A
    /// thread forwards each line into the log, marked as the extension's.
    pub(crate) fn extension_stdio(&self) -> io::Result<(Stdio, Stdio)> {
        let log = self.writer.lock().expect("log writer lock");
        let log = log
            .as_ref()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the log is closed"))?
            .try_clone()?;
        let (reader, writer) = io::pipe()?;
        let acknowledged = Arc::new(Acknowledged::default());
        let shared = acknowledged.clone();
        thread::Builder::new()
            .name("extension-log".to_string())
            .spawn(move || forward_lines(BufReader::new(reader), log, &shared))?;
        let stdio = (writer.try_clone()?.into(), writer.try_clone()?.into());
        crate::lock(&self.extensions).push(Forwarded {
            writer,
            acknowledged,
            syncs_sent: 0,
        });
        Ok(stdio)
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
    /// someone will read it. In the JSON format a record below the system
    /// log level goes to the telemetry only.
    pub(crate) fn platform_line(
        &self,
        kind: &str,
        text: impl FnOnce() -> String,
        record: impl FnOnce() -> Value,
        to_telemetry: bool,
    ) {
        let below_level = self
            .json_system_level
            .is_some_and(|least| system_level(kind) < least);
        let write = !self.is_quiet() && !below_level;
        let json = self.json_system_level.is_some();
        let needed = (write && json) || (to_telemetry && self.telemetry.is_listening());
        let record = needed.then(record);
        if let (true, Some(record)) = (to_telemetry, &record) {
            self.telemetry.platform(kind, || record.clone());
        }
        if !write {
            return;
        }
        match record {
            Some(record) if json => {
                let line = stamped(&format!("platform.{kind}"), record).to_string();
                self.write_marked(LAMBDA_LINE, &line);
            }
            _ => self.write_marked(LAMBDA_LINE, &text()),
        }
    }

    /// Waits until every line written so far has reached the recording:
    /// first the extensions' lines have reached the log, then the log's
    /// lines the recording.
    pub(crate) fn sync(&self) {
        if self.is_quiet() {
            return;
        }
        for extension in crate::lock(&self.extensions).iter_mut() {
            extension.syncs_sent += 1;
            let number = extension.syncs_sent;
            let _ = extension
                .writer
                .write_all(format!("{}{number}\n", SYNC as char).as_bytes());
            wait_for(&extension.acknowledged, number);
        }
        let number = {
            let mut sent = self.syncs_sent.lock().expect("sync counter lock");
            *sent += 1;
            *sent
        };
        self.write_marked(SYNC, &number.to_string());
        wait_for(&self.acknowledged, number);
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
        crate::lock(&self.extensions).clear();
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

    /// A line an extension wrote: the same, but an `extension` record for
    /// the telemetry.
    fn emit_extension(&self, line: &[u8]) {
        if let Some(least) = self.json_logs
            && record_level(line) < least
        {
            return;
        }
        self.telemetry
            .extension_line(&String::from_utf8_lossy(line));
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

/// The level of Lambda's record `platform.<kind>`, for the system log
/// level: the records of a runtime being done are `DEBUG`, the rest `INFO`.
fn system_level(kind: &str) -> LogLevel {
    match kind {
        "runtimeDone" | "initRuntimeDone" => LogLevel::Debug,
        _ => LogLevel::Info,
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

/// Reads the next line into `raw`, without its newline; false at the end
/// of the pipe.
fn next_line(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> bool {
    raw.clear();
    match reader.read_until(b'\n', raw) {
        Ok(0) | Err(_) => false,
        Ok(_) => {
            if raw.last() == Some(&b'\n') {
                raw.pop();
            }
            true
        }
    }
}

fn read_lines(mut reader: impl BufRead, sink: &LineSink, acknowledged: &Acknowledged) {
    let mut raw = Vec::new();
    while next_line(&mut reader, &mut raw) {
        let (runtime_part, lambda_part) = match raw
            .iter()
            .position(|&byte| [LAMBDA_LINE, SYNC, EXTENSION_LINE].contains(&byte))
        {
            Some(at) => (&raw[..at], Some(&raw[at..])),
            None => (&raw[..], None),
        };
        if !runtime_part.is_empty() || lambda_part.is_none() {
            sink.emit_function(runtime_part);
        }
        match lambda_part {
            Some([LAMBDA_LINE, text @ ..]) => sink.emit(text),
            Some([EXTENSION_LINE, text @ ..]) => sink.emit_extension(text),
            Some([SYNC, number @ ..]) => acknowledge(acknowledged, number),
            _ => {}
        }
    }
}

/// Copies an extension's lines from `reader` into the log, each in one
/// write and marked as an extension's, and acknowledges its syncs once
/// the lines before them are in the log.
fn forward_lines(mut reader: impl BufRead, mut log: PipeWriter, acknowledged: &Acknowledged) {
    let mut raw = Vec::new();
    while next_line(&mut reader, &mut raw) {
        let (line, sync) = match raw.iter().position(|&byte| byte == SYNC) {
            Some(at) => (&raw[..at], Some(&raw[at + 1..])),
            None => (&raw[..], None),
        };
        if !line.is_empty() || sync.is_none() {
            let mut marked = Vec::with_capacity(line.len() + 2);
            marked.push(EXTENSION_LINE);
            marked.extend_from_slice(line);
            marked.push(b'\n');
            let _ = log.write_all(&marked);
        }
        if let Some(number) = sync {
            acknowledge(acknowledged, number);
        }
    }
}

/// Waits until `acknowledged` has reached `number`; bounded, so that a
/// reader that died cannot hang the local Lambda.
fn wait_for(acknowledged: &Acknowledged, number: u64) {
    let count = acknowledged.count.lock().expect("ack lock");
    let _ = acknowledged
        .changed
        .wait_timeout_while(count, Duration::from_secs(5), |count| *count < number);
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
        let pipe = LogPipe::open(
            recording.clone(),
            false,
            None,
            Arc::default(),
            None,
            LogLevel::Info,
        )
        .unwrap();
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
