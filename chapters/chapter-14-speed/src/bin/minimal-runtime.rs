//! The least a runtime can be, as a bootstrap: it answers every event with
//! the event itself, over one keep-alive connection. The benchmark's
//! yardstick: what it costs per event is what the protocol costs. Without
//! `AWS_LAMBDA_RUNTIME_API`, it runs itself under a local Lambda.

use std::process::ExitCode;

use chapter_14::minimal::MinimalClient;
use local_lambda::{FunctionConfig, Invocation, LocalLambda};

// ANCHOR: loop
fn main() -> ExitCode {
    let Some(api) = std::env::var_os("AWS_LAMBDA_RUNTIME_API") else {
        return demo();
    };
    let api = api.to_string_lossy();
    let mut client = match MinimalClient::connect(&api) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("bootstrap: cannot connect to the Runtime API at {api}: {error}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        let event = match client.next_invocation() {
            Ok(event) => event,
            Err(error) => {
                eprintln!("bootstrap: cannot get the next event: {error}");
                return ExitCode::FAILURE;
            }
        };
        let id = event
            .header("lambda-runtime-aws-request-id")
            .unwrap_or_default();
        if let Err(error) = client.send_response(id, &event.body) {
            eprintln!("bootstrap: {error}");
            return ExitCode::FAILURE;
        }
    }
}
// ANCHOR_END: loop

/// Two events, echoed: an object, and JSON of another kind (a string).
fn demo() -> ExitCode {
    let config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in [r#"{"name": "Ada"}"#, r#""just a string""#] {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        println!("{event:<16} -> {}", String::from_utf8_lossy(outcome.body()));
    }
    ExitCode::SUCCESS
}
