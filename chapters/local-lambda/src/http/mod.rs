//! Just enough HTTP/1.1 to be the server side of the Runtime API.
//!
//! The clients we must serve are few but different: `curl` (the bash
//! bootstrap), `ureq` (our chapters), hyper (AWS's Rust client). Between them
//! they use keep-alive, `Content-Length` and chunked bodies, and
//! `Expect: 100-continue` (curl asks for it before a large POST body), so all
//! of those are handled here. Everything else in HTTP is left out.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

mod chunked;
pub use chunked::{ChunkedBody, ChunkedError, read_chunked_body};

/// The largest request body this server reads. Larger than any payload limit
/// it enforces, so that an oversized response still reaches the handler and
/// gets Lambda's own 413 answer instead of a dropped connection.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// The longest request head (request line plus headers) accepted.
const MAX_HEAD: usize = 64 * 1024;

/// One HTTP request as the Runtime API sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the client asked to keep the connection open afterwards.
    pub keep_alive: bool,
    /// Whether the body is a streamed answer
    /// (`Lambda-Runtime-Function-Response-Mode: streaming`), left unread for
    /// its route to read as it comes.
    pub streamed: bool,
}

/// The header with which a runtime says how its answer comes: `streaming`
/// (a chunked body, passed on as it arrives) or `buffered` (the default).
pub const RESPONSE_MODE: &str = "Lambda-Runtime-Function-Response-Mode";

impl Request {
    /// The value of a header, compared without regard to case as HTTP requires.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One HTTP response, written in one go with a `Content-Length`, or chunked.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `Some(n)`: send the body with `Transfer-Encoding: chunked`, at most
    /// `n` bytes a chunk, instead of with a `Content-Length`.
    pub chunk_bytes: Option<usize>,
}

impl Response {
    /// A response with a body and its content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
            chunk_bytes: None,
        }
    }

    /// A JSON response, the form every Runtime API answer takes.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        let mut body = value.to_string().into_bytes();
        // Go's JSON encoder, which Lambda's own Runtime API uses, ends with a newline.
        body.push(b'\n');
        Response::new(status, "application/json", body)
    }

    /// Adds a header and returns the response, for building answers in one expression.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The value of a header, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection before sending anything: the normal end of keep-alive.
    Closed,
    /// The bytes were not an HTTP request we can serve; answer with this status and close.
    Malformed(u16, &'static str),
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> ReadError {
        ReadError::Io(error)
    }
}

/// Reads one request from a connection, answering `Expect: 100-continue` on
/// `interim` before the body is read.
pub fn read_request<R: Read>(
    reader: &mut BufReader<R>,
    interim: &mut impl Write,
) -> Result<Request, ReadError> {
    let head = read_head(reader)?;
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Malformed(505, "only HTTP/1.x is served"));
    }
    let headers = parse_headers(lines)?;
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: Vec::new(),
        keep_alive: false,
        streamed: false,
    };
    request.keep_alive = wants_keep_alive(&request, version);
    request.streamed = request
        .header(RESPONSE_MODE)
        .is_some_and(|mode| mode.eq_ignore_ascii_case("streaming"));
    if request
        .header("Expect")
        .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"))
    {
        interim.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        interim.flush()?;
    }
    if !request.streamed {
        request.body = read_body(reader, &request)?;
    }
    Ok(request)
}

fn read_head<R: Read>(reader: &mut BufReader<R>) -> Result<String, ReadError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader.take(MAX_HEAD as u64).read_until(b'\n', &mut head)?;
        if read == 0 {
            return if head.is_empty() {
                Err(ReadError::Closed)
            } else {
                Err(ReadError::Malformed(400, "connection closed mid-request"))
            };
        }
        let line = &head[before..];
        // A blank line ends the head; leading blank lines between requests are allowed.
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                head.clear();
                continue;
            }
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(ReadError::Malformed(431, "request head too large"));
        }
    }
    String::from_utf8(head).map_err(|_| ReadError::Malformed(400, "request head is not UTF-8"))
}

fn parse_headers<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, ReadError> {
    let mut headers = Vec::new();
    for line in lines {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Malformed(400, "header line without a colon"));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(headers)
}

fn wants_keep_alive(request: &Request, version: &str) -> bool {
    match request.header("Connection") {
        Some(value) if value.eq_ignore_ascii_case("close") => false,
        Some(value) if value.eq_ignore_ascii_case("keep-alive") => true,
        _ => version == "HTTP/1.1",
    }
}

fn read_body<R: Read>(reader: &mut BufReader<R>, request: &Request) -> Result<Vec<u8>, ReadError> {
    let chunked = request
        .header("Transfer-Encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(reader);
    }
    let length = match request.header("Content-Length") {
        None => return Ok(Vec::new()),
        Some(value) => value
            .parse::<usize>()
            .map_err(|_| ReadError::Malformed(400, "Content-Length is not a number"))?,
    };
    if length > MAX_BODY {
        return Err(ReadError::Malformed(413, "request body too large"));
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|_| ReadError::Malformed(400, "connection closed mid-body"))?;
    Ok(body)
}

fn read_chunked<R: Read>(reader: &mut BufReader<R>) -> Result<Vec<u8>, ReadError> {
    read_chunked_body(reader, MAX_BODY).map_err(|error| match error {
        ChunkedError::TooLarge { .. } => ReadError::Malformed(413, "request body too large"),
        ChunkedError::Malformed(_) => ReadError::Malformed(400, "malformed chunked body"),
        ChunkedError::Io(error) => ReadError::Io(error),
    })
}

/// Writes a whole response in one write, head and body together: a client
/// woken by a head alone would only go back to sleep waiting for the body.
/// `keep_alive` false adds `Connection: close`.
pub fn write_response(
    out: &mut impl Write,
    response: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = match response.chunk_bytes {
        None => {
            head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
            response.body.clone()
        }
        Some(chunk_bytes) => {
            head.push_str("Transfer-Encoding: chunked\r\nTrailer: X-Chunk-Count\r\n");
            chunked(&response.body, chunk_bytes)
        }
    };
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut whole = Vec::with_capacity(head.len() + body.len());
    whole.extend_from_slice(head.as_bytes());
    whole.extend_from_slice(&body);
    out.write_all(&whole)?;
    out.flush()
}

/// `body` in the chunked form, `chunk_bytes` at most a chunk: the first
/// chunk's size line carries an extension, and the end a trailer field
/// counting the chunks, so that a reader meets every part of the form.
fn chunked(body: &[u8], chunk_bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / chunk_bytes.max(1) * 12 + 64);
    let mut count = 0;
    for (index, chunk) in body.chunks(chunk_bytes.max(1)).enumerate() {
        // Short: ureq 3 refuses a size line of more than 20 bytes, extension
        // included, and a reader's runtime may well be built on it.
        let extension = if index == 0 { ";x=1" } else { "" };
        out.extend_from_slice(format!("{:x}{extension}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        count += 1;
    }
    out.extend_from_slice(format!("0\r\nX-Chunk-Count: {count}\r\n\r\n").as_bytes());
    out
}

/// The reason phrase for `status`, for a status line.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Request Entity Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Reads the next request on a connection. `None` when there is none to
/// answer: the client closed, or sent something malformed (which is
/// answered here with its status, before the connection is closed).
pub fn read_next<R: Read>(reader: &mut BufReader<R>, writer: &mut impl Write) -> Option<Request> {
    match read_request(reader, writer) {
        Ok(request) => Some(request),
        Err(ReadError::Malformed(status, why)) => {
            let refusal = Response::new(status, "text/plain; charset=utf-8", format!("{why}\n"));
            let _ = write_response(writer, &refusal, false);
            None
        }
        Err(ReadError::Closed | ReadError::Io(_)) => None,
    }
}

/// Serves one keep-alive connection: reads requests and writes `answer`'s
/// responses until the client closes or asks to close.
pub fn serve_connection(connection: &TcpStream, mut answer: impl FnMut(&Request) -> Response) {
    // Small request/response pairs: waiting to fill a packet only adds latency.
    let _ = connection.set_nodelay(true);
    let mut writer = connection;
    let mut reader = BufReader::new(connection);
    while let Some(request) = read_next(&mut reader, &mut writer) {
        let response = answer(&request);
        if write_response(&mut writer, &response, request.keep_alive).is_err()
            || !request.keep_alive
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> (Result<Request, ReadError>, Vec<u8>) {
        let mut interim = Vec::new();
        let result = read_request(&mut BufReader::new(raw), &mut interim);
        (result, interim)
    }

    #[test]
    fn reads_a_content_length_body_and_keeps_alive_by_default() {
        let (request, _) = parse(b"POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcEXTRA");
        let request = request.unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("POST", "/x")
        );
        assert_eq!(request.body, b"abc");
        assert!(request.keep_alive);
    }

    #[test]
    fn reads_a_chunked_body() {
        let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse(raw).0.unwrap().body, b"abcde");
    }

    #[test]
    fn a_chunked_response_reads_back_whole_with_its_extension_and_trailer() {
        let mut response = Response::new(200, "application/json", vec![b'x'; 40_000]);
        response.chunk_bytes = Some(16_384);
        let mut written = Vec::new();
        write_response(&mut written, &response, true).unwrap();
        let text = String::from_utf8_lossy(&written);
        assert!(
            text.contains("Transfer-Encoding: chunked\r\n"),
            "{text:.200}"
        );
        assert!(!text.contains("Content-Length"), "one framing, not two");
        assert!(
            text.contains("\r\n4000;x=1\r\n"),
            "the first chunk's extension"
        );
        assert!(
            text.ends_with("\r\n0\r\nX-Chunk-Count: 3\r\n\r\n"),
            "three chunks and a trailer"
        );
        let body_start = text.find("\r\n\r\n").unwrap() + 4;
        let mut rest = &written[body_start..];
        assert_eq!(
            read_chunked_body(&mut rest, MAX_BODY).unwrap(),
            vec![b'x'; 40_000]
        );
        assert!(rest.is_empty(), "the trailer is read to its end");
    }

    #[test]
    fn answers_expect_continue_before_the_body() {
        let raw = b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz";
        let (request, interim) = parse(raw);
        assert_eq!(request.unwrap().body, b"z");
        assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn header_lookup_ignores_case() {
        let (request, _) = parse(b"GET / HTTP/1.0\r\nX-Thing: 1\r\n\r\n");
        let request = request.unwrap();
        assert_eq!(request.header("x-THING"), Some("1"));
        assert!(
            !request.keep_alive,
            "HTTP/1.0 closes unless asked otherwise"
        );
    }

    #[test]
    fn rejects_garbage_and_reports_a_clean_close() {
        assert!(matches!(
            parse(b"hello\r\n\r\n").0,
            Err(ReadError::Malformed(400, _))
        ));
        assert!(matches!(parse(b"").0, Err(ReadError::Closed)));
    }
}
