//! `InvokeWithResponseStream`: the Invoke API's door for callers that read
//! the answer as it comes, `POST
//! /2021-11-15/functions/{name}/response-streaming-invocations` (note the
//! date; the buffered Invoke's is 2015-03-31).
//!
//! The answer is `200` at once, with a body in AWS's *event stream*
//! encoding (`application/vnd.amazon.eventstream`), sent chunked: a
//! `PayloadChunk` event for each piece of the function's answer as it
//! arrives, then one `InvokeComplete` event. A function that fails, before
//! its first byte or after, does not change the status: the error rides in
//! `InvokeComplete`, as `ErrorCode` and `ErrorDetails`, with `LogResult`
//! when the log was asked for. The event stream's framing (a prelude, typed
//! headers, two CRC32 checksums) is AWS's binary format, not what this
//! book teaches, so the `aws-smithy-eventstream` crate writes it.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use serde_json::json;

use crate::http::{self, Request, Response};
use crate::invocation::Outcome;
use crate::invoke_request::{self, InvocationType, Payloads, log_result, refused};
use crate::lambda::LocalLambda;
use crate::lock;
use crate::response_stream::{AnswerWriter, ResponseStream};

/// Whether `target` is the streaming door:
/// `/2021-11-15/functions/<any name>/response-streaming-invocations`.
pub(crate) fn is_stream_path(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix("/2021-11-15/functions/") else {
        return false;
    };
    matches!(rest.split_once('/'), Some((name, "response-streaming-invocations")) if !name.is_empty() && !name.contains('/'))
}

/// The answer on its way to the caller: the connection, and whether its
/// head has gone out.
struct Answering {
    connection: TcpStream,
    head_sent: bool,
    request_id: String,
    version: String,
}

impl Answering {
    /// Writes the head once: `200`, the event stream's content type, chunked.
    fn head(&mut self) -> io::Result<()> {
        if self.head_sent {
            return Ok(());
        }
        self.head_sent = true;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\nTransfer-Encoding: chunked\r\nX-Amz-Executed-Version: {}\r\nx-amzn-RequestId: {}\r\n\r\n",
            self.version, self.request_id
        );
        self.connection.write_all(head.as_bytes())
    }

    /// Writes one event as one HTTP chunk.
    fn event(&mut self, message: &Message) -> io::Result<()> {
        self.head()?;
        let mut encoded = Vec::new();
        aws_smithy_eventstream::frame::write_message_to(message, &mut encoded)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error.to_string()))?;
        let mut chunk = format!("{:x}\r\n", encoded.len()).into_bytes();
        chunk.extend_from_slice(&encoded);
        chunk.extend_from_slice(b"\r\n");
        self.connection.write_all(&chunk)
    }
}

/// The function's bytes, each piece one `PayloadChunk` event.
struct PayloadChunks(Arc<Mutex<Answering>>);

impl AnswerWriter for PayloadChunks {
    fn write_piece(&mut self, bytes: &[u8]) -> io::Result<()> {
        let chunk = event("PayloadChunk", "application/octet-stream", bytes.to_vec());
        lock(&self.0).event(&chunk)
    }
}

/// An event of the stream: its type, its payload and the payload's type.
fn event(event_type: &'static str, content_type: &'static str, payload: Vec<u8>) -> Message {
    Message::new(payload)
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.into()),
        ))
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String(content_type.into()),
        ))
}

// ANCHOR: serve
/// Answers one request at the streaming door on `connection`; false when
/// the connection is to close.
pub(crate) fn serve(
    request: &Request,
    connection: &TcpStream,
    lambda: &LocalLambda,
    payloads: Payloads,
) -> bool {
    let whole = |response: &Response| {
        http::write_response(&mut &*connection, response, request.keep_alive).is_ok()
    };
    if request.method != "POST" {
        return whole(&Response::new(405, "text/plain; charset=utf-8", ""));
    }
    let mut read = match invoke_request::read(request, payloads, lambda.limits()) {
        Ok(read) => read,
        Err(refusal) => return whole(&refused(&refusal)),
    };
    match read.invocation_type {
        InvocationType::RequestResponse => {}
        InvocationType::DryRun => return whole(&Response::new(204, "application/json", "")),
        InvocationType::Event => {
            let refusal = invoke_request::invalid_parameter("X-Amz-Invocation-Type", "Event");
            return whole(&refused(&refusal));
        }
    }
    let Ok(connection) = connection.try_clone() else {
        return false;
    };
    let answering = Arc::new(Mutex::new(Answering {
        connection,
        head_sent: false,
        request_id: read.invocation.request_id.clone().unwrap_or_default(),
        version: lambda.function_version().to_string(),
    }));
    let stream = ResponseStream::to(PayloadChunks(answering.clone()));
    read.invocation.stream = Some(stream.clone());
    let outcome = lambda.invoke(read.invocation);
    // No more payload from here on: what ends the answer goes last.
    stream.close();
    let mut answering = lock(&answering);
    match outcome {
        Err(rejection) if !answering.head_sent => whole(&refused(&rejection.into())),
        Err(rejection) => finish(
            &mut answering,
            &complete_for_rejection(&rejection.message()),
        ),
        Ok(outcome) => finish(&mut answering, &complete(&outcome)),
    }
}
// ANCHOR_END: serve

/// Writes the `InvokeComplete` event and the end of the chunked body.
fn finish(answering: &mut Answering, complete: &Message) -> bool {
    answering.event(complete).is_ok() && answering.connection.write_all(b"0\r\n\r\n").is_ok()
}

/// `InvokeComplete` for an invocation: the error, if it failed, and the
/// log's tail, if it was asked for.
fn complete(outcome: &Outcome) -> Message {
    let mut fields = serde_json::Map::new();
    if let Err(error) = &outcome.result {
        fields.insert("ErrorCode".into(), json!(error.error_type));
        fields.insert(
            "ErrorDetails".into(),
            json!(String::from_utf8_lossy(&error.body)),
        );
    }
    if let Some(log) = &outcome.log {
        fields.insert("LogResult".into(), json!(log_result(log)));
    }
    let payload = serde_json::Value::Object(fields).to_string().into_bytes();
    event("InvokeComplete", "application/json", payload)
}

/// `InvokeComplete` for an invocation Lambda gave up on after the answer began.
fn complete_for_rejection(message: &str) -> Message {
    let payload = json!({"ErrorCode": "ServiceException", "ErrorDetails": message});
    event(
        "InvokeComplete",
        "application/json",
        payload.to_string().into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streaming_door_is_under_its_own_date() {
        assert!(is_stream_path(
            "/2021-11-15/functions/function/response-streaming-invocations"
        ));
        assert!(is_stream_path(
            "/2021-11-15/functions/f/response-streaming-invocations?Qualifier=2"
        ));
        assert!(!is_stream_path(
            "/2015-03-31/functions/function/response-streaming-invocations"
        ));
        assert!(!is_stream_path(
            "/2021-11-15/functions//response-streaming-invocations"
        ));
    }
}
