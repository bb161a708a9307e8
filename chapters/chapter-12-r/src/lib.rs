//! Chapter 12: an R runtime.
//!
//! The reader this workbook grew from wanted to run R on Lambda. The runtime
//! built so far needs one new piece for that: a way to call an R function.
//! `_HANDLER=function.handler` now means: load `function.R` from the task
//! root and call its `handler`, the way lambdr, the R runtime people use
//! today, calls it: the event's JSON becomes the handler's arguments, a
//! handler that asks for `context` gets it, and API Gateway, EventBridge
//! and SNS events are unpacked (`src/lambdr.R`). The first, simplest form,
//! where the handler gets the event as one string, stays as a style.
//!
//! R can be run in two ways, and this crate does both: a fresh `Rscript` for
//! every event (simple, and slow: R starts in a few hundred milliseconds), or
//! one R process started at init that loads the handler once and serves
//! events over a pipe (fast; restarted if R itself dies or will not stop at
//! its deadline).

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use chapter_06::HandlerError;
use chapter_08::RuntimeError;
use chapter_09::{ErrorReport, init_report, invocation_report};
use chapter_10::Context;
use chapter_11::{handler_deadline, wait_readable};

/// The R side of the runtime (`src/lambdr.R`, then `src/worker.R`), built
/// into the binary, so that the runtime is one self-contained file.
const WORKER: &str = concat!(include_str!("lambdr.R"), include_str!("worker.R"));

/// How R gets [`WORKER`]: `Rscript -e` takes at most 10,000 bytes of code,
/// so the code travels in an environment variable, read and then removed.
const RUN_WORKER: &str =
    r#"eval(parse(text = Sys.getenv("R_RUNTIME_WORKER")), envir = globalenv())"#;

/// How long R has to answer the runtime's SIGINT before it is killed: an R
/// handler stuck in C code only sees the interrupt when it is back in R.
pub const INTERRUPT_GRACE: Duration = Duration::from_millis(50);

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

/// How the handler is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// lambdr's conventions: the event's JSON as arguments, `context`, API
    /// Gateway, EventBridge and SNS; the result sent as JSON.
    Lambdr,
    /// The event as one character string; a string answer sent as it is.
    String,
}

impl Style {
    /// The style named by `R_HANDLER_STYLE` (`lambdr`, the default, or `string`).
    pub fn from_env() -> Result<Style, ErrorReport> {
        match std::env::var("R_HANDLER_STYLE").as_deref() {
            Err(_) | Ok("lambdr") => Ok(Style::Lambdr),
            Ok("string") => Ok(Style::String),
            Ok(other) => Err(ErrorReport::new(
                "Runtime.InitError",
                format!("R_HANDLER_STYLE {other:?} is neither lambdr nor string"),
            )),
        }
    }

    fn argument(self) -> &'static str {
        match self {
            Style::Lambdr => "lambdr",
            Style::String => "string",
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
    /// The handler was still running at its deadline, and was stopped.
    TimedOut,
}

// ANCHOR: worker
/// One R process running `worker.R`, with the handler loaded.
pub struct RWorker {
    child: Child,
    to_worker: ChildStdin,
    from_worker: BufReader<ChildStdout>,
    /// False once the worker may hold an interrupt it has not seen yet: it
    /// answered just as the runtime sent SIGINT. Such a worker is replaced.
    sound: bool,
}

impl RWorker {
    /// Starts R, which loads `script` and checks that it defines `function`.
    pub fn start(script: &Path, function: &str, style: Style) -> Result<RWorker, ErrorReport> {
        let cannot_start = |error: io::Error| {
            ErrorReport::new(
                "Runtime.InitError",
                format!("cannot start Rscript: {error}"),
            )
        };
        let mut child = Command::new("Rscript")
            .args(["--no-save", "--no-restore", "-e", RUN_WORKER])
            .env("R_RUNTIME_WORKER", WORKER)
            .envs(environment_for_r())
            .arg(script)
            .arg(function)
            .arg(style.argument())
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
            sound: true,
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

    // ANCHOR: call
    /// Hands one event and its context to the handler and waits for its
    /// answer; each piece the handler streams (chapter 17) goes to
    /// `on_chunk` as it comes. At `interrupt_at` R is sent SIGINT, which
    /// stops the handler; a worker that does not answer that in
    /// [`INTERRUPT_GRACE`] is dead to us.
    pub fn call(
        &mut self,
        event: &[u8],
        context: &Context,
        interrupt_at: Instant,
        on_chunk: &mut dyn FnMut(&[u8]),
    ) -> Result<Vec<u8>, CallError> {
        if self.send(event, context).is_err() {
            return Err(CallError::Died);
        }
        let mut interrupted = false;
        let answer = loop {
            if !self.answer_by(interrupt_at) && !interrupted {
                // SAFETY: kill(2) on our own child's pid, which we have not reaped.
                unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
                interrupted = true;
            }
            if interrupted && !self.answer_by(Instant::now() + INTERRUPT_GRACE) {
                self.sound = false;
                return Err(CallError::TimedOut);
            }
            match read_message(&mut self.from_worker) {
                Ok(Some((kind, piece))) if kind == "chunk" => on_chunk(&piece),
                answer => break answer,
            }
        };
        if interrupted && !matches!(&answer, Ok(Some((kind, _))) if kind == "timeout") {
            self.sound = false;
        }
        match answer {
            Ok(Some((kind, response))) if kind == "ok" => Ok(response),
            Ok(Some((kind, payload))) if kind == "error" => {
                Err(CallError::Handler(error_report(&payload)))
            }
            Ok(Some((kind, _))) if kind == "timeout" => Err(CallError::TimedOut),
            _ => Err(CallError::Died),
        }
    }
    // ANCHOR_END: call

    /// Whether this worker can take another event.
    pub fn is_sound(&self) -> bool {
        self.sound
    }

    fn send(&mut self, event: &[u8], context: &Context) -> io::Result<()> {
        let fields = format!(
            "{}\n{}\n{}\n",
            context.request_id,
            context.invoked_function_arn,
            context.trace_id.as_deref().unwrap_or("")
        );
        // Ten digits, so the worker reads the header in one go (see worker.R).
        writeln!(self.to_worker, "event {:010}", fields.len() + event.len())?;
        self.to_worker.write_all(fields.as_bytes())?;
        self.to_worker.write_all(event)?;
        self.to_worker.flush()
    }

    /// Whether the worker has started to answer (or has gone) by `deadline`.
    fn answer_by(&self, deadline: Instant) -> bool {
        !self.from_worker.buffer().is_empty()
            || wait_readable(self.from_worker.get_ref(), Some(deadline))
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

// ANCHOR: environment
/// What the runtime adds to R's environment, beyond the function's own: a
/// locale R can use, and huge pages for R's heap. Public so that the
/// benchmark can start R alone exactly as the runtime starts it.
pub fn environment_for_r() -> Vec<(&'static str, String)> {
    let tunables = std::env::var("GLIBC_TUNABLES").ok();
    let mut environment = vec![("GLIBC_TUNABLES", tunables_for_r(tunables.as_deref()))];
    if let Some(locale) = locale_for_r() {
        environment.push(locale);
    }
    environment
}

/// glibc's malloc, given this tunable, asks the kernel for transparent huge
/// pages (2 MiB) for the memory it takes. R fills about 70 MB as it starts;
/// page by page (4 KiB) that is some 17,000 page faults, each a trip into
/// the kernel to find, zero and map a page, and a good part of R's start.
/// glibc before 2.35, and a kernel with transparent huge pages set to
/// `never`, ignore it.
const HUGE_PAGES_FOR_MALLOC: &str = "glibc.malloc.hugetlb=1";

/// The function's own `GLIBC_TUNABLES`, with huge pages for malloc added
/// unless it already says what malloc should do about them
/// (`glibc.malloc.hugetlb=0` turns them off).
fn tunables_for_r(function_tunables: Option<&str>) -> String {
    match function_tunables {
        Some(tunables) if tunables.contains("glibc.malloc.hugetlb=") => tunables.to_string(),
        Some(tunables) if !tunables.is_empty() => format!("{tunables}:{HUGE_PAGES_FOR_MALLOC}"),
        _ => HUGE_PAGES_FOR_MALLOC.to_string(),
    }
}
// ANCHOR_END: environment

/// Lambda sets `LANG=en_US.UTF-8`; where that locale is not installed, R
/// warns at every start and falls back to "C", which knows no UTF-8. Then R
/// gets `C.UTF-8`, which glibc always has.
fn locale_for_r() -> Option<(&'static str, String)> {
    let lang = std::env::var("LANG").ok()?;
    let name = std::ffi::CString::new(lang).ok()?;
    // SAFETY: newlocale(3) with a valid C string and no base locale; the
    // result, when there is one, is freed at once.
    let locale = unsafe { libc::newlocale(libc::LC_ALL_MASK, name.as_ptr(), std::ptr::null_mut()) };
    if locale.is_null() {
        return Some(("LC_ALL", "C.UTF-8".to_string()));
    }
    // SAFETY: a locale newlocale(3) returned, freed once.
    unsafe { libc::freelocale(locale) };
    None
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

/// The worker's error document (Lambda's JSON: the R condition's class as
/// `errorType`, its message, the R calls as `stackTrace`) as an error report.
fn error_report(payload: &[u8]) -> ErrorReport {
    let document: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    let text = |field: &str| document[field].as_str().unwrap_or_default().to_string();
    let stack_trace = document["stackTrace"]
        .as_array()
        .map(|frames| {
            frames
                .iter()
                .filter_map(|frame| frame.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if document["errorType"].as_str().is_none() {
        let received = String::from_utf8_lossy(payload);
        return ErrorReport::new(
            "Runtime.RWorkerProtocol",
            format!("R sent an error this runtime cannot read: {received:?}"),
        );
    }
    ErrorReport::new(&text("errorType"), text("errorMessage")).with_stack_trace(stack_trace)
}

/// The init error for a handler R could not load.
fn init_error(payload: &[u8]) -> ErrorReport {
    let report = error_report(payload);
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
    style: Style,
    /// The running worker, in persistent mode.
    worker: Option<RWorker>,
}

impl RHandler {
    /// Loads the handler once, to report a missing function or a broken
    /// script at init. In persistent mode that R process stays.
    pub fn init(
        script: &Path,
        function: &str,
        mode: Mode,
        style: Style,
    ) -> Result<RHandler, ErrorReport> {
        let worker = RWorker::start(script, function, style)?;
        let kept = if mode == Mode::Persistent {
            Some(worker)
        } else {
            None
        };
        Ok(RHandler {
            script: script.to_path_buf(),
            function: function.to_string(),
            mode,
            style,
            worker: kept,
        })
    }

    /// Answers one event whole: what the handler streamed, if anything,
    /// then what it returned.
    pub fn answer(&mut self, event: &[u8], context: &Context) -> Result<Vec<u8>, ErrorReport> {
        let mut streamed = Vec::new();
        let rest = self.answer_streaming(event, context, &mut |piece| {
            streamed.extend_from_slice(piece)
        })?;
        streamed.extend_from_slice(&rest);
        Ok(streamed)
    }

    // ANCHOR: answer
    /// Answers one event, passing each piece the handler streams to
    /// `on_chunk` as it comes; returns what the handler returned, which
    /// comes after. In persistent mode the worker survives handler errors
    /// and handlers stopped at their deadline; when R itself dies, or will
    /// not stop, this event fails and the next one gets a fresh worker.
    pub fn answer_streaming(
        &mut self,
        event: &[u8],
        context: &Context,
        on_chunk: &mut dyn FnMut(&[u8]),
    ) -> Result<Vec<u8>, ErrorReport> {
        if event.contains(&0) {
            return Err(ErrorReport::new(
                "Runtime.InvalidEvent",
                "the event contains a NUL byte, which an R string cannot hold",
            ));
        }
        let mut worker = match self.worker.take() {
            Some(worker) => worker,
            None => RWorker::start(&self.script, &self.function, self.style)?,
        };
        let answer = worker.call(event, context, handler_deadline(context), on_chunk);
        let survived = worker.is_sound() && !matches!(answer, Err(CallError::Died));
        if self.mode == Mode::Persistent && survived {
            self.worker = Some(worker);
        }
        answer.map_err(|error| match error {
            CallError::Handler(report) => report,
            CallError::TimedOut => invocation_report(&HandlerError::TimedOut),
            CallError::Died => ErrorReport::new(
                "Runtime.RWorkerDied",
                "R exited while it handled the event; the next event starts a new R",
            ),
        })
    }
    // ANCHOR_END: answer
}

/// Init: the R handler named by `_HANDLER` (chapters 2, 3 and 9, with `.R`
/// for `.sh`), loaded in the mode `R_RUNTIME_MODE` and the style
/// `R_HANDLER_STYLE` ask for. Errors: what Lambda should hear at
/// `init/error`.
pub fn handler_from_env() -> Result<RHandler, ErrorReport> {
    let settings =
        chapter_02::settings().map_err(|error| init_report(&RuntimeError::Startup(error)))?;
    let invalid = |error| init_report(&RuntimeError::Handler(error));
    let handler = chapter_03::parse_handler(&settings.handler).map_err(invalid)?;
    let script = handler
        .locate_with(Path::new(&settings.task_root), "R")
        .map_err(invalid)?;
    RHandler::init(
        &script,
        &handler.function,
        Mode::from_env()?,
        Style::from_env()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_framed_messages() {
        let error = br#"{"errorMessage":"boom","errorType":"simpleError","stackTrace":["f() at function.R:2","stop(\"boom\")"]}"#;
        let mut framed = b"ok 5\nhello".to_vec();
        framed.extend_from_slice(format!("error {}\n", error.len()).as_bytes());
        framed.extend_from_slice(error);
        let mut input = &framed[..];
        assert_eq!(
            read_message(&mut input).unwrap(),
            Some(("ok".to_string(), b"hello".to_vec()))
        );
        let (kind, payload) = read_message(&mut input).unwrap().unwrap();
        assert_eq!(
            (kind.as_str(), error_report(&payload)),
            (
                "error",
                ErrorReport::new("simpleError", "boom").with_stack_trace(vec![
                    "f() at function.R:2".to_string(),
                    r#"stop("boom")"#.to_string()
                ])
            )
        );
        assert_eq!(read_message(&mut input).unwrap(), None);
    }

    #[test]
    fn huge_pages_are_added_to_the_functions_own_tunables() {
        assert_eq!(tunables_for_r(None), "glibc.malloc.hugetlb=1");
        assert_eq!(tunables_for_r(Some("")), "glibc.malloc.hugetlb=1");
        assert_eq!(
            tunables_for_r(Some("glibc.malloc.arena_max=2")),
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"
        );
        // The function's own word on huge pages stands.
        assert_eq!(
            tunables_for_r(Some("glibc.malloc.hugetlb=0")),
            "glibc.malloc.hugetlb=0"
        );
    }

    #[test]
    fn an_unreadable_error_document_is_named_as_such() {
        assert_eq!(
            error_report(b"simpleError\nboom").error_type,
            "Runtime.RWorkerProtocol"
        );
    }

    #[test]
    fn a_missing_function_is_no_such_handler() {
        assert_eq!(
            init_error(br#"{"errorMessage":"f.R defines no function g","errorType":"noSuchHandler","stackTrace":[]}"#)
                .error_type,
            "Runtime.NoSuchHandler"
        );
        assert_eq!(
            init_error(
                br#"{"errorMessage":"parse error","errorType":"simpleError","stackTrace":[]}"#
            )
            .error_type,
            "Runtime.ImportModuleError"
        );
    }
}
