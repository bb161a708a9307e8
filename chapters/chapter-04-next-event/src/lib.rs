//! Chapter 4: asking for work.
//!
//! Everything a runtime does starts with `GET /2018-06-01/runtime/invocation/next`.
//! Lambda answers it only when there is an event, which may be in a
//! millisecond or in an hour, with the environment frozen in between. So
//! the request must have no timeout, and the answer is the event's body,
//! byte for byte, with what Lambda knows about it in the headers.

use std::fmt;

// ANCHOR: event-limit
/// The largest event Lambda hands a runtime (6 MiB, the synchronous invoke limit).
pub const EVENT_LIMIT: u64 = 6 * 1024 * 1024;
// ANCHOR_END: event-limit

// ANCHOR: agent
/// The HTTP client for the Runtime API: one connection kept alive across
/// requests, and no timeouts at all, because `next` may wait for as long as
/// the function is not invoked.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(None)
        .timeout_recv_response(None)
        // A 4xx or 5xx from the Runtime API is an answer to report, not a transport failure.
        .http_status_as_error(false)
        .build()
        .into()
}
// ANCHOR_END: agent

// ANCHOR: types
/// The `next` URL for a Runtime API at `host:port`, built as the bash does.
pub fn next_url(runtime_api: &str) -> String {
    format!("http://{runtime_api}/2018-06-01/runtime/invocation/next")
}

/// One event, as Lambda handed it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextInvocation {
    /// The headers, names in lower case, in the order they arrived.
    pub headers: Vec<(String, String)>,
    /// The event itself.
    pub body: Vec<u8>,
}

impl NextInvocation {
    /// A header's value; names compare without regard to case, as HTTP says.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why no event could be had.
#[derive(Debug)]
pub enum NextError {
    /// The Runtime API could not be reached or the answer not read.
    Transport(String),
    /// The Runtime API answered, but not with an event (for example 403
    /// after the runtime reported an init error).
    Status { status: u16, body: String },
}
// ANCHOR_END: types

impl fmt::Display for NextError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextError::Transport(why) => write!(formatter, "cannot get the next event: {why}"),
            NextError::Status { status, body } => {
                write!(
                    formatter,
                    "the Runtime API answered next with {status}: {body}"
                )
            }
        }
    }
}

impl std::error::Error for NextError {}

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// Waits for the next event: the `curl -sS -LD "$HEADERS" .../next` of the bootstrap.
pub fn next_invocation(
    agent: &ureq::Agent,
    runtime_api: &str,
) -> Result<NextInvocation, NextError> {
    let transport = |error: ureq::Error| NextError::Transport(error.to_string());
    let mut response = agent
        .get(&next_url(runtime_api))
        .call()
        .map_err(transport)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(EVENT_LIMIT)
        .read_to_vec()
        .map_err(transport)?;
    if status != 200 {
        let body = String::from_utf8_lossy(&body).into_owned();
        return Err(NextError::Status { status, body });
    }
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    Ok(NextInvocation { headers, body })
}
// ANCHOR_END: exercise

// The workbook's exercise 4: built with `--features exercise`, the reader's
// `next_invocation` (exercise/next_invocation.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/next_invocation.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::next_invocation;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_the_bashs() {
        assert_eq!(
            next_url("127.0.0.1:9001"),
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"
        );
    }

    #[test]
    fn an_unreachable_api_is_a_transport_error_naming_the_cause() {
        // Port 9 on loopback: nothing listens there, the connection is refused.
        let error = next_invocation(&agent(), "127.0.0.1:9").unwrap_err();
        assert!(matches!(error, NextError::Transport(_)), "{error}");
        assert!(
            error.to_string().starts_with("cannot get the next event: "),
            "{error}"
        );
    }
}
