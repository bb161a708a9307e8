//! Chapter 17's handler on `lambda_runtime`, AWS's Rust runtime crate,
//! streaming its answer: "first line", a second's pause, "second line";
//! given "fail-late" (the event, or a Function URL request's body), a
//! failure after the first line. The test
//! beside it shows what AWS's client sends for each.

use std::time::Duration;

use lambda_runtime::streaming::{Body, Response, channel};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn stream(event: LambdaEvent<Value>) -> Result<Response<Body>, Error> {
    // "fail-late" as the event, or as the body of a Function URL's request.
    let fail_late = event.payload.to_string().contains("fail-late");
    let (mut sender, body) = channel();
    tokio::spawn(async move {
        let _ = sender.send_data("first line\n".into()).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        if fail_late {
            let why = "the second line could not be made";
            sender.send_error(lambda_runtime_api_client::Error::new(why));
        } else {
            let _ = sender.send_data("second line\n".into()).await;
        }
    });
    Ok(Response::from(body))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(stream)).await
}
