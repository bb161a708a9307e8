//! The chapter's binary: with `AWS_LAMBDA_RUNTIME_API` set, chapter 11's
//! runtime, which says so when SIGTERM reaches it; without, `cargo run -p
//! chapter-16` runs that runtime under a local Lambda twice, without an
//! extension and with the chapter's bash extension, and prints the log of
//! each: the runtime hears SIGTERM only in the second.

use std::process::ExitCode;

use std::os::unix::fs::PermissionsExt;

use local_lambda::{FunctionConfig, Invocation, LocalLambda};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let fatal = chapter_11::run();
        eprintln!("bootstrap: {fatal}");
        return ExitCode::FAILURE;
    }
    demo(None);
    demo(Some(BASH_EXTENSION));
    ExitCode::SUCCESS
}

/// The chapter's bash extension, carried in the binary so that the demo
/// runs from anywhere.
const BASH_EXTENSION: &str = include_str!("../bash/logger");

// ANCHOR: demo
/// One invocation of the tutorial's echo handler, with `extension` (a
/// script, if any) in the function's extensions folder; then the
/// environment ends, and the function's log is printed.
fn demo(extension: Option<&str>) {
    let task_root = std::env::temp_dir().join(format!("step-by-step-ch16-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&task_root);
    std::fs::create_dir_all(task_root.join("extensions")).expect("a temporary task root");
    std::fs::write(
        task_root.join("function.sh"),
        r#"handler() { echo "echo: $1"; }"#,
    )
    .expect("write function.sh");
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = task_root.clone();
    if let Some(extension) = extension {
        let installed = task_root.join("extensions/logger");
        std::fs::write(&installed, extension).expect("write the extension");
        std::fs::set_permissions(&installed, std::fs::Permissions::from_mode(0o755))
            .expect("make the extension executable");
        config.extensions = Some(task_root.join("extensions"));
    }
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    lambda
        .invoke(Invocation::new(r#"{"n": 1}"#))
        .expect("the event is accepted");
    lambda.shutdown();
    let with = if extension.is_some() {
        "with"
    } else {
        "without"
    };
    println!("== {with} an extension ==");
    for line in lambda.recording().log() {
        println!("{line}");
    }
    let _ = std::fs::remove_dir_all(&task_root);
}
// ANCHOR_END: demo
