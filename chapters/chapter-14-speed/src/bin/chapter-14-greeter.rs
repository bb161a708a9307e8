//! Chapter 10's greeter, served by chapter 14's `fast::serve`: the same
//! handler over a hand-written HTTP client. Without
//! `AWS_LAMBDA_RUNTIME_API`, it runs itself under a local Lambda.

use std::process::ExitCode;

use chapter_10::greeter::greet;

// ANCHOR: main
fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return chapter_10::greeter::demo();
    }
    let fatal = chapter_14::fast::serve(greet);
    fatal.log();
    ExitCode::FAILURE
}
// ANCHOR_END: main
