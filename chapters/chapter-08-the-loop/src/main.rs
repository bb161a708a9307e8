//! The chapter's binary is the runtime itself. With `AWS_LAMBDA_RUNTIME_API`
//! set, as on Lambda, it serves events until something stops it. Without,
//! `cargo run -p chapter-08` starts a local Lambda that runs this very
//! binary as its bootstrap, with the tutorial's `function.sh`, and invokes it.

use std::process::ExitCode;

use chapter_08::Runtime;
use local_lambda::{FunctionConfig, Invocation, LocalLambda, bash_original};

// ANCHOR: main
fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let stopped = match Runtime::from_env() {
        Ok(runtime) => runtime.run(),
        Err(error) => error,
    };
    eprintln!("bootstrap: {stopped}");
    ExitCode::FAILURE
}
// ANCHOR_END: main

// ANCHOR: demo
/// Runs this binary under a local Lambda, in place of the bash original.
fn demo() -> ExitCode {
    let this_binary = std::env::current_exe().expect("the path of this program");
    let mut config = FunctionConfig::for_bootstrap(this_binary);
    config.task_root = bash_original();
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in [
        r#"{"some": "request"}"#,
        r#"{"text": "two  spaces"}"#,
        r#""a * b""#,
    ] {
        match lambda.invoke(Invocation::new(event)) {
            Ok(outcome) => println!("{event:<26} -> {}", String::from_utf8_lossy(outcome.body())),
            Err(refused) => println!("{event:<26} -> refused: {refused}"),
        }
    }
    lambda.shutdown();
    println!("\nthe function's log:");
    for line in lambda.recording().log() {
        println!("  {line}");
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
