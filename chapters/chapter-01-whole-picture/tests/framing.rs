//! What the bash original does with an event sent chunked, which HTTP/1.1 allows
//! any server to send.

use harness::{TaskRoot, framing};

fn task() -> TaskRoot {
    TaskRoot::with_bash_original()
}

#[test]
fn an_event_sent_chunked_is_read_whole() {
    framing::assert_tutorial_handler_reads_a_chunked_event(&task());
}
