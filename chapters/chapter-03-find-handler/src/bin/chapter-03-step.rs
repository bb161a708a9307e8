//! The Rust side of `step.sh`: read the settings strictly (chapter 2), parse
//! `_HANDLER`, and find its script. Exit status 1 when any of it fails.

use std::path::Path;
use std::process::ExitCode;

use chapter_03::parse_handler;

// ANCHOR: step
fn main() -> ExitCode {
    let found = chapter_02::settings()
        .map_err(|error| error.to_string())
        .and_then(|settings| {
            let handler = parse_handler(&settings.handler).map_err(|error| error.to_string())?;
            let script = handler
                .locate(Path::new(&settings.task_root))
                .map_err(|error| error.to_string())?;
            Ok((script, handler.function))
        });
    match found {
        Ok((script, function)) => {
            println!("file: {}", script.display());
            println!("function: {function}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bootstrap: {message}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: step
