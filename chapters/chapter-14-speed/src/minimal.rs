//! An HTTP client for the Runtime API and nothing else: one keep-alive
//! connection, each request written in one piece and each response read by
//! hand. No URL parsing, no connection pool, no check that a pooled
//! connection is still alive (ureq makes three system calls for that, four
//! times per event). The benchmark's yardstick runtime is made of it, and
//! so is chapter 14's fast `serve`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

use chapter_04::NextInvocation;
use chapter_07::RespondError;
use chapter_09::ErrorReport;

/// A keep-alive HTTP/1.1 connection to the Runtime API.
pub struct MinimalClient {
    host: String,
    /// What comes before `/2018-06-01` in every path: empty on Lambda.
    prefix: String,
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
}

/// What the Runtime API said to a response or an error report.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    Accepted,
    /// Lambda answered, and refused it (413 for a response over 6 MB, say).
    Refused {
        status: u16,
        body: String,
    },
}

/// One response, as far as a runtime cares.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl MinimalClient {
    /// Connects to `address`, `host:port` with an optional `/prefix`, as
    /// chapter 8 reads `AWS_LAMBDA_RUNTIME_API`.
    pub fn connect(address: &str) -> io::Result<MinimalClient> {
        let (host, prefix) = match address.find('/') {
            Some(slash) => address.split_at(slash),
            None => (address, ""),
        };
        let stream = TcpStream::connect(host)?;
        // Each request goes out in one write; waiting to fill a packet
        // (Nagle's algorithm) would only add a delay.
        stream.set_nodelay(true)?;
        Ok(MinimalClient {
            host: host.to_string(),
            prefix: prefix.to_string(),
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            request: Vec::new(),
        })
    }

    // ANCHOR: next
    /// Waits for the next event; any status but 200 is an error naming it.
    pub fn next_invocation(&mut self) -> io::Result<NextInvocation> {
        self.start_request("GET", "invocation/next");
        self.request.extend_from_slice(b"\r\n");
        let response = self.exchange()?;
        if response.status != 200 {
            return Err(invalid(&format!(
                "the Runtime API answered next with {}: {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )));
        }
        Ok(NextInvocation {
            headers: response.headers,
            body: response.body,
        })
    }

    /// Sends the response to the event `id`; as chapter 7's, a status other
    /// than 2xx is Lambda refusing it.
    pub fn send_response(&mut self, id: &str, body: &[u8]) -> Result<(), RespondError> {
        self.start_request("POST", &format!("invocation/{id}/response"));
        self.finish_with_body(body)
    }
    // ANCHOR_END: next

    /// Reports that the event `id` failed, with Lambda's error document.
    pub fn send_error(&mut self, id: &str, report: &ErrorReport) -> Result<(), RespondError> {
        self.start_request("POST", &format!("invocation/{id}/error"));
        let _ = write!(
            self.request,
            "Lambda-Runtime-Function-Error-Type: {}\r\nContent-Type: application/json\r\n",
            report.error_type
        );
        self.finish_with_body(&report.document())
    }

    fn start_request(&mut self, method: &str, path: &str) {
        self.request.clear();
        let _ = write!(
            self.request,
            "{method} {}/2018-06-01/runtime/{path} HTTP/1.1\r\nHost: {}\r\n",
            self.prefix, self.host
        );
    }

    fn finish_with_body(&mut self, body: &[u8]) -> Result<(), RespondError> {
        let _ = write!(self.request, "Content-Length: {}\r\n\r\n", body.len());
        self.request.extend_from_slice(body);
        let response = self
            .exchange()
            .map_err(|error| RespondError::Transport(error.to_string()))?;
        if (200..300).contains(&response.status) {
            return Ok(());
        }
        Err(RespondError::Refused {
            status: response.status,
            body: String::from_utf8_lossy(&response.body).into_owned(),
        })
    }

    /// Sends the request that is ready, in one write, and reads the response.
    fn exchange(&mut self) -> io::Result<Response> {
        self.writer.write_all(&self.request)?;
        read_response(&mut self.reader)
    }
}

/// The largest body this client reads, in bytes: well above Lambda's 6 MiB
/// event, and a bound on what a broken server can make it hold.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How a response says where its body ends.
enum Framing {
    Length(usize),
    Chunked,
    /// Neither header: the body would run to the connection's end, which a
    /// keep-alive client cannot wait for.
    Unframed,
}

/// Reads one response. Lambda's Runtime API sends a `Content-Length`, but
/// HTTP/1.1 lets a server send any body chunked instead, so both are read;
/// a body framed neither way is an error that says so.
fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(&format!("not an HTTP status line: {line:?}")))?;
    let (mut headers, mut framing) = (Vec::new(), Framing::Unframed);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("the connection closed inside a response"));
        }
        let Some((name, value)) = line.split_once(':') else {
            break;
        };
        let (name, value) = (name.to_ascii_lowercase(), value.trim());
        framing = match name.as_str() {
            "transfer-encoding" if value.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            "transfer-encoding" => {
                return Err(invalid(&format!(
                    "a Transfer-Encoding this client cannot read: {value:?}"
                )));
            }
            "content-length" if !matches!(framing, Framing::Chunked) => Framing::Length(
                value
                    .parse()
                    .map_err(|_| invalid(&format!("a bad Content-Length: {value:?}")))?,
            ),
            _ => framing,
        };
        headers.push((name, value.to_string()));
    }
    let body = match framing {
        Framing::Length(length) if length > MAX_BODY => {
            return Err(invalid(&format!(
                "a body of {length} bytes, over {MAX_BODY}"
            )));
        }
        Framing::Length(length) => {
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            body
        }
        // Decoded by the same code that reads chunked requests in the local Lambda.
        Framing::Chunked => local_lambda::http::read_chunked_body(reader, MAX_BODY)?,
        Framing::Unframed if status == 204 || status == 304 => Vec::new(),
        Framing::Unframed => {
            return Err(invalid(&format!(
                "a {status} response with neither Content-Length nor chunked framing"
            )));
        }
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_status_the_request_id_and_exactly_the_body() {
        let bytes = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1";
        let mut reader = &bytes[..];
        let response = read_response(&mut reader).unwrap();
        assert_eq!(response.status, 200);
        let id = (
            "lambda-runtime-aws-request-id".to_string(),
            "abc".to_string(),
        );
        assert_eq!(
            response.headers[0], id,
            "names in lower case, as chapter 4 keeps them"
        );
        assert_eq!(response.body, b"{}");
        assert_eq!(reader, b"HTTP/1.1", "the next response is left alone");
    }

    #[test]
    fn reads_a_chunked_body_with_extensions_and_trailers() {
        let bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: abc\r\n\r\n3;x=y\r\n{\"a\r\n5\r\n\": 1}\r\n0\r\nX-Chunk-Count: 2\r\n\r\nHTTP/1.1";
        let mut reader = &bytes[..];
        let response = read_response(&mut reader).unwrap();
        assert_eq!(response.body, br#"{"a": 1}"#);
        assert_eq!(
            reader, b"HTTP/1.1",
            "the next response is left where it starts"
        );
    }

    #[test]
    fn a_body_it_cannot_frame_is_an_error_that_says_why() {
        let cases: [(&[u8], &str); 3] = [
            (
                b"HTTP/1.1 200 OK\r\n\r\n{}",
                "neither Content-Length nor chunked",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                "cannot read: \"gzip\"",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "not hexadecimal: \"zz\"",
            ),
        ];
        for (bytes, expected) in cases {
            let error = read_response(&mut &bytes[..]).err().expect("refused");
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn a_response_cut_short_is_an_error() {
        let mut reader = &b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}"[..];
        assert!(read_response(&mut reader).is_err());
        let mut reader = &b"garbage\r\n"[..];
        let error = read_response(&mut reader).err().unwrap();
        assert!(
            error.to_string().contains("not an HTTP status line"),
            "{error}"
        );
    }

    #[test]
    fn a_refused_answer_is_reported_with_its_status_not_as_an_error() {
        use std::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            while reader.read_line(&mut request).unwrap() > 2 {}
            let mut body = [0; 2];
            std::io::Read::read_exact(&mut reader, &mut body).unwrap();
            let refusal = r#"{"errorMessage":"too big","errorType":"RequestEntityTooLarge"}"#;
            let answer = format!(
                "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: {}\r\n\r\n{refusal}",
                refusal.len()
            );
            (&stream).write_all(answer.as_bytes()).unwrap();
            request
        });
        let mut client = MinimalClient::connect(&format!("{address}/.rt")).unwrap();
        let sent = client.send_response("abc", b"{}");
        let request = server.join().unwrap();
        assert!(
            request
                .starts_with("POST /.rt/2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("Content-Length: 2\r\n"), "{request}");
        assert!(
            matches!(&sent, Err(RespondError::Refused { status: 413, body }) if body.contains("too big")),
            "{sent:?}"
        );
    }
}
