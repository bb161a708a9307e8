//! The Rust side of `step.sh`: find the handler (chapters 2 and 3), run it
//! on the event from stdin, print the response exactly. Exit status 1 when
//! the handler cannot be found or run, or fails.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use chapter_03::parse_handler;
use chapter_06::ShellHandler;

// ANCHOR: step
fn main() -> ExitCode {
    match respond() {
        Ok(response) => {
            let _ = std::io::stdout().write_all(&response);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bootstrap: {message}");
            ExitCode::FAILURE
        }
    }
}

fn respond() -> Result<Vec<u8>, String> {
    let settings = chapter_02::settings().map_err(|error| error.to_string())?;
    let handler = parse_handler(&settings.handler).map_err(|error| error.to_string())?;
    let script = handler
        .locate(Path::new(&settings.task_root))
        .map_err(|error| error.to_string())?;
    let mut event = Vec::new();
    std::io::stdin()
        .read_to_end(&mut event)
        .map_err(|error| format!("reading the event: {error}"))?;
    ShellHandler::new(script, &handler.function)
        .run(&event)
        .map_err(|error| error.to_string())
}
// ANCHOR_END: step
