//! The check handler of chapter 15, in Rust: what `local-lambda check`
//! asks of a runtime's handler, written for runtimes whose handler is
//! compiled in. `chapter-10-check` serves it with this chapter's `serve`,
//! `chapter-14-check` with chapter 14's.

use std::time::Duration;

use serde_json::Value;

use crate::{Context, HandlerFailure};

/// Does what the event's `check` field says: `fail` fails, `sleep` sleeps
/// 3 s and answers with the event, `log` writes a line to the log and
/// answers `logged`; any other event is the answer.
pub fn check(event: Value, _context: &Context) -> Result<Value, HandlerFailure> {
    match event.get("check").and_then(Value::as_str) {
        Some("fail") => Err(HandlerFailure::new("Check.Failed", "failing, as asked")),
        Some("sleep") => {
            std::thread::sleep(Duration::from_secs(3));
            Ok(event)
        }
        Some("log") => {
            eprintln!("check: a line for the log");
            Ok(Value::from("logged"))
        }
        _ => Ok(event),
    }
}
