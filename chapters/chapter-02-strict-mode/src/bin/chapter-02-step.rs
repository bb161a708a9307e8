//! The Rust side of `step.sh`: the same two variables, read strictly.
//! Exit status 1 when one is missing or empty, as bash's `set -u` exits 1.

use std::process::ExitCode;

// ANCHOR: step
fn main() -> ExitCode {
    match chapter_02::settings() {
        Ok(settings) => {
            println!("handler: {}", settings.handler);
            println!("task root: {}", settings.task_root);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bootstrap: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: step
