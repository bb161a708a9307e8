//! Exercise 4: asking for work. Write `next_invocation`, the bootstrap's
//! `curl -sS -LD "$HEADERS" .../invocation/next`: one GET that waits as long
//! as Lambda makes it wait, and hands back the event with its headers.
//!
//! Check it with `cargo run -p workbook -- check 4`: it runs chapter 4's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 4`.

// While the body is `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use crate::{EVENT_LIMIT, NextError, NextInvocation, next_url};

// ANCHOR: exercise
/// Waits for the next event from the Runtime API at `runtime_api`
/// (`host:port`), with `agent` (chapter 4's client: no timeouts, and a 4xx
/// or 5xx is an answer, not an error). A `200` is an event: its headers, in
/// the order they came, and its body, up to `EVENT_LIMIT` bytes. Any other
/// status is `NextError::Status`; a failure to connect or to read is
/// `NextError::Transport`.
pub fn next_invocation(
    agent: &ureq::Agent,
    runtime_api: &str,
) -> Result<NextInvocation, NextError> {
    todo!("GET {}", next_url(runtime_api))
}
// ANCHOR_END: exercise
