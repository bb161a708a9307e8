//! The Shutdown phase: how an execution environment ends. Lambda ends one
//! when its runtime dies or overstays a deadline, and when it has been idle
//! long enough; the local Lambda also when it shuts down itself, and with
//! `--watch` when the function's files change.

use std::time::{Duration, Instant};

use crate::environment::Environment;
use crate::process::descendants;

/// How long a runtime has, at the local Lambda's own shutdown, to come back
/// to `next`, so that a recording ends on the long poll a real runtime
/// always leaves open.
const GRACE: Duration = Duration::from_secs(2);

/// How long the killed runtime's exit is waited for, so that its last log
/// lines are read before the log closes.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Ends `environment`: kills the runtime's whole process group, then lets
/// go of parked requests and drains the log. `graceful` gives the runtime
/// [`GRACE`] first to come back to `next`.
pub(crate) fn end(environment: Environment, graceful: bool) {
    if let Some(pid) = environment.pid {
        if graceful {
            let grace = Instant::now() + GRACE;
            drop(
                environment
                    .sandbox()
                    .wait_until(grace, |state| state.waiting() > 0 || state.exited.is_some()),
            );
        }
        let _ = kill_everything_started_by(pid);
        drop(
            environment
                .sandbox()
                .wait_until(Instant::now() + EXIT_WAIT, |state| state.exited.is_some()),
        );
    }
    environment.api.stop();
    environment.log.close();
}

/// SIGKILL for the runtime `pid` and every process it started; returns how
/// many processes it started (besides itself) were found to kill.
pub(crate) fn kill_everything_started_by(pid: u32) -> usize {
    // ANCHOR: kill-group
    // The whole sandbox goes: the runtime's process group, and any
    // process it started in a group of its own (a handler, say).
    let sandbox = descendants(pid);
    // SAFETY: kill(2) with a negative pid signals the process group the
    // runtime leads, with a positive one a single process; it touches
    // no memory of ours.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
        for &process in &sandbox {
            libc::kill(process, libc::SIGKILL);
        }
    }
    // ANCHOR_END: kill-group
    sandbox.len()
}
