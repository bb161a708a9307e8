//! The greeter: a handler written in Rust, with typed event and reply. The
//! chapter's `chapter-10-greeter` binary serves it with [`crate::serve`];
//! chapter 14 serves the same handler over a hand-written HTTP client, to
//! measure what the client costs.

use std::process::ExitCode;

use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde::{Deserialize, Serialize};

use crate::{Context, HandlerFailure};

/// The events the greeter is shown with: a greeting, an empty name, an
/// object of another shape, and JSON that is not an object at all (Lambda
/// takes only JSON events, so JSON of the wrong kind is what a runtime meets).
pub const SAMPLE_EVENTS: [&str; 4] = [
    r#"{"name": "Ada"}"#,
    r#"{"name": ""}"#,
    r#"{"nom": "Ada"}"#,
    r#""Ada""#,
];

// ANCHOR: greeter
#[derive(Deserialize)]
pub struct Greeting {
    pub name: String,
}

#[derive(Serialize)]
pub struct Reply {
    pub message: String,
    pub request_id: String,
}

/// Greets by name; an empty name is the caller's mistake, reported as such.
pub fn greet(event: Greeting, context: &Context) -> Result<Reply, HandlerFailure> {
    if event.name.trim().is_empty() {
        return Err(HandlerFailure::new(
            "Greeter.NoName",
            "there is nobody to greet",
        ));
    }
    let message = format!("Hello, {}!", event.name);
    Ok(Reply {
        message,
        request_id: context.request_id.clone(),
    })
}
// ANCHOR_END: greeter

/// The demo of a greeter binary: runs this very program as the bootstrap
/// of a local Lambda and prints what each sample event got.
pub fn demo() -> ExitCode {
    let config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in SAMPLE_EVENTS {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        println!("{event:<16} -> {}", String::from_utf8_lossy(outcome.body()));
    }
    ExitCode::SUCCESS
}
