//! Chapter 12: an R runtime.
//!
//! The reader this workbook grew from wanted to run R on Lambda. The runtime
//! built so far needs one new piece for that: a way to call an R function.
//! `_HANDLER=function.handler` now means: load `function.R` from the task
//! root and call its `handler` with the event, a character string. A string
//! answer is the response as it is; a list or a data frame goes out as JSON.
//!
//! R can be run in two ways, and this crate does both: a fresh `Rscript` for
//! every event (simple, and slow: R starts in a few hundred milliseconds), or
//! one R process started at init that loads the handler once and serves
//! events over a pipe (fast; restarted if R itself dies).

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use chapter_09::ErrorReport;

/// The R side of the runtime (`src/worker.R`), given to `Rscript -e`, so that
/// the runtime is one self-contained binary.
const WORKER: &str = include_str!("worker.R");

/// How R is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A fresh `Rscript` for every event.
    PerEvent,
    /// One R process for all events, restarted if it dies.
    Persistent,
}

impl Mode {
    /// The mode named by `R_RUNTIME_MODE` (`per-event` or `persistent`, the default).
    pub fn from_env() -> Result<Mode, ErrorReport> {
        match std::env::var("R_RUNTIME_MODE").as_deref() {
            Err(_) | Ok("persistent") => Ok(Mode::Persistent),
            Ok("per-event") => Ok(Mode::PerEvent),
            Ok(other) => Err(ErrorReport::new(
                "Runtime.InitError",
                format!("R_RUNTIME_MODE {other:?} is neither per-event nor persistent"),
            )),
        }
    }
}

/// Why a call of the R handler gave no response.
#[derive(Debug)]
pub enum CallError {
    /// The handler signalled an R condition: its class and message.
    Handler(ErrorReport),
    /// R itself went away mid-event (killed, or crashed).
    Died,
}

// ANCHOR: worker
/// One R process running `worker.R`, with the handler loaded.
pub struct RWorker {
    child: Child,
    to_worker: ChildStdin,
    from_worker: BufReader<ChildStdout>,
}

impl RWorker {
    /// Starts R, which loads `script` and checks that it defines `function`.
    pub fn start(script: &Path, function: &str) -> Result<RWorker, ErrorReport> {
        let cannot_start = |error: io::Error| {
            ErrorReport::new(
                "Runtime.InitError",
                format!("cannot start Rscript: {error}"),
            )
        };
        let mut child = Command::new("Rscript")
            .args(["--no-save", "--no-restore", "-e", WORKER])
            .arg(script)
            .arg(function)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(cannot_start)?;
        let to_worker = child.stdin.take().expect("stdin was piped");
        let from_worker = BufReader::new(child.stdout.take().expect("stdout was piped"));
        let mut worker = RWorker {
            child,
            to_worker,
            from_worker,
        };
        match read_message(&mut worker.from_worker) {
            Ok(Some((kind, _))) if kind == "ready" => Ok(worker),
            Ok(Some((kind, payload))) if kind == "init-error" => Err(init_error(&payload)),
            _ => Err(ErrorReport::new(
                "Runtime.ImportModuleError",
                "R exited before it loaded the handler",
            )),
        }
    }

    /// Hands one event to the handler and waits for its answer.
    pub fn call(&mut self, event: &[u8]) -> Result<Vec<u8>, CallError> {
        let sent = writeln!(self.to_worker, "event {}", event.len())
            .and_then(|()| self.to_worker.write_all(event))
            .and_then(|()| self.to_worker.flush());
        if sent.is_err() {
            return Err(CallError::Died);
        }
        match read_message(&mut self.from_worker) {
            Ok(Some((kind, response))) if kind == "ok" => Ok(response),
            Ok(Some((kind, payload))) if kind == "error" => {
                Err(CallError::Handler(condition(&payload)))
            }
            _ => Err(CallError::Died),
        }
    }
}
// ANCHOR_END: worker

impl Drop for RWorker {
    /// Closing stdin ends the worker's loop; a worker that is stuck is killed.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message: a `<kind> <length>` line, then that many bytes.
/// `None` when the worker has gone.
fn read_message(reader: &mut impl BufRead) -> io::Result<Option<(String, Vec<u8>)>> {
    let mut header = String::new();
    if reader.read_line(&mut header)? == 0 {
        return Ok(None);
    }
    let Some((kind, length)) = header.trim_end().split_once(' ') else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a bad header from R: {header:?}"),
        ));
    };
    let length: usize = length
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a bad length from R"))?;
    let mut payload = vec![0; length];
    reader.read_exact(&mut payload)?;
    Ok(Some((kind.to_string(), payload)))
}

/// An R condition, sent as `<class>\n<message>`, as an error report whose
/// type is the condition's class (`simpleError` for `stop()`).
fn condition(payload: &[u8]) -> ErrorReport {
    let text = String::from_utf8_lossy(payload);
    let (class, message) = text.split_once('\n').unwrap_or(("error", &text));
    ErrorReport::new(class, message)
}

/// The init error for a handler R could not load.
fn init_error(payload: &[u8]) -> ErrorReport {
    let report = condition(payload);
    let error_type = if report.error_type == "noSuchHandler" {
        "Runtime.NoSuchHandler"
    } else {
        "Runtime.ImportModuleError"
    };
    ErrorReport::new(error_type, report.message)
}

/// An R handler, run in one of the two modes.
pub struct RHandler {
    script: PathBuf,
    function: String,
    mode: Mode,
    /// The running worker, in persistent mode.
    worker: Option<RWorker>,
}

impl RHandler {
    /// Loads the handler once, to report a missing function or a broken
    /// script at init. In persistent mode that R process stays.
    pub fn init(script: &Path, function: &str, mode: Mode) -> Result<RHandler, ErrorReport> {
        let worker = RWorker::start(script, function)?;
        let kept = if mode == Mode::Persistent {
            Some(worker)
        } else {
            None
        };
        Ok(RHandler {
            script: script.to_path_buf(),
            function: function.to_string(),
            mode,
            worker: kept,
        })
    }

    // ANCHOR: answer
    /// Answers one event. In persistent mode the worker survives handler
    /// errors; when R itself dies, this event fails and the next one gets a
    /// fresh worker.
    pub fn answer(&mut self, event: &[u8]) -> Result<Vec<u8>, ErrorReport> {
        if event.contains(&0) {
            return Err(ErrorReport::new(
                "Runtime.InvalidEvent",
                "the event contains a NUL byte, which an R string cannot hold",
            ));
        }
        let mut worker = match self.worker.take() {
            Some(worker) => worker,
            None => RWorker::start(&self.script, &self.function)?,
        };
        let answer = worker.call(event);
        let survived = !matches!(answer, Err(CallError::Died));
        if self.mode == Mode::Persistent && survived {
            self.worker = Some(worker);
        }
        answer.map_err(|error| match error {
            CallError::Handler(report) => report,
            CallError::Died => ErrorReport::new(
                "Runtime.RWorkerDied",
                "R exited while it handled the event; the next event starts a new R",
            ),
        })
    }
    // ANCHOR_END: answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_framed_messages() {
        let mut input = &b"ok 5\nhelloerror 16\nsimpleError\nboom"[..];
        assert_eq!(
            read_message(&mut input).unwrap(),
            Some(("ok".to_string(), b"hello".to_vec()))
        );
        let (kind, payload) = read_message(&mut input).unwrap().unwrap();
        assert_eq!(
            (kind.as_str(), condition(&payload)),
            ("error", ErrorReport::new("simpleError", "boom"))
        );
        assert_eq!(read_message(&mut input).unwrap(), None);
    }

    #[test]
    fn a_missing_function_is_no_such_handler() {
        assert_eq!(
            init_error(b"noSuchHandler\nf.R defines no function g").error_type,
            "Runtime.NoSuchHandler"
        );
        assert_eq!(
            init_error(b"simpleError\nparse error").error_type,
            "Runtime.ImportModuleError"
        );
    }
}
