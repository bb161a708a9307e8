//! Exercise 2: strict mode. Write `required_from`, the decision `set -u`
//! makes for the bootstrap, and the one bash does not make: an empty value
//! is as useless as a missing one.
//!
//! Check it with `cargo run -p workbook -- check 2`: it runs chapter 2's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 2`.

// While the body is `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use std::env::VarError;

use crate::StartupError;

// ANCHOR: exercise
/// The decision behind [`required_var`](crate::required_var): `value` is what
/// `std::env::var(name)` gave. Give the value back when it is usable;
/// otherwise the `StartupError` that names `name` and says what is wrong.
pub fn required_from(
    name: &'static str,
    value: Result<String, VarError>,
) -> Result<String, StartupError> {
    todo!("decide whether {name} is usable")
}
// ANCHOR_END: exercise
