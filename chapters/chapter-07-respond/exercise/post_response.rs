//! Exercise 7: answering. Write `post_response`, the bootstrap's
//! `curl -X POST ".../invocation/$REQUEST_ID/response" -d "$RESPONSE"`
//! without what `-d` does to the bytes, and `accepted`, which reads
//! Lambda's verdict on what was sent.
//!
//! Check it with `cargo run -p workbook -- check 7`: it runs chapter 7's
//! tests, bash beside your code. Stuck? `cargo run -p workbook -- hint 7`.

// While the bodies are `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use crate::{RespondError, response_url};

// ANCHOR: exercise
/// Sends `response` for `request_id` to the Runtime API at `runtime_api`
/// (`host:port`), byte for byte, and gives Lambda's verdict.
pub fn post_response(
    agent: &ureq::Agent,
    runtime_api: &str,
    request_id: &str,
    response: &[u8],
) -> Result<(), RespondError> {
    todo!("POST {}", response_url(runtime_api, request_id))
}

/// Lambda's verdict on something the runtime sent: `Ok` for `202
/// Accepted`; any other status is `RespondError::Refused` with the answer's
/// body, and a failure to send or to read is `RespondError::Transport`.
/// The answer's body is read to the end either way, so that the connection
/// can carry the next request.
pub fn accepted(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(), RespondError> {
    todo!("read Lambda's answer")
}
// ANCHOR_END: exercise
