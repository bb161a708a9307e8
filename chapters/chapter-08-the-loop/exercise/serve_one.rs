//! Exercise 8: the whole loop. Write `Runtime::serve_one`, one turn of the
//! bootstrap's `while true` loop, out of the steps of chapters 4 to 7.
//!
//! Check it with `cargo run -p workbook -- check 8`: it runs chapter 8's
//! tests, the bash original beside your runtime, each as the bootstrap of
//! a local Lambda. Stuck? `cargo run -p workbook -- hint 8`.

// While the body is `todo!()`, the imports go unused.
#![allow(unused_imports)]

use chapter_04::next_invocation;
use chapter_05::request_id;
use chapter_07::post_response;

use crate::{Runtime, RuntimeError};

impl Runtime {
    // ANCHOR: exercise
    /// One turn of the loop: the next event (chapter 4), its request id
    /// (chapter 5), the handler's answer (chapter 6), sent back (chapter 7).
    /// The first step that fails ends the turn with its `RuntimeError`.
    pub fn serve_one(&self) -> Result<(), RuntimeError> {
        todo!(
            "one turn, with the handler from {}",
            self.handler.script.display()
        )
    }
    // ANCHOR_END: exercise
}
