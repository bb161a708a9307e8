//! An external extension in Rust, the same as `bash/logger`: it registers
//! for `INVOKE` and `SHUTDOWN`, writes one line to the function's log for
//! each event, and leaves at `SHUTDOWN`. Put in a layer's `extensions/`
//! folder, it is started by Lambda before the runtime.
//!
//! Exit status: 0 after `SHUTDOWN`; 1 when the Extensions API cannot be
//! reached or refuses (the message names the request and Lambda's answer).

use std::io::Write;
use std::process::ExitCode;

use chapter_16::{Event, Extension};

// ANCHOR: log
/// Writes one line to the function's log, in one write. The runtime and
/// every extension share that log; `eprintln!` writes its pieces one by
/// one, and a line of the runtime's could land between them.
fn log(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
// ANCHOR_END: log

// ANCHOR: main
fn main() -> ExitCode {
    // Lambda names an external extension by its file's name.
    let name = std::env::args()
        .next()
        .and_then(|path| {
            Some(
                std::path::Path::new(&path)
                    .file_name()?
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .unwrap_or_else(|| "extension".to_string());
    let Ok(runtime_api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        log(&format!(
            "{name}: AWS_LAMBDA_RUNTIME_API is not set: Lambda starts extensions, not you"
        ));
        return ExitCode::FAILURE;
    };
    let extension = match Extension::register(&runtime_api, &name, &["INVOKE", "SHUTDOWN"]) {
        Ok(extension) => extension,
        Err(error) => {
            log(&format!("{name}: {error}"));
            return ExitCode::FAILURE;
        }
    };
    log(&format!("{name}: registered"));
    loop {
        match extension.next_event() {
            Ok(Event::Invoke { request_id, .. }) => log(&format!("{name}: INVOKE {request_id}")),
            Ok(Event::Shutdown { reason, .. }) => {
                log(&format!("{name}: SHUTDOWN ({reason})"));
                return ExitCode::SUCCESS;
            }
            Err(error) => {
                log(&format!("{name}: {error}"));
                return ExitCode::FAILURE;
            }
        }
    }
}
// ANCHOR_END: main
