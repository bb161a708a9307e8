//! Exercise 6: running the handler. Write `ShellHandler::run_with`, the
//! bash's `RESPONSE=$(handler "$EVENT_DATA")` done from Rust: bash sources
//! the handler's script and calls its function, and what it prints is the
//! answer.
//!
//! Check it with `cargo run -p workbook -- check 6`: it runs chapter 6's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 6`.

// While the body is `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{
    HandlerError, RUN_ONE_EVENT, ShellHandler, event_file, wait_until, without_trailing_newlines,
};

impl ShellHandler {
    // ANCHOR: exercise
    /// Runs the handler on one event and returns its response: bash runs
    /// `RUN_ONE_EVENT` with the script and the function as `$1` and `$2`,
    /// the event as its stdin, `env` added to its environment. What it prints
    /// is the response, less its trailing newlines, as `$(...)` would give
    /// it. An event with a NUL byte, a failing handler, a bash that cannot
    /// start and a handler still running at `deadline` are each a
    /// `HandlerError`.
    pub fn run_with(
        &self,
        event: &[u8],
        env: &[(String, String)],
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, HandlerError> {
        todo!("run {} from {}", self.function, self.script.display())
    }
    // ANCHOR_END: exercise
}
