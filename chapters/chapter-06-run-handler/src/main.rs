//! `cargo run -p chapter-06`: the tutorial's handler, run from Rust on a
//! few events. Its log lines (stderr) show up as they happen.

use chapter_06::ShellHandler;

// ANCHOR: demo
fn main() {
    let script = local_lambda::bash_original().join("function.sh");
    let handler = ShellHandler::new(script, "handler");
    for event in [
        r#"{"some": "request"}"#,
        r#"{"text": "two  spaces"}"#,
        "{\n  \"pretty\": \"printed\"\n}",
    ] {
        match handler.run(event.as_bytes()) {
            Ok(response) => println!("response: {}", String::from_utf8_lossy(&response)),
            Err(error) => println!("error: {error}"),
        }
    }
}
// ANCHOR_END: demo
