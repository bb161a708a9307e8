//! Chapter 11: defending the loop.
//!
//! The runtime of chapters 9 and 10, hardened where a deployed runtime
//! meets the unexpected: a handler that outlives its deadline, a Runtime API
//! that is briefly away, and Lambda's SIGTERM at shutdown. (Hostile input
//! was dealt with on the way: the request id is checked before it goes into
//! a URL, chapter 5; the event reaches the handler on stdin and is never
//! read by a shell, chapter 6.)

use std::io::{self, Read};
use std::os::fd::{AsRawFd, IntoRawFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chapter_04::NextInvocation;
use chapter_06::ShellHandler;
use chapter_09::log::{Level, Record};
use chapter_09::{Conversation, ErrorReport, Fatal, invocation_report};
use chapter_10::Context;

// ANCHOR: margin
/// How long before Lambda's deadline a handler is stopped: time enough to
/// report the timeout, so that Lambda hears why and the runtime stays warm.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(100);
// ANCHOR_END: margin

/// How long to wait between tries when the Runtime API cannot be reached:
/// five tries in about one and a half seconds, then the runtime gives up.
pub const RETRY_WAITS: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// When the handler for `context` must be stopped: the margin before the
/// deadline, and never in the past.
pub fn handler_deadline(context: &Context) -> Instant {
    Instant::now() + context.remaining().saturating_sub(DEADLINE_MARGIN)
}
// ANCHOR_END: exercise

// The workbook's exercise 11: built with `--features exercise`, the reader's
// `handler_deadline` (exercise/handler_deadline.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/handler_deadline.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::handler_deadline;

/// Waits until `pipe` can be read (or has closed); false at the deadline.
/// poll(2) waits on the pipe itself, so no thread has to stand between a
/// handler's process and the runtime to enforce the deadline.
pub fn wait_readable(pipe: &impl AsRawFd, deadline: Option<Instant>) -> bool {
    let mut watched = libc::pollfd {
        fd: pipe.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        let timeout = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                // Rounded up: a timeout of 0 would spin until the deadline.
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
            }
        };
        // SAFETY: poll(2) on one pollfd that lives on this stack frame.
        let ready = unsafe { libc::poll(&mut watched, 1, timeout) };
        match ready {
            0 => return false,
            1.. => return true,
            _ if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            // poll itself failed: let the read that follows report the pipe as closed.
            _ => return true,
        }
    }
}

// ANCHOR: shell-answer
/// Chapter 10's answer for shell handlers, with the handler stopped at its deadline.
pub fn shell_answer(
    handler: &ShellHandler,
) -> impl FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport> + '_ {
    |invocation, id| {
        let context = Context::from_invocation(id, invocation)?;
        let deadline = handler_deadline(&context);
        let response = handler.run_with(&invocation.body, &context.shell_env(), Some(deadline));
        response.map_err(|error| invocation_report(&error))
    }
}
// ANCHOR_END: shell-answer

/// The conversation with Lambda, retrying an unreachable Runtime API.
pub fn conversation(conversation: Conversation) -> Conversation {
    conversation.with_retries(RETRY_WAITS.to_vec())
}

// ANCHOR: on-sigterm
/// The write end of the pipe `on_sigterm` wakes the watcher through; -1
/// until `exit_on_sigterm` has made it.
static SIGTERM_PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigterm(_signal: libc::c_int) {
    // Only async-signal-safe calls here: one write(2) to wake the watcher.
    let pipe = SIGTERM_PIPE.load(Ordering::Relaxed);
    // SAFETY: writing one byte from a static buffer to a descriptor we own.
    unsafe {
        libc::write(pipe, b"T".as_ptr().cast(), 1);
    }
}
// ANCHOR_END: on-sigterm

// ANCHOR: sigterm
/// On SIGTERM (Lambda's notice that the environment is shutting down),
/// says so in the log and exits with status 0, whatever the runtime was
/// doing. The handler only wakes a thread through a pipe; the thread does
/// the rest, outside the signal handler.
pub fn exit_on_sigterm() -> io::Result<()> {
    let (mut reader, writer) = io::pipe()?;
    SIGTERM_PIPE.store(writer.into_raw_fd(), Ordering::Relaxed);
    // SAFETY: installs a handler that only calls write(2), which is async-signal-safe.
    let previous =
        unsafe { libc::signal(libc::SIGTERM, on_sigterm as *const () as libc::sighandler_t) };
    if previous == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    thread::Builder::new()
        .name("sigterm".to_string())
        .spawn(move || {
            let mut byte = [0];
            if reader.read(&mut byte).is_ok() {
                let message = "SIGTERM: the environment is shutting down";
                chapter_09::log::write(&Record::new(Level::Info, message));
                std::process::exit(0);
            }
        })?;
    Ok(())
}
// ANCHOR_END: sigterm

/// The runtime of this chapter, until Lambda cannot be reached or init fails.
pub fn run() -> Fatal {
    if let Err(error) = exit_on_sigterm() {
        return Fatal(format!("cannot watch for SIGTERM: {error}"));
    }
    match chapter_09::init() {
        Ok((talk, handler)) => conversation(talk).run(&mut shell_answer(&handler)),
        Err(fatal) => fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_stops_a_margin_before_the_deadline_never_in_the_past() {
        let context = |remaining: Duration| Context {
            request_id: "id".into(),
            deadline_ms: (std::time::SystemTime::now() + remaining)
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64,
            invoked_function_arn: String::new(),
            trace_id: None,
            client_context: None,
            cognito_identity: None,
        };
        let soon = handler_deadline(&context(Duration::from_secs(3)));
        assert!(
            soon > Instant::now() + Duration::from_millis(2_500)
                && soon < Instant::now() + Duration::from_secs(3)
        );
        assert!(handler_deadline(&context(Duration::ZERO)) <= Instant::now());
    }
}
