//! Chapter 15's check handler on `lambda_runtime`, AWS's Rust runtime
//! crate, for `local-lambda check`: AWS's client graded as the book's are.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn check(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let payload = event.payload;
    match payload.get("check").and_then(Value::as_str) {
        Some("fail") => Err("failing, as asked".into()),
        Some("sleep") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(payload)
        }
        Some("log") => {
            eprintln!("check: a line for the log");
            Ok(Value::from("logged"))
        }
        _ => Ok(payload),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(check)).await
}
