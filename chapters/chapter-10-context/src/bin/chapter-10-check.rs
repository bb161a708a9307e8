//! Chapter 15's check handler on this chapter's runtime for Rust handlers,
//! for `local-lambda check`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let fatal = chapter_10::serve(chapter_10::check::check);
    fatal.log();
    ExitCode::FAILURE
}
