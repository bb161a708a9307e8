//! The chapter's binary is a runtime that reports its errors. With
//! `AWS_LAMBDA_RUNTIME_API` set it serves events; without, `cargo run -p
//! chapter-09` runs it under a local Lambda with a handler that fails on
//! demand, and shows that the loop goes on.

use std::process::ExitCode;

use std::time::Duration;

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = match chapter_09::init() {
        Ok((conversation, handler)) => conversation.run(&mut chapter_09::shell_answer(&handler)),
        Err(fatal) => fatal,
    };
    fatal.log();
    ExitCode::FAILURE
}

// ANCHOR: demo-main
/// Three events for a handler that fails on the second: an error report,
/// then a warm runtime for the third. Events are JSON, here JSON strings,
/// so the handler sees the quotes.
fn demo() -> ExitCode {
    let handler = r#"handler() { [ "$1" = '"fail"' ] && { echo "asked to fail" >&2; return 3; }; echo "ok: $1"; }"#;
    chapter_09::demo_with_handler(
        handler,
        &[r#""first""#, r#""fail""#, r#""third""#],
        Duration::from_secs(3),
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: demo-main
