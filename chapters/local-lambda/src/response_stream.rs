//! A runtime's streamed answer, passed on as it comes.
//!
//! A runtime may answer with `Lambda-Runtime-Function-Response-Mode:
//! streaming` and a chunked body: Lambda passes each piece on to the caller
//! as it arrives, never holding the whole answer, up to 200 MiB. The first
//! 6 MiB go at full speed, the rest at 2 MiB/s. A failure after the first
//! byte cannot use `/error` any more (the caller already has part of an
//! answer); the runtime reports it in HTTP trailers after the last chunk,
//! `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
//! (the error document in base64), announced up front in a `Trailer:`
//! header. The Runtime API's route (`runtime_api.rs`) decides whether the
//! stream may begin and takes the result; this module reads the stream and
//! passes it on.

use std::fmt;
use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::config::{Limits, StreamShaping};
use crate::http::ChunkedBody;
use crate::lock;

/// The trailer with the error type of a failure after the first byte.
pub const ERROR_TYPE_TRAILER: &str = "Lambda-Runtime-Function-Error-Type";
/// The trailer with the error document, in base64.
pub const ERROR_BODY_TRAILER: &str = "Lambda-Runtime-Function-Error-Body";

/// What an answer read as it comes is written to: its content type
/// first, then its bytes.
pub trait AnswerWriter: Send {
    /// The answer's `Content-Type`, as the runtime sent it, before its
    /// first byte.
    fn content_type(&mut self, _content_type: &str) -> io::Result<()> {
        Ok(())
    }

    /// The next bytes of the answer, to go on at once.
    fn write_piece(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// Any `Write` takes the bytes and leaves the type.
struct Plain<W>(W);

impl<W: Write + Send> AnswerWriter for Plain<W> {
    fn write_piece(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
}

// ANCHOR: response-stream
/// Where an invocation's answer goes as the runtime sends it, for a caller
/// that reads it as it comes (`InvokeWithResponseStream`, a Function URL,
/// `--stream`): every byte of a successful answer, streamed or not, in
/// order. Once [`close`](ResponseStream::close)d, nothing more is written
/// to it, so that its owner can write what ends the answer.
#[derive(Clone)]
pub struct ResponseStream(Arc<Mutex<Option<Box<dyn AnswerWriter>>>>);
// ANCHOR_END: response-stream

impl ResponseStream {
    /// A stream of the answer's bytes into `out`.
    pub fn new(out: impl Write + Send + 'static) -> ResponseStream {
        ResponseStream::to(Plain(out))
    }

    /// A stream into `out`, which is told the content type too.
    pub fn to(out: impl AnswerWriter + 'static) -> ResponseStream {
        ResponseStream(Arc::new(Mutex::new(Some(Box::new(out)))))
    }

    /// Passes the answer's content type on. Errors: as [`send`](Self::send).
    pub(crate) fn start(&self, content_type: &str) -> io::Result<()> {
        self.with_writer(|out| out.content_type(content_type))
    }

    /// Passes `bytes` on. Errors: the stream is closed, or its writer
    /// failed (the caller went away).
    pub(crate) fn send(&self, bytes: &[u8]) -> io::Result<()> {
        self.with_writer(|out| out.write_piece(bytes))
    }

    fn with_writer(
        &self,
        action: impl FnOnce(&mut dyn AnswerWriter) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut out = lock(&self.0);
        let out = out
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the stream is closed"))?;
        action(out.as_mut())
    }

    /// Closes the stream: nothing more is sent through it.
    pub fn close(&self) {
        drop(lock(&self.0).take());
    }
}

impl PartialEq for ResponseStream {
    fn eq(&self, other: &ResponseStream) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ResponseStream {}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ResponseStream")
    }
}

/// What a streamed answer came to.
#[derive(Debug, Default)]
pub(crate) struct Received {
    /// The answer, kept for a caller that does not read it as it comes
    /// (at most the buffered limit; see `too_large`).
    pub body: Vec<u8>,
    /// How many bytes the runtime sent.
    pub bytes: usize,
    /// The error the runtime reported after its last chunk, or Lambda's
    /// own: the answer was too large, or broken off.
    pub error: Option<(String, Vec<u8>)>,
}

// ANCHOR: forward
/// Reads a streamed answer of `content_type` from `reader` and passes
/// each piece to `to` (or keeps it, without one), at the pace `limits` set.
/// `first_byte` is called once, before the first byte goes on. Reads to
/// the end of the body whatever happens, so that the connection can serve
/// the runtime's next request.
pub(crate) fn forward(
    reader: &mut impl BufRead,
    to: Option<&ResponseStream>,
    content_type: &str,
    limits: &Limits,
    first_byte: impl FnOnce(),
) -> Received {
    let mut received = Received::default();
    let mut body = ChunkedBody::new(reader);
    let mut piece = vec![0; 64 * 1024];
    let mut first_byte = Some(first_byte);
    let mut caller_gone = to.is_some_and(|stream| stream.start(content_type).is_err());
    let started = Instant::now();
    loop {
        let read = match body.read(&mut piece) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) => {
                received.error = Some(lambda_error(
                    "Runtime.TruncatedResponse",
                    &format!("The runtime's streamed response was cut short: {error}"),
                ));
                return received;
            }
        };
        received.bytes += read;
        if received.bytes > limits.streamed_response_bytes {
            // Over the limit: read on to the end, passing nothing more.
            let limit = limits.streamed_response_bytes;
            received.error.get_or_insert_with(|| too_large(limit));
            continue;
        }
        if let Some(first_byte) = first_byte.take() {
            first_byte();
        }
        match to {
            Some(stream) if !caller_gone => {
                pace(limits.stream_shaping, started, received.bytes as u64);
                // A caller that went away stops the passing on, not the
                // reading: Lambda bills the whole answer.
                caller_gone = stream.send(&piece[..read]).is_err();
            }
            Some(_) => {}
            None => keep(&mut received, &piece[..read], limits.response_bytes),
        }
    }
    if received.error.is_none() {
        received.error = trailer_error(body.trailers());
    }
    received
}
// ANCHOR_END: forward

/// Waits until `sent` bytes (counted from the first) may have gone on:
/// the burst at once, the rest at the shaping's rate.
fn pace(shaping: Option<StreamShaping>, started: Instant, sent: u64) {
    let Some(shaping) = shaping else { return };
    let over = sent.saturating_sub(shaping.burst_bytes);
    if over == 0 {
        return;
    }
    let due = started + Duration::from_secs_f64(over as f64 / shaping.bytes_per_second as f64);
    let now = Instant::now();
    if due > now {
        std::thread::sleep(due - now);
    }
}

/// Keeps `piece` for a caller that takes the answer whole, up to `limit`
/// bytes; past it, the answer is too large for that caller.
fn keep(received: &mut Received, piece: &[u8], limit: usize) {
    if received.body.len() + piece.len() > limit {
        received.error.get_or_insert_with(|| too_large(limit));
    } else {
        received.body.extend_from_slice(piece);
    }
}

fn too_large(limit: usize) -> (String, Vec<u8>) {
    lambda_error(
        "Function.ResponseSizeTooLarge",
        &format!("Response payload size exceeded maximum allowed payload size ({limit} bytes)."),
    )
}

/// An error Lambda raises itself: its type, and the document.
fn lambda_error(error_type: &str, message: &str) -> (String, Vec<u8>) {
    let document = serde_json::json!({"errorMessage": message, "errorType": error_type});
    (error_type.to_string(), document.to_string().into_bytes())
}

/// The error the runtime reported in its trailers, if it did: the type,
/// and the document decoded from base64 (kept as sent if it is not base64).
fn trailer_error(trailers: &[(String, String)]) -> Option<(String, Vec<u8>)> {
    let trailer = |name: &str| {
        trailers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let error_type = trailer(ERROR_TYPE_TRAILER)?;
    let body = trailer(ERROR_BODY_TRAILER).unwrap_or_default();
    let document = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap_or_else(|_| body.as_bytes().to_vec());
    Some((error_type.to_string(), document))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read afterwards.
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn unshaped() -> Limits {
        Limits {
            stream_shaping: None,
            ..Limits::default()
        }
    }

    #[test]
    fn the_pieces_go_on_in_order_and_the_trailers_say_what_failed() {
        let sent = b"5\r\nhello\r\n6\r\n world\r\n0\r\nLambda-Runtime-Function-Error-Type: Runtime.StreamError\r\nLambda-Runtime-Function-Error-Body: eyJlcnJvck1lc3NhZ2UiOiJsYXRlIn0=\r\n\r\n";
        let out = Arc::new(Mutex::new(Vec::new()));
        let stream = ResponseStream::new(Shared(out.clone()));
        let mut first = 0;
        let received = forward(
            &mut &sent[..],
            Some(&stream),
            "text/plain",
            &unshaped(),
            || first += 1,
        );
        assert_eq!(*lock(&out), b"hello world");
        assert_eq!(first, 1);
        assert_eq!(received.bytes, 11);
        assert_eq!(
            received.error,
            Some((
                "Runtime.StreamError".to_string(),
                br#"{"errorMessage":"late"}"#.to_vec()
            ))
        );
    }

    #[test]
    fn without_a_stream_the_answer_is_kept_within_the_buffered_limit() {
        let limits = Limits {
            response_bytes: 8,
            ..unshaped()
        };
        let fits = forward(&mut &b"3\r\nabc\r\n0\r\n\r\n"[..], None, "", &limits, || {});
        assert_eq!((fits.body, fits.error), (b"abc".to_vec(), None));
        let over = forward(
            &mut &b"9\r\n123456789\r\n0\r\n\r\n"[..],
            None,
            "",
            &limits,
            || {},
        );
        assert_eq!(over.error.unwrap().0, "Function.ResponseSizeTooLarge");
        let cut = forward(&mut &b"9\r\n1234"[..], None, "", &limits, || {});
        assert_eq!(cut.error.unwrap().0, "Runtime.TruncatedResponse");
    }

    #[test]
    fn a_streamed_answer_over_its_limit_is_cut_and_failed() {
        let limits = Limits {
            streamed_response_bytes: 4,
            ..unshaped()
        };
        let out = Arc::new(Mutex::new(Vec::new()));
        let stream = ResponseStream::new(Shared(out.clone()));
        let sent = b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
        let received = forward(&mut &sent[..], Some(&stream), "", &limits, || {});
        assert_eq!(*lock(&out), b"abc", "nothing past the limit goes on");
        assert_eq!(received.bytes, 6, "but the whole body is read");
        assert_eq!(received.error.unwrap().0, "Function.ResponseSizeTooLarge");
    }

    #[test]
    fn past_the_burst_the_pace_is_the_rate() {
        let shaping = Some(StreamShaping {
            burst_bytes: 1_000,
            bytes_per_second: 10_000,
        });
        let started = Instant::now();
        pace(shaping, started, 1_000);
        assert!(
            started.elapsed() < Duration::from_millis(5),
            "the burst goes at once"
        );
        pace(shaping, started, 2_000);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_millis(150),
            "1,000 bytes over the burst at 10,000 a second: {waited:?}"
        );
    }
}
