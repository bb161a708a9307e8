//! A handler written in Rust, and its runtime: `chapter_10::serve` is all
//! it takes. Without `AWS_LAMBDA_RUNTIME_API`, `cargo run -p chapter-10
//! --bin chapter-10-greeter` runs it under a local Lambda.

use std::process::ExitCode;

use chapter_10::{Context, HandlerFailure, serve};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde::{Deserialize, Serialize};

// ANCHOR: greeter
#[derive(Deserialize)]
struct Greeting {
    name: String,
}

#[derive(Serialize)]
struct Reply {
    message: String,
    request_id: String,
}

fn greet(event: Greeting, context: &Context) -> Result<Reply, HandlerFailure> {
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

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = serve(greet);
    eprintln!("bootstrap: {fatal}");
    ExitCode::FAILURE
}
// ANCHOR_END: greeter

/// Three events: a greeting, one with an empty name, one that is not a greeting.
fn demo() -> ExitCode {
    let config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in [r#"{"name": "Ada"}"#, r#"{"name": ""}"#, r#"{"nom": "Ada"}"#] {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        println!("{event:<16} -> {}", String::from_utf8_lossy(outcome.body()));
    }
    ExitCode::SUCCESS
}
