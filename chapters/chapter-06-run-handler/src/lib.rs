//! Chapter 6: running the handler.
//!
//! The bash bootstrap calls the handler as a shell function in a subshell,
//! `RESPONSE=$(handler "$EVENT_DATA")`: its stdout becomes the response, its
//! stderr goes to the log. A Rust runtime cannot call a shell function
//! directly, so it starts bash to do it, once per event: bash sources the
//! script and calls the function, exactly as the tutorial's runtime does.
//!
//! What `$(...)` does to the answer is kept on purpose, because handlers
//! written for the tutorial rely on it: trailing newlines are removed (every
//! `echo` adds one). What it does to the event is not: the event reaches the
//! handler as it came, through stdin instead of an argument.

use std::ffi::CStr;
use std::fmt;
use std::fs::File;
use std::io::{self, Seek, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

// ANCHOR: script
/// The bash that runs one event: source the handler's file, read the event
/// from stdin whole, call the function with it. `mapfile -d ''` reads up to
/// a NUL byte, and an event has none, so the event lands in `event[0]` as it
/// came, trailing newlines and all (`$(cat)` would drop them, and costs a
/// process of its own).
pub const RUN_ONE_EVENT: &str = r#"source "$1" || exit
mapfile -d '' event
"$2" "${event[0]-}""#;
// ANCHOR_END: script

// ANCHOR: types
/// A handler written in shell: a script to source and a function in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellHandler {
    pub script: PathBuf,
    pub function: String,
}

/// Why a handler produced no response.
#[derive(Debug)]
pub enum HandlerError {
    /// A shell variable cannot hold a NUL byte; bash would drop it or cut the event short.
    NulInEvent,
    /// The handler exited with a failure status (or was killed).
    Failed(ExitStatus),
    /// bash itself could not be started.
    Spawn(io::Error),
    /// The handler was still running at its deadline, and was stopped.
    TimedOut,
}
// ANCHOR_END: types

impl fmt::Display for HandlerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::NulInEvent => formatter
                .write_str("the event contains a NUL byte, which a shell handler cannot receive"),
            HandlerError::Failed(status) => match status.code() {
                Some(code) => write!(formatter, "the handler failed with exit status {code}"),
                None => write!(formatter, "the handler was killed ({status})"),
            },
            HandlerError::TimedOut => formatter
                .write_str("the handler was still running at its deadline, and was stopped"),
            HandlerError::Spawn(error) => {
                write!(formatter, "cannot start bash for the handler: {error}")
            }
        }
    }
}

impl std::error::Error for HandlerError {}

impl ShellHandler {
    /// The handler named by `_HANDLER` in `task_root` (chapter 3's reading).
    pub fn new(script: impl AsRef<Path>, function: &str) -> ShellHandler {
        ShellHandler {
            script: script.as_ref().to_path_buf(),
            function: function.to_string(),
        }
    }

    /// Runs the handler on one event and returns its response.
    pub fn run(&self, event: &[u8]) -> Result<Vec<u8>, HandlerError> {
        self.run_with(event, &[], None)
    }

    #[cfg(not(feature = "exercise"))]
    // ANCHOR: exercise
    /// Runs the handler on one event, with `env` added to its environment
    /// (chapter 10 passes the invocation's context this way), and returns its
    /// response. Its stderr is not touched: it goes where the runtime's goes,
    /// to the function's log. A handler still running at `deadline` is
    /// stopped, with everything it started (chapter 11 sets one).
    pub fn run_with(
        &self,
        event: &[u8],
        env: &[(String, String)],
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, HandlerError> {
        if event.contains(&0) {
            return Err(HandlerError::NulInEvent);
        }
        let child = Command::new("bash")
            .args(["-c", RUN_ONE_EVENT, "handler"])
            .arg(&self.script)
            .arg(&self.function)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(event_file(event)?)
            .stdout(Stdio::piped())
            // Its own process group, so that it can be stopped with its children.
            .process_group(0)
            .spawn()
            .map_err(HandlerError::Spawn)?;
        let output = wait_until(child, deadline)?;
        if !output.status.success() {
            return Err(HandlerError::Failed(output.status));
        }
        Ok(without_trailing_newlines(output.stdout))
    }
    // ANCHOR_END: exercise
}

// The workbook's exercise 6: built with `--features exercise`, the reader's
// `ShellHandler::run_with` (exercise/run_with.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/run_with.rs"]
mod exercise;

// ANCHOR: event-file
/// The event as a file in memory, to be the handler's stdin. Not a pipe:
/// bash reads a pipe one byte at a time when it looks for a delimiter (it
/// cannot give back what it read past it), which takes seconds for an event
/// of 6 MB; from a file it reads in blocks and seeks back.
fn event_file(event: &[u8]) -> Result<File, HandlerError> {
    let mut file = memory_file(c"event").map_err(HandlerError::Spawn)?;
    file.write_all(event)
        .and_then(|()| file.rewind())
        .map_err(HandlerError::Spawn)?;
    Ok(file)
}

/// A new, empty file that lives in memory only (memfd_create(2)): it never
/// touches a disk, and it is gone when the last descriptor closes.
pub fn memory_file(name: &CStr) -> io::Result<File> {
    // SAFETY: memfd_create(2) with a NUL-terminated name; it returns a new
    // descriptor, owned by the File below, or -1.
    let descriptor = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if descriptor < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor is new and nothing else owns it.
    Ok(unsafe { File::from_raw_fd(descriptor) })
}
// ANCHOR_END: event-file

// ANCHOR: helpers
/// Waits for the handler to finish, or until `deadline`, when its whole
/// process group is killed. Waiting happens on another thread, so the
/// deadline is a timeout on a channel, not a loop that polls.
fn wait_until(child: Child, deadline: Option<Instant>) -> Result<Output, HandlerError> {
    let Some(deadline) = deadline else {
        return child.wait_with_output().map_err(HandlerError::Spawn);
    };
    let group = child.id() as libc::pid_t;
    let (done, finished) = mpsc::channel();
    thread::spawn(move || done.send(child.wait_with_output()));
    match finished.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(output) => output.map_err(HandlerError::Spawn),
        Err(_) => {
            // SAFETY: kill(2) with a negative pid signals the handler's own
            // process group, which `process_group(0)` gave it; no memory is touched.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
            let _ = finished.recv();
            Err(HandlerError::TimedOut)
        }
    }
}

/// What `$(...)` does to a command's output: every trailing newline goes.
pub fn without_trailing_newlines(mut output: Vec<u8>) -> Vec<u8> {
    while output.last() == Some(&b'\n') {
        output.pop();
    }
    output
}
// ANCHOR_END: helpers

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_every_trailing_newline_and_nothing_else() {
        assert_eq!(
            without_trailing_newlines(b"a\n\nb\n\n\n".to_vec()),
            b"a\n\nb"
        );
        assert_eq!(without_trailing_newlines(b"\r\n".to_vec()), b"\r");
        assert_eq!(without_trailing_newlines(Vec::new()), b"");
    }

    #[test]
    fn a_handler_past_its_deadline_is_stopped_with_its_children() {
        let script =
            std::env::temp_dir().join(format!("chapter-06-slow-{}.sh", std::process::id()));
        std::fs::write(&script, "handler() { sleep 30; echo late; }\n").unwrap();
        let handler = ShellHandler::new(&script, "handler");
        let deadline = Instant::now() + std::time::Duration::from_millis(300);
        // Were the `sleep` left running, it would hold stdout open and this would wait 30 s.
        let outcome = handler.run_with(b"{}", &[], Some(deadline));
        let _ = std::fs::remove_file(&script);
        assert!(
            matches!(outcome, Err(HandlerError::TimedOut)),
            "{outcome:?}"
        );
    }

    #[test]
    fn refuses_an_event_with_a_nul_byte_before_starting_anything() {
        let handler = ShellHandler::new("/nowhere.sh", "handler");
        assert!(matches!(
            handler.run(b"a\0b"),
            Err(HandlerError::NulInEvent)
        ));
    }
}
