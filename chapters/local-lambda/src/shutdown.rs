//! The Shutdown phase: how an execution environment ends. Lambda ends one
//! when its runtime dies or overstays a deadline, and when it has been idle
//! long enough; the local Lambda also when it shuts down itself, and with
//! `--watch` when the function's files change.
//!
//! Without an extension, the runtime is simply killed: it gets no signal
//! it could catch. With one, Lambda first sends the runtime SIGTERM and
//! gives it a moment, then tells the extensions (`SHUTDOWN`, with a reason
//! and a deadline), and kills whatever is left at the deadline.

use std::time::{Duration, Instant, SystemTime};

use crate::environment::Environment;
use crate::extensions_api::{self, ShutdownReason};
use crate::process::descendants;
use crate::report;

/// How long a runtime has, at the local Lambda's own shutdown, to come back
/// to `next`, so that a recording ends on the long poll a real runtime
/// always leaves open.
const GRACE: Duration = Duration::from_secs(2);

/// How long the killed processes' exit is waited for, so that their last
/// log lines are read before the log closes.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Lambda's shutdown budget with an external extension: from SIGTERM to
/// the runtime until SIGKILL for what is left.
const BUDGET_WITH_EXTENSIONS: Duration = Duration::from_millis(2_000);

/// The runtime's share of it after SIGTERM; 500 ms when an extension
/// runs inside the runtime's own process (one that registered without
/// being started from the extensions folder).
const RUNTIME_AFTER_SIGTERM: Duration = Duration::from_millis(300);
const RUNTIME_AFTER_SIGTERM_WITH_INTERNAL: Duration = Duration::from_millis(500);

// ANCHOR: end
/// Ends `environment` for `reason`: with extensions registered, through
/// Lambda's shutdown sequence first; then SIGKILL for the runtime, the
/// extensions and every process they started; then parked requests are
/// let go and the log drained. `graceful` (the local Lambda's own
/// shutdown) first gives the runtime [`GRACE`] to come back to `next`.
pub(crate) fn end(environment: Environment, graceful: bool, reason: ShutdownReason) {
    if let Some(pid) = environment.pid {
        if graceful {
            let grace = Instant::now() + GRACE;
            drop(
                environment
                    .sandbox()
                    .wait_until(grace, |state| state.waiting() > 0 || state.exited.is_some()),
            );
        }
        let registered = environment.sandbox().lock().extensions.count();
        if registered > 0 {
            signal_then_tell_extensions(&environment, pid, registered, reason);
        }
        let _ = kill_everything_started_by(pid);
    }
    for &extension in &environment.extension_pids {
        let _ = kill_everything_started_by(extension);
    }
    let extensions = environment.extension_pids.len();
    drop(
        environment
            .sandbox()
            .wait_until(Instant::now() + EXIT_WAIT, |state| {
                (state.exited.is_some() || environment.pid.is_none())
                    && state.extensions_exited.len() >= extensions
            }),
    );
    environment.api.stop();
    environment.log.close();
    // The subscribers' last batches go now.
    environment.log.telemetry().close();
}
// ANCHOR_END: end

// ANCHOR: sequence
/// Lambda's shutdown with extensions: SIGTERM to the runtime, which has a
/// moment to finish; `SHUTDOWN` to the extensions that asked for it, with
/// the deadline of the whole budget; then a wait until every external
/// extension has exited, or the deadline.
fn signal_then_tell_extensions(
    environment: &Environment,
    pid: u32,
    registered: usize,
    reason: ShutdownReason,
) {
    let deadline = Instant::now() + BUDGET_WITH_EXTENSIONS;
    let sandbox = environment.sandbox();
    if sandbox.lock().exited.is_none() {
        // SAFETY: kill(2) on the runtime's own process id; no memory touched.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
        let internal = registered > environment.extension_pids.len();
        let runtime_budget = if internal {
            RUNTIME_AFTER_SIGTERM_WITH_INTERNAL
        } else {
            RUNTIME_AFTER_SIGTERM
        };
        drop(
            sandbox.wait_until(Instant::now() + runtime_budget, |state| {
                state.exited.is_some()
            }),
        );
    }
    // What the subscribers' buffers hold goes first: an extension that
    // sends its records away when it hears SHUTDOWN then has them all.
    environment.log.telemetry().flush(deadline);
    let deadline_ms = report::epoch_millis(SystemTime::now() + (deadline - Instant::now()));
    extensions_api::deliver_shutdown(sandbox, reason, deadline_ms);
    let external = environment.extension_pids.len();
    drop(sandbox.wait_until(deadline, |state| state.extensions_exited.len() >= external));
}
// ANCHOR_END: sequence

/// SIGKILL for the process `pid` and every process it started; returns
/// how many processes it started (besides itself) were found to kill.
pub(crate) fn kill_everything_started_by(pid: u32) -> usize {
    // ANCHOR: kill-group
    // The whole sandbox goes: the process group `pid` leads, and any
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
