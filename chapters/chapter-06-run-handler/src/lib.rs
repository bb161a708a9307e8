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

use std::fmt;
use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

// ANCHOR: script
/// The bash that runs one event: source the handler's file, read the event
/// from stdin whole, call the function with it. `$(cat)` would drop the
/// event's trailing newlines, so a final `x` is printed after it and cut
/// off again. (`read -d ''` would keep them too, but reads a pipe one byte
/// at a time: minutes for an event of 6 MB.)
const RUN_ONE_EVENT: &str = r#"source "$1" || exit
event=$(cat; printf x)
"$2" "${event%x}""#;
// ANCHOR_END: script

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

    // ANCHOR: run
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
        let mut child = Command::new("bash")
            .args(["-c", RUN_ONE_EVENT, "handler"])
            .arg(&self.script)
            .arg(&self.function)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its own process group, so that it can be stopped with its children.
            .process_group(0)
            .spawn()
            .map_err(HandlerError::Spawn)?;
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let event = event.to_vec();
        // Written from another thread: a handler may print before it reads.
        let writer = thread::spawn(move || stdin.write_all(&event));
        let output = wait_until(child, deadline)?;
        // A handler that exits without reading its event closes the pipe early; that is its right.
        let _ = writer.join();
        if !output.status.success() {
            return Err(HandlerError::Failed(output.status));
        }
        Ok(without_trailing_newlines(output.stdout))
    }
    // ANCHOR_END: run
}

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
