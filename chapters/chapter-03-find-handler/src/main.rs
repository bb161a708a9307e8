//! `cargo run -p chapter-03`: how the Rust runtime reads handler strings,
//! the good, the odd and the dangerous.

use chapter_03::parse_handler;

// ANCHOR: demo
fn main() {
    let examples = [
        "function.handler",
        "lib/tools.run",
        "a.b.c",
        "handler",
        "function.",
        "../outside.handler",
        "/etc/passwd.x",
    ];
    for example in examples {
        match parse_handler(example) {
            Ok(handler) => println!(
                "{example:<20} file {}.sh, function {}",
                handler.file, handler.function
            ),
            Err(error) => println!("{example:<20} refused: {error}"),
        }
    }
}
// ANCHOR_END: demo
