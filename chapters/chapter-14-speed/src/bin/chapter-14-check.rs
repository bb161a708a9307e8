//! Chapter 15's check handler on chapter 14's runtime for Rust handlers
//! (the hand-written HTTP client), for `local-lambda check`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let fatal = chapter_14::fast::serve(chapter_10::check::check);
    fatal.log();
    ExitCode::FAILURE
}
