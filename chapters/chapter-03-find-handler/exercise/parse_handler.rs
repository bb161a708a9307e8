//! Exercise 3: finding the handler. Write `parse_handler`, the reading of
//! `_HANDLER` that `cut -d. -f1` and `cut -d. -f2` do in the bash, but one
//! that refuses what means nothing instead of guessing.
//!
//! Check it with `cargo run -p workbook -- check 3`: it runs chapter 3's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 3`.

// While the body is `todo!()`, the parameter and imports go unused.
#![allow(unused_imports, unused_variables)]

use crate::{Handler, HandlerError};

// ANCHOR: exercise
/// Splits `_HANDLER` at its first dot into the script (`file`, a path
/// relative to the task root, without `.sh`) and the function (everything
/// after that dot). Refuses, with the `HandlerError` that says why, a
/// handler with no dot, an empty file or function, and a file part that is
/// not a plain relative path.
pub fn parse_handler(handler: &str) -> Result<Handler, HandlerError> {
    todo!("split {handler:?} into a file and a function")
}
// ANCHOR_END: exercise
