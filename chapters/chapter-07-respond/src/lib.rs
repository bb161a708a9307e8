//! Chapter 7: answering.
//!
//! The last step of each turn: POST the response to
//! `/2018-06-01/runtime/invocation/{request id}/response`. Lambda passes the
//! body to the caller as it is, so the one thing a runtime must do here is
//! send the handler's bytes, all of them and nothing else. `curl -d` was
//! made for HTML forms, and treats its data accordingly.

use std::fmt;

// ANCHOR: types
/// Where the response for `request_id` goes, for a Runtime API at `host:port`.
pub fn response_url(runtime_api: &str, request_id: &str) -> String {
    format!("http://{runtime_api}/2018-06-01/runtime/invocation/{request_id}/response")
}

/// Why Lambda did not take the response.
#[derive(Debug)]
pub enum RespondError {
    /// The Runtime API could not be reached or did not answer.
    Transport(String),
    /// It answered with something other than 202: 400 for a request id it
    /// does not know, 413 for a response over 6 MB, 500 when the
    /// environment is broken (the runtime should then exit).
    Refused { status: u16, body: String },
}
// ANCHOR_END: types

impl fmt::Display for RespondError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RespondError::Transport(why) => write!(formatter, "cannot send the response: {why}"),
            RespondError::Refused { status, body } => {
                write!(
                    formatter,
                    "the Runtime API refused the response with {status}: {}",
                    body.trim_end()
                )
            }
        }
    }
}

impl std::error::Error for RespondError {}

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// Sends `response` for `request_id`, byte for byte.
pub fn post_response(
    agent: &ureq::Agent,
    runtime_api: &str,
    request_id: &str,
    response: &[u8],
) -> Result<(), RespondError> {
    accepted(
        agent
            .post(&response_url(runtime_api, request_id))
            .send(response),
    )
}

// Like `post_response`, left out when the workbook builds this crate with
// its `exercise` feature: the reader's file then supplies both.
#[cfg(not(feature = "exercise"))]
/// Lambda's verdict on something the runtime sent: `202 Accepted`, or the
/// refusal it gave. The answer's body is read to the end, so that the
/// kept-alive connection can carry the next `next`.
pub fn accepted(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(), RespondError> {
    let transport = |error: ureq::Error| RespondError::Transport(error.to_string());
    let mut answer = sent.map_err(transport)?;
    let status = answer.status().as_u16();
    let body = answer.body_mut().read_to_string().map_err(transport)?;
    if status == 202 {
        Ok(())
    } else {
        Err(RespondError::Refused { status, body })
    }
}
// ANCHOR_END: exercise

// The workbook's exercise 7: built with `--features exercise`, the reader's
// `post_response` and `accepted` (exercise/post_response.rs) stand in for
// the ones above.
#[cfg(feature = "exercise")]
#[path = "../exercise/post_response.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::{accepted, post_response};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_the_bashs() {
        assert_eq!(
            response_url("127.0.0.1:9001", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response"
        );
    }
}
