//! The invoke endpoint, as AWS's Runtime Interface Emulator serves it in
//! Lambda's base images: `POST /2015-03-31/functions/function/invocations`
//! with the event as the body, answered with the function's result.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use serde_json::json;

use crate::http::{self, Request, Response};
use crate::invocation::{Invocation, Rejection};
use crate::lambda::LocalLambda;

/// The path `curl` posts to, as with AWS's base images.
pub const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";

/// A running invoke endpoint.
pub struct FrontDoor {
    address: SocketAddr,
}

impl FrontDoor {
    /// Serves invocations of `lambda` on 127.0.0.1:`port` (0 for any) until the process ends.
    pub fn start(lambda: Arc<LocalLambda>, port: u16) -> std::io::Result<FrontDoor> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let address = listener.local_addr()?;
        thread::Builder::new()
            .name("front-door".to_string())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let lambda = lambda.clone();
                    let _ = thread::Builder::new()
                        .name("front-door-connection".to_string())
                        .spawn(move || serve_connection(stream, &lambda));
                }
            })?;
        Ok(FrontDoor { address })
    }

    /// The full URL to POST events to.
    pub fn invoke_url(&self) -> String {
        format!("http://{}{INVOKE_PATH}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

fn serve_connection(stream: TcpStream, lambda: &LocalLambda) {
    http::serve_connection(&stream, |request| handle(request, lambda));
}

/// Answers one request to the front door.
pub(crate) fn handle(request: &Request, lambda: &LocalLambda) -> Response {
    if !is_invoke_path(&request.target) {
        return Response::new(404, "text/plain; charset=utf-8", "404 page not found\n");
    }
    if request.method != "POST" {
        return Response::new(405, "text/plain; charset=utf-8", "");
    }
    let invocation = Invocation {
        event: request.body.clone(),
        client_context: request
            .header("X-Amz-Client-Context")
            .and_then(decode_base64),
        cognito_identity: None,
        headers_left_out: Vec::new(),
        request_id: None,
    };
    match lambda.invoke(invocation) {
        Ok(outcome) => {
            let response = Response::new(200, "application/json", outcome.body().to_vec());
            match &outcome.result {
                Ok(_) => response,
                // Lambda's Invoke API marks every failure reported by or about the runtime as unhandled.
                Err(_) => response.with_header("X-Amz-Function-Error", "Unhandled"),
            }
        }
        Err(rejection @ Rejection::EventTooLarge { .. }) => Response::json(
            413,
            &json!({"Type": "User", "message": rejection.message()}),
        )
        .with_header("x-amzn-ErrorType", "RequestEntityTooLargeException"),
        Err(rejection @ Rejection::ShutDown) => {
            Response::json(500, &json!({"message": rejection.message()}))
        }
    }
}

/// `/2015-03-31/functions/<any name>/invocations`, as the emulator accepts.
fn is_invoke_path(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix("/2015-03-31/functions/") else {
        return false;
    };
    matches!(rest.split_once('/'), Some((name, "invocations")) if !name.is_empty() && !name.contains('/'))
}

/// Decodes standard base64, the encoding of `X-Amz-Client-Context`.
fn decode_base64(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::new();
    for byte in text.bytes().filter(|&byte| byte != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_function_name_like_the_emulator() {
        assert!(is_invoke_path(INVOKE_PATH));
        assert!(is_invoke_path(
            "/2015-03-31/functions/my-function/invocations?Qualifier=1"
        ));
        assert!(!is_invoke_path("/2015-03-31/functions//invocations"));
        assert!(!is_invoke_path("/2018-06-01/runtime/invocation/next"));
    }

    #[test]
    fn decodes_client_context() {
        assert_eq!(decode_base64("eyJhIjoxfQ==").as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(decode_base64("not base64!"), None);
    }
}
