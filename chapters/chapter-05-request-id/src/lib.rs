//! Chapter 5: the request id.
//!
//! Every answer to Lambda goes to a URL with the event's request id in it,
//! and the id comes in the `Lambda-Runtime-Aws-Request-Id` header. The bash
//! finds it by searching the raw header dump for the name anywhere in a
//! line. Here the headers are parsed, the name is compared as HTTP compares
//! names (whole, ignoring case), and the value is checked before it goes
//! into a URL.

use std::fmt;

// ANCHOR: types
/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "Lambda-Runtime-Aws-Request-Id";

/// Why a request id could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestIdError {
    /// No such header: without an id there is nowhere to send the answer.
    Missing,
    /// The header came more than once, with different values.
    Conflicting(Vec<String>),
    /// A value that could not safely go into a URL path.
    Invalid(String),
}
// ANCHOR_END: types

impl fmt::Display for RequestIdError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestIdError::Missing => write!(
                formatter,
                "the event came without a {REQUEST_ID_HEADER} header"
            ),
            RequestIdError::Conflicting(values) => {
                write!(
                    formatter,
                    "the event came with {} different {REQUEST_ID_HEADER} headers: {values:?}",
                    values.len()
                )
            }
            RequestIdError::Invalid(value) => {
                write!(
                    formatter,
                    "{REQUEST_ID_HEADER} {value:?} is not a request id (letters, digits and '-' only)"
                )
            }
        }
    }
}

impl std::error::Error for RequestIdError {}

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// The request id among `headers`: the one value of the header named
/// exactly `Lambda-Runtime-Aws-Request-Id` in any case, checked to be safe
/// in a URL path.
pub fn request_id(headers: &[(String, String)]) -> Result<String, RequestIdError> {
    // Each different value once, in the order they came: the same id sent
    // twice is still one id.
    let mut values: Vec<&str> = Vec::new();
    for (name, value) in headers {
        let value = value.trim();
        if name.eq_ignore_ascii_case(REQUEST_ID_HEADER) && !values.contains(&value) {
            values.push(value);
        }
    }
    let id = match values.as_slice() {
        [] => return Err(RequestIdError::Missing),
        [id] => *id,
        _ => {
            return Err(RequestIdError::Conflicting(
                values.iter().map(|value| value.to_string()).collect(),
            ));
        }
    };
    let url_safe = id
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    if id.is_empty() || !url_safe {
        return Err(RequestIdError::Invalid(id.to_string()));
    }
    Ok(id.to_string())
}
// ANCHOR_END: exercise

// The workbook's exercise 5: built with `--features exercise`, the reader's
// `request_id` (exercise/request_id.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/request_id.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::request_id;

// ANCHOR: parse-dump
/// Parses a header dump as `curl -D` writes it: a status line, then one
/// `Name: value` per line, lines ending in CRLF (or a bare LF), a blank
/// line at the end. Lines without a colon are not headers and are skipped.
pub fn parse_header_dump(dump: &str) -> Vec<(String, String)> {
    dump.lines()
        .skip(1)
        .take_while(|line| !line.trim_end_matches('\r').is_empty())
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}
// ANCHOR_END: parse-dump

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn finds_the_id_in_any_case() {
        let found = request_id(&headers(&[(
            "lambda-runtime-aws-request-id",
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
        )]));
        assert_eq!(found.as_deref(), Ok("8476a536-e9f4-11e8-9739-2dfe598c3fcd"));
    }

    #[test]
    fn ignores_the_name_inside_other_headers() {
        let found = request_id(&headers(&[
            (
                "Lambda-Runtime-Client-Context",
                "Lambda-Runtime-Aws-Request-Id: spoofed",
            ),
            ("Lambda-Runtime-Aws-Request-Id", "abc-123"),
        ]));
        assert_eq!(found.as_deref(), Ok("abc-123"));
    }

    #[test]
    fn refuses_missing_conflicting_and_unsafe_ids() {
        assert_eq!(request_id(&[]), Err(RequestIdError::Missing));
        let twice = headers(&[(REQUEST_ID_HEADER, "a"), (REQUEST_ID_HEADER, "b")]);
        assert_eq!(
            request_id(&twice),
            Err(RequestIdError::Conflicting(vec!["a".into(), "b".into()]))
        );
        let same_twice = headers(&[(REQUEST_ID_HEADER, "a"), (REQUEST_ID_HEADER, "a")]);
        assert_eq!(request_id(&same_twice).as_deref(), Ok("a"));
        for unsafe_id in ["", "../../init/error", "a b", "abc:def", "a?b"] {
            let found = request_id(&headers(&[(REQUEST_ID_HEADER, unsafe_id)]));
            assert_eq!(
                found,
                Err(RequestIdError::Invalid(unsafe_id.trim().to_string())),
                "{unsafe_id:?}"
            );
        }
    }

    #[test]
    fn parses_a_crlf_dump_and_stops_at_the_blank_line() {
        let dump = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-A: 1:2\r\n\r\nnot: a header\r\n";
        assert_eq!(
            parse_header_dump(dump),
            headers(&[("Content-Type", "application/json"), ("X-A", "1:2")])
        );
    }
}
