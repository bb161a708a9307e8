//! Exercise 9: when things go wrong. Write `post_error`, the request the
//! tutorial's bash never makes: telling Lambda what failed, on one of its
//! two error endpoints, in the document and header Lambda reads.
//!
//! Check it with `cargo run -p workbook -- check 9`: it runs chapter 9's
//! tests, the bash original beside your runtime, each as the bootstrap of
//! a local Lambda. Stuck? `cargo run -p workbook -- hint 9`.

// While the body is `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use chapter_07::{RespondError, accepted};

use crate::ErrorReport;

// ANCHOR: exercise
/// POSTs `report` to `path` under the Runtime API's version prefix
/// (`init/error`, or `invocation/{request id}/error`): the report's JSON
/// document as the body, its error type in the
/// `Lambda-Runtime-Function-Error-Type` header. Lambda answers `202` when
/// it has recorded the failure.
pub fn post_error(
    agent: &ureq::Agent,
    runtime_api: &str,
    path: &str,
    report: &ErrorReport,
) -> Result<(), RespondError> {
    todo!("tell Lambda at {runtime_api}: {}", report.message)
}
// ANCHOR_END: exercise
