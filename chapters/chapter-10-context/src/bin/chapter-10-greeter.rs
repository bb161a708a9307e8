//! A handler written in Rust (`chapter_10::greeter`), and its runtime:
//! `chapter_10::serve` is all it takes. Without `AWS_LAMBDA_RUNTIME_API`, `cargo run -p chapter-10
//! --bin chapter-10-greeter` runs it under a local Lambda.

use std::process::ExitCode;

use chapter_10::greeter::greet;
use chapter_10::serve;

// ANCHOR: main
fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return chapter_10::greeter::demo();
    }
    let fatal = serve(greet);
    fatal.log();
    ExitCode::FAILURE
}
// ANCHOR_END: main
