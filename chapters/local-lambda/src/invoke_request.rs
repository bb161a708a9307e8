//! Reading a request to Lambda's Invoke API
//! (`POST /2015-03-31/functions/{name}/invocations`): the invocation type,
//! the log type, the client context and the trace header, each checked as
//! Lambda checks it, and the payload, which must be JSON.

use base64::Engine;
use serde_json::json;

use crate::config::Limits;
use crate::http::{Request, Response};
use crate::ids;
use crate::invocation::{Invocation, Rejection, check_json};

/// What the caller asked for, in `X-Amz-Invocation-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvocationType {
    /// Run the function and wait for its answer (the default).
    RequestResponse,
    /// Queue the event and answer `202` at once.
    Event,
    /// Check the request and run nothing: `204`.
    DryRun,
}

/// What to do with a payload that is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Payloads {
    /// Refuse it, as Lambda does (`InvalidRequestContentException`).
    #[default]
    JsonOnly,
    /// Pass it to the runtime as it is, which Lambda never does: for
    /// experiments with what a runtime makes of bytes that are not JSON.
    AnyBytes,
}

/// A request Lambda would refuse: its error type, HTTP status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub error_type: &'static str,
    pub status: u16,
    pub message: String,
}

impl From<Rejection> for Refusal {
    fn from(rejection: Rejection) -> Refusal {
        let (error_type, status) = rejection.error_type_and_status();
        Refusal {
            error_type,
            status,
            message: rejection.message(),
        }
    }
}

/// An Invoke request, read and checked.
pub(crate) struct InvokeRequest {
    pub invocation_type: InvocationType,
    /// The invocation to run, with a request id of its own already, so that
    /// the caller's `x-amzn-RequestId` is the id the function sees.
    pub invocation: Invocation,
}

/// Largest `X-Amz-Client-Context` Lambda takes, in bytes of base64.
const CLIENT_CONTEXT_BYTES: usize = 3583;

/// Lambda's `X-Amz-Log-Result`: the last 4 KB of the invocation's log, in base64.
pub(crate) fn log_result(log: &[u8]) -> String {
    let tail = &log[log.len().saturating_sub(LOG_RESULT_BYTES)..];
    base64::engine::general_purpose::STANDARD.encode(tail)
}

/// How much of an invocation's log `X-Amz-Log-Result` holds, in bytes.
const LOG_RESULT_BYTES: usize = 4096;

/// Lambda's answer to a request it refuses: the error type in
/// `x-amzn-ErrorType` (which AWS's SDKs raise as that exception) and a
/// JSON body with the message.
pub(crate) fn refused(refusal: &Refusal) -> Response {
    Response::json(
        refusal.status,
        &json!({"Type": "User", "message": refusal.message}),
    )
    .with_header("x-amzn-ErrorType", refusal.error_type)
}

/// Reads `request`. Errors: a header with a value Lambda does not know,
/// `X-Amz-Log-Type: Tail` on an asynchronous invocation, a client context
/// that is not base64 or too long, a payload over its invocation type's
/// limit in `limits`, or one that is not JSON (unless `payloads` allows
/// it); each with Lambda's error type and status.
pub(crate) fn read(
    request: &Request,
    payloads: Payloads,
    limits: Limits,
) -> Result<InvokeRequest, Refusal> {
    let invocation_type = match request.header("X-Amz-Invocation-Type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => return Err(invalid_parameter("X-Amz-Invocation-Type", other)),
    };
    let log_tail = match request.header("X-Amz-Log-Type") {
        None | Some("None") => false,
        Some("Tail") if invocation_type == InvocationType::RequestResponse => true,
        Some(other) => return Err(invalid_parameter("X-Amz-Log-Type", other)),
    };
    let client_context = request
        .header("X-Amz-Client-Context")
        .map(client_context)
        .transpose()?;
    let limit = match invocation_type {
        InvocationType::Event => limits.async_event_bytes,
        _ => limits.event_bytes,
    };
    let size = request.body.len();
    if size > limit {
        return Err(Rejection::EventTooLarge { size, limit }.into());
    }
    // Lambda passes an empty payload to the function as an empty object.
    let event = if request.body.is_empty() {
        b"{}".to_vec()
    } else {
        request.body.clone()
    };
    if payloads == Payloads::JsonOnly {
        check_json(&event).map_err(Refusal::from)?;
    }
    let invocation = Invocation {
        event,
        client_context,
        trace_header: request.header("X-Amzn-Trace-Id").map(str::to_string),
        log_tail,
        tenant_id: request.header("X-Amz-Tenant-Id").map(str::to_string),
        request_id: Some(ids::request_id()),
        ..Invocation::default()
    };
    Ok(InvokeRequest {
        invocation_type,
        invocation,
    })
}

pub(crate) fn invalid_parameter(header: &str, value: &str) -> Refusal {
    Refusal {
        error_type: "InvalidParameterValueException",
        status: 400,
        message: format!("{header} has a value Lambda does not take here: {value:?}"),
    }
}

/// The client context as the runtime receives it: the JSON the caller
/// encoded in base64.
fn client_context(base64: &str) -> Result<String, Refusal> {
    let refused = |why: &str| Refusal {
        error_type: "InvalidRequestContentException",
        status: 400,
        message: format!("X-Amz-Client-Context {why}"),
    };
    if base64.len() > CLIENT_CONTEXT_BYTES {
        return Err(refused(&format!(
            "is {} bytes; Lambda takes at most {CLIENT_CONTEXT_BYTES}",
            base64.len()
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .map_err(|_| refused("is not base64"))?;
    String::from_utf8(bytes).map_err(|_| refused("is not UTF-8 text once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &[u8]) -> Request {
        Request {
            method: "POST".to_string(),
            target: "/2015-03-31/functions/function/invocations".to_string(),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: body.to_vec(),
            keep_alive: true,
            streamed: false,
        }
    }

    #[test]
    fn reads_the_invocation_type_and_log_type() {
        let read_type = |headers: &[(&str, &str)]| {
            read(
                &request(headers, b"{}"),
                Payloads::JsonOnly,
                Limits::default(),
            )
            .map(|read| read.invocation_type)
        };
        assert_eq!(read_type(&[]), Ok(InvocationType::RequestResponse));
        assert_eq!(
            read_type(&[("X-Amz-Invocation-Type", "Event")]),
            Ok(InvocationType::Event)
        );
        assert_eq!(
            read_type(&[("X-Amz-Invocation-Type", "DryRun")]),
            Ok(InvocationType::DryRun)
        );
        let refused = read_type(&[("X-Amz-Invocation-Type", "Later")]).unwrap_err();
        assert_eq!(
            (refused.error_type, refused.status),
            ("InvalidParameterValueException", 400)
        );
        let tail_async = [
            ("X-Amz-Invocation-Type", "Event"),
            ("X-Amz-Log-Type", "Tail"),
        ];
        assert!(
            read_type(&tail_async).is_err(),
            "Tail is for synchronous invocations"
        );
    }

    #[test]
    fn a_payload_that_is_not_json_is_refused_unless_allowed() {
        let refused = read(
            &request(&[], b"not json"),
            Payloads::JsonOnly,
            Limits::default(),
        )
        .err()
        .unwrap();
        assert_eq!(refused.error_type, "InvalidRequestContentException");
        assert_eq!(refused.status, 400);
        assert!(
            refused
                .message
                .starts_with("Could not parse request body into json")
        );
        assert!(
            read(
                &request(&[], br#""a JSON string""#),
                Payloads::JsonOnly,
                Limits::default()
            )
            .is_ok()
        );
        let raw = read(
            &request(&[], b"not json"),
            Payloads::AnyBytes,
            Limits::default(),
        )
        .ok()
        .unwrap();
        assert_eq!(raw.invocation.event, b"not json");
        let empty = read(&request(&[], b""), Payloads::JsonOnly, Limits::default())
            .ok()
            .unwrap();
        assert_eq!(
            empty.invocation.event, b"{}",
            "no payload is an empty object"
        );
    }

    #[test]
    fn a_payload_over_its_types_limit_is_refused() {
        // A JSON string of `size` bytes.
        let event = |size: usize| {
            let mut event = vec![b'x'; size];
            (event[0], event[size - 1]) = (b'"', b'"');
            event
        };
        let read_sized = |headers: &[(&str, &str)], size: usize| {
            read(
                &request(headers, &event(size)),
                Payloads::JsonOnly,
                Limits::default(),
            )
        };
        let asynchronous = [("X-Amz-Invocation-Type", "Event")];
        assert!(read_sized(&asynchronous, 1024 * 1024).is_ok());
        assert!(
            read_sized(&[], 1024 * 1024 + 1).is_ok(),
            "6 MiB for a synchronous one"
        );
        let refused = read_sized(&asynchronous, 1024 * 1024 + 1).err().unwrap();
        assert_eq!(
            (refused.error_type, refused.status),
            ("RequestEntityTooLargeException", 413)
        );
        let refused = read_sized(&[], 6 * 1024 * 1024 + 1).err().unwrap();
        assert!(
            refused.message.contains("6291456 bytes"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn decodes_the_client_context() {
        let context = [("X-Amz-Client-Context", "eyJhIjoxfQ==")];
        let read_context = read(
            &request(&context, b"{}"),
            Payloads::JsonOnly,
            Limits::default(),
        )
        .ok()
        .unwrap();
        assert_eq!(
            read_context.invocation.client_context.as_deref(),
            Some(r#"{"a":1}"#)
        );
        let broken = [("X-Amz-Client-Context", "not base64!")];
        assert!(
            read(
                &request(&broken, b"{}"),
                Payloads::JsonOnly,
                Limits::default()
            )
            .is_err()
        );
    }
}
