//! The chapter's binary, a runtime that defends itself. With
//! `AWS_LAMBDA_RUNTIME_API` set it serves events; without, `cargo run -p
//! chapter-11` runs it under a local Lambda with a handler that hangs.

use std::process::ExitCode;
use std::time::Duration;

use local_lambda::{FunctionConfig, Invocation, LocalLambda};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = chapter_11::run();
    eprintln!("bootstrap: {fatal}");
    ExitCode::FAILURE
}

// ANCHOR: demo
/// A one-second timeout and a handler that sleeps when asked: the runtime
/// stops it just before Lambda would, reports why, and stays warm.
fn demo() -> ExitCode {
    let task_root = std::env::temp_dir().join(format!("chapter-11-demo-{}", std::process::id()));
    std::fs::create_dir_all(&task_root).expect("a temporary task root");
    let handler = r#"handler() { [ "$1" = hang ] && sleep 30; echo "done: $1"; }"#;
    std::fs::write(task_root.join("function.sh"), handler).expect("write function.sh");
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = task_root.clone();
    config.timeout = Duration::from_secs(1);
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in ["quick", "hang", "quick again"] {
        let outcome = lambda
            .invoke(Invocation::new(event))
            .expect("the event is accepted");
        let cold = if outcome.init_duration.is_some() {
            " (cold start)"
        } else {
            ""
        };
        println!(
            "{event:<11} -> {}{cold}",
            String::from_utf8_lossy(outcome.body())
        );
    }
    lambda.shutdown();
    let _ = std::fs::remove_dir_all(&task_root);
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
