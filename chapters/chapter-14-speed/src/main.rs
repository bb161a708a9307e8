//! The chapter's binary, a runtime whose shell handler lives in one bash
//! process. With `AWS_LAMBDA_RUNTIME_API` set it serves events; without,
//! `cargo run -p chapter-14` runs it under a local Lambda with a handler
//! that counts its events, which shows what persisting means.

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return demo();
    }
    let fatal = chapter_14::run();
    fatal.log();
    ExitCode::FAILURE
}

// ANCHOR: demo
/// A handler with a global counter: it counts on, because the worker
/// persists; until a handler exits (its event the JSON string `"exit"`),
/// and the next event meets a new worker.
fn demo() -> ExitCode {
    let handler = r#"count=0
handler() {
  count=$((count + 1))
  [ "$1" = '"exit"' ] && exit 1
  echo "event $count in this worker: $1"
}"#;
    chapter_09::demo_with_handler(
        handler,
        &[r#""one""#, r#""two""#, r#""exit""#, r#""three""#],
        Duration::from_secs(3),
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: demo
