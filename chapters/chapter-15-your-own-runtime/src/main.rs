//! `cargo run -p chapter-15`: the Python runtime's report card, as
//! `local-lambda check --bootstrap chapters/chapter-15-your-own-runtime/python/bootstrap`
//! prints it.

use std::process::ExitCode;

use local_lambda::check::{Settings, all_kept, table};

// ANCHOR: demo
fn main() -> ExitCode {
    let rows = chapter_15::grade(&chapter_15::python_folder(), &Settings::default());
    print!("{}", table(&rows, false));
    if all_kept(&rows) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
// ANCHOR_END: demo
