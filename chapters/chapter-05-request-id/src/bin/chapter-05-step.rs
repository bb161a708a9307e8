//! The Rust side of `step.sh`: the request id from a header dump file.
//! Exit status 1 when the file cannot be read or holds no usable id.

use std::process::ExitCode;

use chapter_05::{parse_header_dump, request_id};

// ANCHOR: step
fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: chapter-05-step HEADER-DUMP");
        return ExitCode::FAILURE;
    };
    let dump = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            eprintln!("bootstrap: cannot read {path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match request_id(&parse_header_dump(&dump)) {
        Ok(id) => {
            println!("request id: [{id}]");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bootstrap: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: step
