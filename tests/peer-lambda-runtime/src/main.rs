//! Chapter 10's greeter on `lambda_runtime`, AWS's Rust runtime crate: the
//! peer that chapter 14's benchmark measures our runtime against. The same
//! event in, the same reply out; only the runtime underneath differs.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};

// ANCHOR: peer
#[derive(Deserialize)]
struct Greeting {
    name: String,
}

#[derive(Serialize)]
struct Reply {
    message: String,
    request_id: String,
}

async fn greet(event: LambdaEvent<Greeting>) -> Result<Reply, Error> {
    if event.payload.name.trim().is_empty() {
        return Err("there is nobody to greet".into());
    }
    Ok(Reply {
        message: format!("Hello, {}!", event.payload.name),
        request_id: event.context.request_id,
    })
}

// A current-thread runtime: Lambda gives an execution environment one event
// at a time (but on Lambda Managed Instances, which this runtime is not
// written for), and a second thread would only add wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(greet)).await
}
// ANCHOR_END: peer
