//! Chapter 17: streaming the answer.
//!
//! The runtimes so far answer once the handler is done: the whole response
//! in one POST. A runtime may instead *stream* it: the same POST to
//! `/invocation/{id}/response`, with the header
//! `Lambda-Runtime-Function-Response-Mode: streaming` and a body sent in
//! chunks as the handler writes it. The caller (through
//! `InvokeWithResponseStream` or a Function URL) reads the first bytes
//! while the handler is still at work, and the answer may be up to 200 MB
//! instead of 6.
//!
//! This library is the runtime's side of it, written by hand over a TCP
//! connection: the chunked framing is a few lines, and the one thing the
//! book's HTTP client, ureq, cannot do is send the *trailers* that report
//! a failure after the first byte.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine;
use chapter_04::{NextInvocation, agent, next_invocation};
use chapter_05::request_id;
use chapter_06::{HandlerError, RUN_ONE_EVENT, ShellHandler, memory_file};
use chapter_09::log::{Level, Record};
use chapter_09::{ErrorReport, Fatal, invocation_report, report_invocation_error};

/// The answer's content type when the function does not set
/// `STREAM_CONTENT_TYPE`.
pub const DEFAULT_CONTENT_TYPE: &str = "text/plain";

/// The answer's content type: the function's `STREAM_CONTENT_TYPE`, which
/// is `application/vnd.awslambda.http-integration-response` for a handler
/// that begins its answer with a prelude for an HTTP caller.
pub fn content_type_from_env() -> String {
    std::env::var("STREAM_CONTENT_TYPE").unwrap_or_else(|_| DEFAULT_CONTENT_TYPE.to_string())
}

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// One chunk of a chunked body, as it goes on the wire: the length of
/// `bytes` in hexadecimal, a line end (`\r\n`), the bytes, a line end.
pub fn chunk(bytes: &[u8]) -> Vec<u8> {
    let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
    chunk.extend_from_slice(bytes);
    chunk.extend_from_slice(b"\r\n");
    chunk
}
// ANCHOR_END: exercise

// The workbook's exercise 17: built with `--features exercise`, the
// reader's `chunk` (exercise/chunk.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/chunk.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::chunk;

// ANCHOR: streamed-answer
/// An answer on its way to Lambda, one chunk at a time.
pub struct StreamedAnswer {
    connection: TcpStream,
    /// Whether any byte of the answer has gone: from then on a failure
    /// can only be told in the trailers.
    sent: bool,
}
// ANCHOR_END: streamed-answer

impl StreamedAnswer {
    // ANCHOR: begin
    /// Opens the answer to `request_id` on a connection of its own to the
    /// Runtime API at `runtime_api` (`host:port`): the request's head, with
    /// the streaming mode, a chunked body, and the two trailers that may
    /// follow it announced. Errors: the Runtime API cannot be reached.
    pub fn begin(
        runtime_api: &str,
        request_id: &str,
        content_type: &str,
    ) -> io::Result<StreamedAnswer> {
        let mut connection = TcpStream::connect(runtime_api)?;
        // Each chunk goes at once: waiting to fill a packet is what
        // streaming is meant to avoid.
        connection.set_nodelay(true)?;
        let head = format!(
            "POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n\
             Host: {runtime_api}\r\n\
             Content-Type: {content_type}\r\n\
             Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Transfer-Encoding: chunked\r\n\
             Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
             Connection: close\r\n\r\n"
        );
        connection.write_all(head.as_bytes())?;
        Ok(StreamedAnswer {
            connection,
            sent: false,
        })
    }
    // ANCHOR_END: begin

    // ANCHOR: send
    /// Sends `bytes` as one chunk. Nothing for no bytes: a chunk of size 0
    /// is the one that ends the body.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.connection.write_all(&chunk(bytes))?;
        self.sent = true;
        Ok(())
    }
    // ANCHOR_END: send

    /// Whether any byte of the answer has gone.
    pub fn has_sent(&self) -> bool {
        self.sent
    }

    /// Ends the answer: the last chunk, of size 0, and no trailers.
    /// Returns the Runtime API's status (202 when it took the answer).
    pub fn finish(mut self) -> io::Result<u16> {
        self.connection.write_all(b"0\r\n\r\n")?;
        self.status()
    }

    // ANCHOR: fail
    /// Ends the answer with a failure: the last chunk, then the trailers
    /// with the error's type and its document in base64 (a trailer is a
    /// header line, and a document may hold line breaks). Returns the
    /// Runtime API's status.
    pub fn fail(mut self, report: &ErrorReport) -> io::Result<u16> {
        let document = base64::engine::general_purpose::STANDARD.encode(report.document());
        let end = format!(
            "0\r\n\
             Lambda-Runtime-Function-Error-Type: {}\r\n\
             Lambda-Runtime-Function-Error-Body: {document}\r\n\r\n",
            report.error_type
        );
        self.connection.write_all(end.as_bytes())?;
        self.status()
    }
    // ANCHOR_END: fail

    /// The status on the first line of the Runtime API's answer.
    fn status(self) -> io::Result<u16> {
        let mut line = String::new();
        BufReader::new(self.connection).read_line(&mut line)?;
        line.split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, format!("no status in {line:?}"))
            })
    }
}

/// Starts the handler on `event` (as chapter 6 runs it), with its stdout a
/// pipe to read as it comes, instead of once the handler has exited.
fn start_handler(handler: &ShellHandler, event: &[u8]) -> Result<Child, HandlerError> {
    if event.contains(&0) {
        return Err(HandlerError::NulInEvent);
    }
    let mut stdin = memory_file(c"event").map_err(HandlerError::Spawn)?;
    stdin
        .write_all(event)
        .and_then(|()| io::Seek::rewind(&mut stdin))
        .map_err(HandlerError::Spawn)?;
    Command::new("bash")
        .args(["-c", RUN_ONE_EVENT])
        .arg("handler")
        .arg(&handler.script)
        .arg(&handler.function)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(HandlerError::Spawn)
}

// ANCHOR: begun-at-first-byte
/// An answer to one invocation that is begun at its first byte: until
/// then a failure goes to `/error`, as in chapter 9; after it, in the
/// trailers.
pub struct AnswerToBe<'a> {
    runtime_api: &'a str,
    id: &'a str,
    content_type: &'a str,
    begun: Option<StreamedAnswer>,
}

impl<'a> AnswerToBe<'a> {
    pub fn new(runtime_api: &'a str, id: &'a str, content_type: &'a str) -> AnswerToBe<'a> {
        AnswerToBe {
            runtime_api,
            id,
            content_type,
            begun: None,
        }
    }

    /// The request id of the invocation this answers.
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// Sends `bytes` on, beginning the answer if they are its first.
    /// Errors: the Runtime API cannot be reached.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let answer = match &mut self.begun {
            Some(answer) => answer,
            None => self.begun.insert(StreamedAnswer::begin(
                self.runtime_api,
                self.id,
                self.content_type,
            )?),
        };
        answer.send(bytes)
    }

    /// Ends the answer as a success; an answer with no bytes at all is
    /// begun and ended empty.
    pub fn finish(self) -> io::Result<()> {
        let answer = match self.begun {
            Some(answer) => answer,
            None => StreamedAnswer::begin(self.runtime_api, self.id, self.content_type)?,
        };
        answer.finish().map(|_| ())
    }

    /// Ends the answer as a failure: on `/error` if no byte has gone, in
    /// the trailers if one has.
    pub fn fail(self, report: &ErrorReport) -> io::Result<()> {
        chapter_09::log::write(&Record::error(report).for_request(self.id));
        match self.begun {
            Some(answer) => answer.fail(report).map(|_| ()),
            None => report_invocation_error(&agent(), self.runtime_api, self.id, report)
                .map_err(|error| io::Error::other(error.to_string())),
        }
    }
}
// ANCHOR_END: begun-at-first-byte

// ANCHOR: answer
/// Runs the handler on `invocation` and streams what it writes to Lambda
/// as it comes.
pub fn stream_answer(
    mut answer: AnswerToBe<'_>,
    invocation: &NextInvocation,
    handler: &ShellHandler,
) -> io::Result<()> {
    let mut child = match start_handler(handler, &invocation.body) {
        Ok(child) => child,
        Err(error) => return answer.fail(&invocation_report(&error)),
    };
    let mut output = child.stdout.take().expect("stdout is a pipe");
    let mut piece = [0; 64 * 1024];
    loop {
        let read = output.read(&mut piece)?;
        if read == 0 {
            break;
        }
        answer.send(&piece[..read])?;
    }
    let status = child.wait()?;
    if status.success() {
        answer.finish()
    } else {
        answer.fail(&invocation_report(&HandlerError::Failed(status)))
    }
}
// ANCHOR_END: answer

// ANCHOR: serve
/// A streaming runtime's loop, whatever its handler: the next event, and
/// `answer` streams the answer to it; until Lambda cannot be reached.
pub fn serve(
    runtime_api: &str,
    content_type: &str,
    mut answer: impl FnMut(AnswerToBe<'_>, &NextInvocation) -> io::Result<()>,
) -> Fatal {
    let agent = agent();
    loop {
        let invocation = match next_invocation(&agent, runtime_api) {
            Ok(invocation) => invocation,
            Err(error) => return Fatal(error.to_string()),
        };
        let id = match request_id(&invocation.headers) {
            Ok(id) => id,
            Err(error) => {
                let message = format!("{error}; the event cannot be answered");
                chapter_09::log::write(&Record::new(Level::Error, &message));
                continue;
            }
        };
        let to_be = AnswerToBe::new(runtime_api, &id, content_type);
        if let Err(error) = answer(to_be, &invocation) {
            return Fatal(format!("streaming the answer to {id}: {error}"));
        }
    }
}
// ANCHOR_END: serve

/// The chapter's runtime, for shell handlers: events until Lambda cannot
/// be reached.
pub fn run() -> Fatal {
    let (runtime_api, handler) = match (
        chapter_08::runtime_api_from_env(),
        chapter_08::handler_from_env(),
    ) {
        (Ok(api), Ok(handler)) => (api, handler),
        (Err(error), _) | (_, Err(error)) => return Fatal(error.to_string()),
    };
    let content_type = content_type_from_env();
    serve(&runtime_api, &content_type, |answer, invocation| {
        stream_answer(answer, invocation, &handler)
    })
}

/// One piece of an answer as its caller got it: the seconds since the
/// caller asked, and the bytes.
pub type Arrival = (f64, Vec<u8>);

/// What a caller reading an answer as it comes sees, for the demo and the
/// tests: each piece, and when it came. Give a clone to a local Lambda's
/// `ResponseStream`, and read [`pieces`](Arrivals::pieces) afterwards.
#[derive(Clone)]
pub struct Arrivals {
    pieces: Arc<Mutex<Vec<Arrival>>>,
    asked: Instant,
}

impl Arrivals {
    /// A caller that asks now.
    pub fn new() -> Arrivals {
        Arrivals {
            pieces: Arc::default(),
            asked: Instant::now(),
        }
    }

    /// The pieces so far, in the order they came.
    pub fn pieces(&self) -> Vec<Arrival> {
        self.pieces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Default for Arrivals {
    fn default() -> Arrivals {
        Arrivals::new()
    }
}

impl Write for Arrivals {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let since = self.asked.elapsed().as_secs_f64();
        let mut pieces = self
            .pieces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pieces.push((since, bytes.to_vec()));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
