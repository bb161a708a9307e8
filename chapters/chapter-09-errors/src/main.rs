//! The chapter's binary is a runtime that reports its errors. With
//! `AWS_LAMBDA_RUNTIME_API` set it serves events; without, `cargo run -p
//! chapter-09` runs it under a local Lambda with a handler that fails on
//! demand, and shows that the loop goes on.

use std::process::ExitCode;

use local_lambda::{FunctionConfig, Invocation, LocalLambda};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = match chapter_09::init() {
        Ok((conversation, handler)) => conversation.run(&mut chapter_09::shell_answer(&handler)),
        Err(fatal) => fatal,
    };
    eprintln!("bootstrap: {fatal}");
    ExitCode::FAILURE
}

// ANCHOR: demo
/// Three events for a handler that fails on the second: an error report,
/// then a warm runtime for the third.
fn demo() -> ExitCode {
    let task_root = std::env::temp_dir().join(format!("chapter-09-demo-{}", std::process::id()));
    std::fs::create_dir_all(&task_root).expect("a temporary task root");
    let handler = r#"handler() { [ "$1" = fail ] && { echo "asked to fail" >&2; return 3; }; echo "ok: $1"; }"#;
    std::fs::write(task_root.join("function.sh"), handler).expect("write function.sh");

    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = task_root.clone();
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in ["first", "fail", "third"] {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        let cold = if outcome.init_duration.is_some() {
            " (cold start)"
        } else {
            ""
        };
        println!(
            "{event:<6} -> {}{cold}",
            String::from_utf8_lossy(outcome.body())
        );
    }
    lambda.shutdown();
    let _ = std::fs::remove_dir_all(&task_root);
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
