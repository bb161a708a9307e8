//! What chapter 11's runtime does with an event sent chunked, which HTTP/1.1 allows
//! any server to send, and with an event whose deadline header is missing.

use harness::{TaskRoot, framing};

fn task() -> TaskRoot {
    TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-11"))
}

#[test]
fn an_event_sent_chunked_is_read_whole() {
    framing::assert_tutorial_handler_reads_a_chunked_event(&task());
}

#[test]
fn a_missing_deadline_is_reported_by_name() {
    framing::assert_runtime_names_a_missing_deadline(task().config("bootstrap"), "{}");
}
