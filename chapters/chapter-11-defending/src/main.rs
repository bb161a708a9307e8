//! The chapter's binary, a runtime that defends itself. With
//! `AWS_LAMBDA_RUNTIME_API` set it serves events; without, `cargo run -p
//! chapter-11` runs it under a local Lambda with a handler that hangs.

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = chapter_11::run();
    fatal.log();
    ExitCode::FAILURE
}

// ANCHOR: demo
/// A one-second timeout and a handler that sleeps when asked (its event
/// the JSON string `"hang"`): the runtime stops it just before Lambda
/// would, reports why, and stays warm.
fn demo() -> ExitCode {
    let handler = r#"handler() { [ "$1" = '"hang"' ] && sleep 30; echo "done: $1"; }"#;
    chapter_09::demo_with_handler(
        handler,
        &[r#""quick""#, r#""hang""#, r#""quick again""#],
        Duration::from_secs(1),
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
