//! The R runtime. With `AWS_LAMBDA_RUNTIME_API` set it serves events with
//! the R handler named by `_HANDLER` (mode from `R_RUNTIME_MODE`); without,
//! `cargo run -p chapter-12` runs it under a local Lambda with the example
//! lambdr handler `parity` in `example/runtime.R`.

use std::path::Path;
use std::process::ExitCode;

use chapter_09::{Conversation, Fatal};
use chapter_10::Context;
use local_lambda::{FunctionConfig, Invocation, LocalLambda};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    run().log();
    ExitCode::FAILURE
}

// ANCHOR: runtime
/// Init (chapters 2, 3 and 9, with `.R` for `.sh`), then chapter 9's loop
/// with the R handler's answer.
fn run() -> Fatal {
    let conversation = match Conversation::from_env() {
        Ok(conversation) => conversation,
        Err(fatal) => return fatal,
    };
    match chapter_12::handler_from_env() {
        Ok(mut handler) => conversation.run(&mut |invocation, id| {
            let context = Context::from_invocation(id, invocation)?;
            handler.answer(&invocation.body, &context)
        }),
        Err(report) => conversation.fail_init(&report),
    }
}

// ANCHOR_END: runtime

// ANCHOR: demo
/// lambdr's `parity` handler (`example/runtime.R`), in persistent mode, on
/// a direct event and on what API Gateway, EventBridge and SNS would send.
fn demo() -> ExitCode {
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("example");
    config.handler = "runtime.parity".to_string();
    config.timeout = std::time::Duration::from_secs(30);
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    let events = [
        ("direct", r#"{"number": 9}"#),
        (
            "API Gateway, REST",
            include_str!("../tests/events/rest-api.json"),
        ),
        (
            "API Gateway, HTTP",
            include_str!("../tests/events/http-api.json"),
        ),
        (
            "EventBridge",
            include_str!("../tests/events/eventbridge.json"),
        ),
        ("SNS", include_str!("../tests/events/sns.json")),
        ("direct, not a number", r#"{"number": "nine"}"#),
    ];
    for (kind, event) in events {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        println!("{kind:<21} -> {}", String::from_utf8_lossy(outcome.body()));
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
