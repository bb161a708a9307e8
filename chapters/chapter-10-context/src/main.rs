//! The chapter's binary: chapter 9's runtime, with the invocation context
//! in the shell handler's environment. With `AWS_LAMBDA_RUNTIME_API` set it
//! serves events; without, `cargo run -p chapter-10` runs it under a local
//! Lambda with a handler that shows what it was given.

use std::process::ExitCode;

use local_lambda::{FunctionConfig, Invocation, LocalLambda};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    // ANCHOR: runtime
    let fatal = match chapter_09::init() {
        Ok((conversation, handler)) => conversation.run(&mut chapter_10::shell_answer(&handler)),
        Err(fatal) => fatal,
    };
    // ANCHOR_END: runtime
    fatal.log();
    ExitCode::FAILURE
}

/// Two events, one as if from a mobile app, for a handler that prints its context.
fn demo() -> ExitCode {
    let handler = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/context.sh");
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = std::path::Path::new(handler)
        .parent()
        .expect("the tests folder")
        .to_path_buf();
    config.handler = "context.handler".to_string();
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    let from_an_app = Invocation {
        client_context: Some(r#"{"client":{"app_title":"demo"}}"#.to_string()),
        ..Invocation::new("{}")
    };
    for invocation in [Invocation::new("{}"), from_an_app] {
        let outcome = lambda.invoke(invocation).expect("the event is accepted");
        println!("{}\n", String::from_utf8_lossy(outcome.body()));
    }
    ExitCode::SUCCESS
}
