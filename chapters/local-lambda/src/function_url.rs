//! A Function URL in streaming mode (`InvokeMode: RESPONSE_STREAM`), as
//! `local-lambda --serve --function-url` serves it on the front door's
//! port: any request outside Lambda's own API paths becomes an event in
//! the form Function URLs send (payload format 2.0), and the function's
//! answer becomes the HTTP response as it comes.
//!
//! A function answers an HTTP caller with more than bytes: a status,
//! headers, cookies. Streaming, it sends them first, in a *prelude*: the
//! content type `application/vnd.awslambda.http-integration-response`, a
//! JSON object (`statusCode`, `headers`, `cookies`), eight NUL bytes, then
//! the body. The eight NULs are found by scanning the bytes, wherever they
//! fall: a runtime's writes need not arrive as the pieces it wrote. An
//! answer of any other type goes out as it is, with status 200 and its
//! content type. A function that fails before the head has gone out gets
//! `502 Bad Gateway`, as Lambda gives it.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use base64::Engine;
use serde_json::{Value, json};

use crate::http::{self, Request, Response};
use crate::ids;
use crate::invocation::{Invocation, Outcome, Rejection};
use crate::lambda::LocalLambda;
use crate::lock;
use crate::response_stream::{AnswerWriter, ResponseStream};

/// The content type of an answer that begins with a prelude.
pub const PRELUDE_CONTENT_TYPE: &str = "application/vnd.awslambda.http-integration-response";

/// What separates the prelude from the body.
const PRELUDE_END: [u8; 8] = [0; 8];

/// The longest prelude read before the answer is given up as malformed.
const MAX_PRELUDE: usize = 64 * 1024;

/// Whether `target` is for the function rather than for Lambda's API.
pub(crate) fn is_function_path(target: &str) -> bool {
    !(target.starts_with("/2015-03-31/") || target.starts_with("/2021-11-15/"))
}

// ANCHOR: event
/// The event a Function URL sends for `request`: payload format 2.0, with
/// the body in base64 unless it is text.
pub(crate) fn event(request: &Request, request_id: &str) -> Value {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let mut headers = serde_json::Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            cookies.extend(value.split(';').map(|cookie| json!(cookie.trim())));
            continue;
        }
        // Repeated headers are joined with commas, as HTTP allows.
        let joined = match headers.get(&name).and_then(Value::as_str) {
            Some(earlier) => format!("{earlier},{value}"),
            None => value.clone(),
        };
        headers.insert(name, json!(joined));
    }
    let text = std::str::from_utf8(&request.body).ok();
    let (body, encoded) = match text {
        Some(text) => (text.to_string(), false),
        None => (
            base64::engine::general_purpose::STANDARD.encode(&request.body),
            true,
        ),
    };
    let now = SystemTime::now();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": request.header("Host").unwrap_or("localhost"),
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": request.header("User-Agent").unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": httpdate_like(now),
            "timeEpoch": now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default(),
        },
        "isBase64Encoded": encoded,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = query_parameters(query);
    }
    if !request.body.is_empty() {
        event["body"] = json!(body);
    }
    event
}
// ANCHOR_END: event

/// `a=1&b=2` as `{"a": "1", "b": "2"}`; a repeated name's values are joined
/// with commas, as Function URLs join them.
fn query_parameters(query: &str) -> Value {
    let mut parameters = serde_json::Map::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let joined = match parameters.get(name).and_then(Value::as_str) {
            Some(earlier) => format!("{earlier},{value}"),
            None => value.to_string(),
        };
        parameters.insert(name.to_string(), json!(joined));
    }
    Value::Object(parameters)
}

/// The request time in the form API Gateway and Function URLs give it,
/// `30/Nov/2026:01:40:00 +0000`.
fn httpdate_like(time: SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(time).to_string();
    // 2026-11-30T01:40:00Z
    let (date, clock) = stamp
        .trim_end_matches('Z')
        .split_once('T')
        .unwrap_or_default();
    let mut parts = date.split('-');
    let (year, month, day) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|number| months.get(number.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    format!("{day}/{month}/{year}:{clock} +0000")
}

/// What a response begins with: its status, headers and cookies.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
}

impl Head {
    /// `200` with the answer's content type, for an answer without a prelude.
    fn plain(content_type: &str) -> Head {
        Head {
            status: 200,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            cookies: Vec::new(),
        }
    }
}

/// Where the answer stands on its way to the caller.
enum Stage {
    /// Nothing yet: the content type decides what comes.
    Waiting,
    /// Reading the prelude: the bytes so far.
    Prelude(Vec<u8>),
    /// The head has gone out; the rest is body.
    Body,
    /// The prelude was not what it must be: the caller gets a 502.
    Malformed(String),
}

/// The answer on its way to a Function URL's caller.
struct UrlAnswer {
    connection: TcpStream,
    stage: Stage,
    content_type: String,
}

impl UrlAnswer {
    /// Writes the head: `status`, then each header, each cookie as a
    /// `Set-Cookie`, and a chunked body to come. A name or value with a line
    /// break in it is left out: it would end the head early.
    fn head(&mut self, head: &Head) -> io::Result<()> {
        let (status, headers, cookies) = (head.status, &head.headers, &head.cookies);
        let mut head = format!("HTTP/1.1 {status} {}\r\n", http::reason(status));
        let safe = |text: &str| !text.contains(['\r', '\n']);
        for (name, value) in headers {
            if safe(name) && safe(value) && !name.eq_ignore_ascii_case("transfer-encoding") {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        for cookie in cookies.iter().filter(|cookie| safe(cookie)) {
            head.push_str(&format!("Set-Cookie: {cookie}\r\n"));
        }
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        self.stage = Stage::Body;
        self.connection.write_all(head.as_bytes())
    }

    /// Writes `bytes` as one chunk of the body.
    fn chunk(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        self.connection.write_all(&chunk)
    }

    /// Looks for the end of the prelude in what has come so far; once it
    /// is there, writes the head it describes and the body after it.
    fn scan_prelude(&mut self, so_far: Vec<u8>) -> io::Result<()> {
        let end = so_far
            .windows(PRELUDE_END.len())
            .position(|window| window == PRELUDE_END);
        let Some(end) = end else {
            self.stage = if so_far.len() > MAX_PRELUDE {
                Stage::Malformed(format!(
                    "no end to the prelude in its first {MAX_PRELUDE} bytes"
                ))
            } else {
                Stage::Prelude(so_far)
            };
            return Ok(());
        };
        match prelude(&so_far[..end]) {
            Ok(head) => {
                self.head(&head)?;
                self.chunk(&so_far[end + PRELUDE_END.len()..])
            }
            Err(why) => {
                self.stage = Stage::Malformed(why);
                Ok(())
            }
        }
    }
}

impl AnswerWriter for Arc<Mutex<UrlAnswer>> {
    fn content_type(&mut self, content_type: &str) -> io::Result<()> {
        lock(self).content_type = content_type.to_string();
        Ok(())
    }

    fn write_piece(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut answer = lock(self);
        match std::mem::replace(&mut answer.stage, Stage::Waiting) {
            Stage::Waiting if answer.content_type == PRELUDE_CONTENT_TYPE => {
                answer.scan_prelude(bytes.to_vec())
            }
            Stage::Waiting => {
                let head = Head::plain(&answer.content_type);
                answer.head(&head)?;
                answer.chunk(bytes)
            }
            Stage::Prelude(mut so_far) => {
                so_far.extend_from_slice(bytes);
                answer.scan_prelude(so_far)
            }
            Stage::Body => {
                answer.stage = Stage::Body;
                answer.chunk(bytes)
            }
            malformed @ Stage::Malformed(_) => {
                answer.stage = malformed;
                Ok(())
            }
        }
    }
}

/// The status, headers and cookies a prelude gives. Errors: it is not a
/// JSON object, or its fields are not of their types.
fn prelude(bytes: &[u8]) -> Result<Head, String> {
    let prelude: Value = serde_json::from_slice(bytes)
        .map_err(|error| format!("the prelude is not JSON: {error}"))?;
    let status = match prelude.get("statusCode") {
        None => 200,
        Some(code) => code
            .as_u64()
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| (100..600).contains(code))
            .ok_or_else(|| format!("the prelude's statusCode is not an HTTP status: {code}"))?,
    };
    let headers = match prelude.get("headers") {
        None => Vec::new(),
        Some(Value::Object(headers)) => headers
            .iter()
            .map(|(name, value)| {
                let value = value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(value.to_string());
                (name.clone(), value)
            })
            .collect(),
        Some(other) => return Err(format!("the prelude's headers are not an object: {other}")),
    };
    let cookies = match prelude.get("cookies") {
        None => Vec::new(),
        Some(Value::Array(cookies)) => cookies
            .iter()
            .map(|cookie| {
                cookie
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(cookie.to_string())
            })
            .collect(),
        Some(other) => return Err(format!("the prelude's cookies are not a list: {other}")),
    };
    Ok(Head {
        status,
        headers,
        cookies,
    })
}

// ANCHOR: serve
/// Answers one request to the function's URL on `connection`; false when
/// the connection is to close.
pub(crate) fn serve(request: &Request, connection: &TcpStream, lambda: &LocalLambda) -> bool {
    let Ok(writer) = connection.try_clone() else {
        return false;
    };
    let request_id = ids::request_id();
    let answer = Arc::new(Mutex::new(UrlAnswer {
        connection: writer,
        stage: Stage::Waiting,
        content_type: String::new(),
    }));
    let stream = ResponseStream::to(answer.clone());
    let mut invocation = Invocation::new(event(request, &request_id).to_string());
    invocation.request_id = Some(request_id);
    invocation.stream = Some(stream.clone());
    let outcome = lambda.invoke(invocation);
    // Nothing more from the function: what ends the answer goes last.
    stream.close();
    let mut answer = lock(&answer);
    let ended = end(&mut answer, &outcome);
    ended.is_ok() && request.keep_alive
}
// ANCHOR_END: serve

/// Ends the answer: the end of its body, or, when no head has gone out,
/// the whole response (empty, or a 502 for a failure).
fn end(answer: &mut UrlAnswer, outcome: &Result<Outcome, Rejection>) -> io::Result<()> {
    let failed = !matches!(outcome, Ok(outcome) if outcome.is_success());
    match &answer.stage {
        Stage::Body => answer.connection.write_all(b"0\r\n\r\n"),
        Stage::Waiting if !failed => {
            let head = Head::plain(&answer.content_type);
            answer.head(&head)?;
            answer.connection.write_all(b"0\r\n\r\n")
        }
        Stage::Malformed(why) => {
            let why = why.clone();
            bad_gateway(answer, &why)
        }
        Stage::Prelude(_) => bad_gateway(answer, "the answer ended inside its prelude"),
        Stage::Waiting => bad_gateway(answer, "Internal Server Error"),
    }
}

/// `502 Bad Gateway`, Lambda's answer when the function's is unusable.
fn bad_gateway(answer: &mut UrlAnswer, why: &str) -> io::Result<()> {
    let response = Response::new(502, "text/plain; charset=utf-8", format!("{why}\n"));
    http::write_response(&mut answer.connection, &response, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prelude_gives_status_headers_and_cookies() {
        let head = prelude(
            br#"{"statusCode": 201, "headers": {"Content-Type": "text/html"}, "cookies": ["a=1"]}"#,
        )
        .unwrap();
        assert_eq!(head.status, 201);
        assert_eq!(
            head.headers,
            [("Content-Type".to_string(), "text/html".to_string())]
        );
        assert_eq!(head.cookies, ["a=1"]);
        assert!(prelude(b"{}").is_ok_and(|head| head.status == 200));
        assert!(prelude(b"not json").unwrap_err().contains("not JSON"));
        assert!(prelude(br#"{"statusCode": 7}"#).is_err());
    }

    #[test]
    fn the_event_is_payload_format_2() {
        let request = Request {
            method: "POST".into(),
            target: "/greet/ada?x=1&x=2".into(),
            headers: vec![
                ("Host".into(), "localhost:9000".into()),
                ("Cookie".into(), "a=1; b=2".into()),
                ("X-Thing".into(), "one".into()),
                ("X-Thing".into(), "two".into()),
            ],
            body: b"hello".to_vec(),
            keep_alive: true,
            streamed: false,
        };
        let event = event(&request, "id");
        assert_eq!(event["rawPath"], "/greet/ada");
        assert_eq!(event["rawQueryString"], "x=1&x=2");
        assert_eq!(event["queryStringParameters"]["x"], "1,2");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["headers"]["x-thing"], "one,two");
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!(
            (&event["body"], &event["isBase64Encoded"]),
            (&json!("hello"), &json!(false))
        );
        let time = event["requestContext"]["time"].as_str().unwrap();
        assert!(time.ends_with(" +0000") && time.contains('/'), "{time}");
    }
}
