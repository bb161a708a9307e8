//! An external extension in Rust, the same as `bash/logger`: it registers
//! for `INVOKE` and `SHUTDOWN`, writes one line to the function's log for
//! each event, and leaves at `SHUTDOWN`. Put in a layer's `extensions/`
//! folder, it is started by Lambda before the runtime.
//!
//! Exit status: 0 after `SHUTDOWN`; 1 when the Extensions API cannot be
//! reached or refuses (the message names the request and Lambda's answer).

use std::process::ExitCode;

use chapter_16::{Event, Extension, log, own_name};

// ANCHOR: main
fn main() -> ExitCode {
    let name = own_name();
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
