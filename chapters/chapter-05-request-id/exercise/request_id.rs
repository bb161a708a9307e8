//! Exercise 5: the request id. Write `request_id`, which does what the
//! bash's `grep -Fi ... | tr -d '[:space:]' | cut -d: -f2` sets out to do,
//! on headers that are already parsed, and without its mistakes.
//!
//! Check it with `cargo run -p workbook -- check 5`: it runs chapter 5's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 5`.

// While the body is `todo!()`, the parameter and imports go unused.
#![allow(unused_imports, unused_variables)]

use crate::{REQUEST_ID_HEADER, RequestIdError};

// ANCHOR: exercise
/// The request id among `headers` (name and value pairs, in the order they
/// came): the value of the one header named `Lambda-Runtime-Aws-Request-Id`
/// in any case, without surrounding spaces. No such header is
/// `RequestIdError::Missing`; the header with two different values is
/// `Conflicting`; a value that is empty or holds anything but letters,
/// digits and `-` (it goes into a URL path) is `Invalid`.
pub fn request_id(headers: &[(String, String)]) -> Result<String, RequestIdError> {
    todo!("find {REQUEST_ID_HEADER} among {} headers", headers.len())
}
// ANCHOR_END: exercise
