//! One execution environment, as Lambda makes one for a function: its own
//! Runtime API, its own log, and its runtime process. The phases of its
//! life are rooms of their own (`init.rs`, `invoke.rs`, `shutdown.rs`);
//! this one holds what they share, including the `END` and `REPORT` lines
//! Lambda writes to the log when an invocation ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::invocation::Outcome;
use crate::log::LogPipe;
use crate::report::{self, Report};
use crate::runtime_api::RuntimeApi;
use crate::sandbox::Sandbox;

/// One execution environment: its Runtime API, its log, and its runtime process.
pub(crate) struct Environment {
    pub api: RuntimeApi,
    pub log: Arc<LogPipe>,
    /// The runtime's process id; `None` when the runtime is the embedding process.
    pub pid: Option<u32>,
    /// The external extensions' process ids.
    pub extension_pids: Vec<u32>,
    /// When `bootstrap` was started: Init Duration counts from here.
    pub spawned_at: Instant,
    /// Whether the runtime has asked for its first event (Init is over).
    pub initialised: bool,
}

impl Environment {
    /// What the Runtime API knows of this environment: requests waiting,
    /// the invocation in flight, the runtime's exit.
    pub fn sandbox(&self) -> &Sandbox {
        self.api.sandbox()
    }

    /// Writes `END` and `REPORT` for an invocation that lasted `duration`,
    /// with `status` (`timeout`, `error`) when it did not succeed, and
    /// waits until they are recorded. `memory_mb` is the function's memory
    /// setting, which `REPORT` repeats beside the runtime's peak.
    pub fn write_end_lines(
        &self,
        outcome: &Outcome,
        duration: Duration,
        status: Option<&str>,
        memory_mb: u32,
    ) {
        if self.log.is_quiet() {
            return;
        }
        // An error before the handler ran (a failed init) is reported as an
        // error even without a status.
        let error_type = match (&outcome.result, status) {
            (Err(error), Some(_)) => Some(error.error_type.as_str()),
            (Err(error), None) if duration.is_zero() => Some(error.error_type.as_str()),
            _ => None,
        };
        let report = Report {
            request_id: &outcome.request_id,
            duration,
            init_duration: outcome.init_duration,
            memory_mb,
            max_memory_mb: report::max_memory_mb(self.pid),
            status: status.or(error_type.map(|_| "error")),
            error_type,
        };
        write_end_lines(&self.log, &report);
    }
}

/// Writes `END` and `REPORT`, and waits until they are recorded; the
/// telemetry gets the report as `platform.report`.
pub(crate) fn write_end_lines(log: &LogPipe, report: &Report) {
    let end = || format!("END RequestId: {}", report.request_id);
    log.platform_line("runtimeDone", end, || report.end_record(), false);
    log.platform_line("report", || report.line(), || report.record(), true);
    log.sync();
}
