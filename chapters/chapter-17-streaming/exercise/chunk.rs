//! Exercise 17: streaming the answer. Write `chunk`, the framing of one
//! piece of a streamed answer, as HTTP's chunked body wants it.
//!
//! Check it with `cargo run -p workbook -- check 17`: it runs chapter 17's
//! tests against your code. Stuck? `cargo run -p workbook -- hint 17`.

// While the body is `todo!()`, the parameter goes unused.
#![allow(unused_variables)]

// ANCHOR: exercise
/// One chunk of a chunked body, as it goes on the wire: the length of
/// `bytes` in hexadecimal, a line end (`\r\n`), the bytes, a line end.
pub fn chunk(bytes: &[u8]) -> Vec<u8> {
    todo!("frame {} bytes as one chunk", bytes.len())
}
// ANCHOR_END: exercise
