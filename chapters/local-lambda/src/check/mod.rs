//! `local-lambda check`: a report card for any runtime. Each row is one
//! point of Lambda's contract with a runtime, tried in an execution
//! environment of its own: what was sent, what the runtime did, and a
//! verdict (pass, warn, fail), with the chapter of the book that explains it.
//!
//! The rows need a handler whose behaviour is known, so the check asks the
//! runtime's author for one, the *check handler*, written in the runtime's
//! language in a few lines (the book's bash one is
//! `chapters/local-lambda/check/check.sh`). Given an event, it does what the
//! event's `check` field says:
//!
//! | event | the handler |
//! |---|---|
//! | `{"check":"fail"}` | fails, as a handler of that language fails |
//! | `{"check":"sleep"}` | sleeps 3 seconds, then answers with the event |
//! | `{"check":"log"}` | writes `check: a line for the log` to the function's log, and answers `logged` |
//! | any other event | answers with the event itself |
//!
//! An answer may be the event's bytes or the same JSON re-encoded: a runtime
//! that parses events is free to. The rows use only the local Lambda's
//! public API, as any test of a runtime would.

mod failures;
mod judge;
mod payloads;
mod traffic;
mod urls;

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::json;

use crate::FunctionConfig;

/// What one row found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The runtime keeps the contract, but something in how it does costs it.
    Warn,
    Fail,
    /// The row does not apply to this runtime (say, a runtime whose handler
    /// is compiled in has no handler to fail to load).
    NotApplicable,
}

impl Verdict {
    /// The verdict as the table shows it (`pass`, `warn`, `FAIL`, `n/a`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => "n/a",
        }
    }

    /// The word in the terminal's colours: green, yellow, red, dim.
    fn coloured(self) -> String {
        let colour = match self {
            Verdict::Pass => 32,
            Verdict::Warn => 33,
            Verdict::Fail => 31,
            Verdict::NotApplicable => 2,
        };
        format!("\x1b[{colour}m{}\x1b[0m", self.name())
    }
}

/// One row of the report card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// A short name, the same in the table and in `--json`.
    pub name: &'static str,
    /// What the row sent, in a few words.
    pub sent: String,
    /// What the runtime did, in a few words.
    pub did: String,
    pub verdict: Verdict,
    /// The chapter of the book that explains what the row checks.
    pub chapter: &'static str,
}

/// How the check runs, beyond the function it grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long the `idle-next` row leaves the runtime waiting in `next`
    /// before its second event. A read timeout shorter than this is caught;
    /// Lambda may leave a runtime waiting for hours.
    pub idle: Duration,
    /// How long the `events` row may send events for, up to its 1,000.
    pub events_time: Duration,
}

impl Default for Settings {
    /// 12 s of idleness: longer than the short read timeouts HTTP clients
    /// are often given, and short enough to wait for.
    fn default() -> Settings {
        Settings {
            idle: Duration::from_secs(12),
            events_time: Duration::from_secs(10),
        }
    }
}

/// Every row, in the order of the report card.
const ROWS: [fn(&FunctionConfig, &Settings) -> Row; 15] = [
    traffic::events,
    traffic::memory,
    traffic::idle_next,
    urls::api_forms,
    failures::handler_error,
    failures::init_error,
    failures::deadline,
    payloads::large_events,
    payloads::non_ascii,
    payloads::escapes,
    payloads::chunked,
    payloads::optional_headers,
    failures::missing_deadline,
    urls::request_ids,
    traffic::log_line,
];

/// Runs every row against the runtime of `function` (its bootstrap, task
/// root, settings and `_HANDLER`, which names the check handler) and
/// returns them in order. Each row starts a local Lambda of its own.
pub fn check(function: &FunctionConfig, settings: &Settings) -> Vec<Row> {
    ROWS.iter().map(|case| case(function, settings)).collect()
}

/// Whether no row failed: the check's exit status is 0 then, 1 otherwise.
pub fn all_kept(rows: &[Row]) -> bool {
    rows.iter().all(|row| row.verdict != Verdict::Fail)
}

/// The report card as a table for a person, one row per line and its
/// explanation under it; `colour` for a terminal.
pub fn table(rows: &[Row], colour: bool) -> String {
    let mut out = String::new();
    for row in rows {
        let verdict = if colour {
            row.verdict.coloured()
        } else {
            row.verdict.name().to_string()
        };
        let _ = writeln!(out, "{verdict:<4}  {:<17} sent {}", row.name, row.sent);
        let _ = writeln!(out, "      {:<17} {}", "", row.did);
        let _ = writeln!(out, "      {:<17} see: {}", "", row.chapter);
    }
    let count = |verdict| rows.iter().filter(|row| row.verdict == verdict).count();
    let _ = writeln!(
        out,
        "{} rows: {} pass, {} warn, {} fail, {} n/a",
        rows.len(),
        count(Verdict::Pass),
        count(Verdict::Warn),
        count(Verdict::Fail),
        count(Verdict::NotApplicable)
    );
    out
}

/// The report card as JSON, for CI: an array of rows with `row`, `verdict`
/// (`pass`, `warn`, `fail` or `n/a`), `sent`, `did` and `chapter`.
pub fn json(rows: &[Row]) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            json!({
                "row": row.name,
                "verdict": row.verdict.name().to_ascii_lowercase(),
                "sent": row.sent,
                "did": row.did,
                "chapter": row.chapter,
            })
        })
        .collect();
    serde_json::to_string_pretty(&rows).expect("JSON values print")
}
