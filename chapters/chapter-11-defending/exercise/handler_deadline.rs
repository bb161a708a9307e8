//! Exercise 11: defending the loop. Write `handler_deadline`, the moment
//! the runtime stops a handler so that it still has time to tell Lambda
//! why, before Lambda stops everything.
//!
//! Check it with `cargo run -p workbook -- check 11`: it runs chapter 11's
//! tests against your code. Stuck? `cargo run -p workbook -- hint 11`.

// While the body is `todo!()`, the parameter and imports go unused.
#![allow(unused_imports, unused_variables)]

use std::time::Instant;

use chapter_10::Context;

use crate::DEADLINE_MARGIN;

// ANCHOR: exercise
/// When the handler for `context` must be stopped: `DEADLINE_MARGIN`
/// before Lambda's deadline, as an `Instant` on this machine's clock; and,
/// when less than the margin is left, now, never a moment in the past, and
/// never a panic.
pub fn handler_deadline(context: &Context) -> Instant {
    todo!(
        "{} ms left, less the margin",
        context.remaining().as_millis()
    )
}
// ANCHOR_END: exercise
