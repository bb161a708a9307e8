//! `cargo run -p chapter-01`: the tutorial's bash runtime, once, end to end,
//! with everything it said to Lambda and everything Lambda said back.

use std::process::ExitCode;

use local_lambda::{FunctionConfig, Invocation, LocalLambda, bash_original, render_exchanges};

// ANCHOR: demo
fn main() -> ExitCode {
    let event = r#"{"some": "request"}"#;
    // The bash original, started by a local Lambda as Lambda would start it.
    let config = FunctionConfig::for_bootstrap(bash_original().join("bootstrap"));
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    let outcome = lambda.invoke(Invocation::new(event));
    lambda.shutdown();

    let recording = lambda.recording();
    println!("== what the runtime and Lambda said ==");
    print!("{}", render_exchanges(&recording.exchanges()));
    println!("\n== the function's log ==");
    for line in recording.log() {
        println!("{line}");
    }
    println!("\n== what the caller got ==");
    match outcome {
        Ok(outcome) => {
            println!("{}", String::from_utf8_lossy(outcome.body()));
            if outcome.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(refused) => {
            println!("refused: {refused}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: demo
