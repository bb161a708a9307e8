//! What the R runtime does with an event sent chunked, which HTTP/1.1
//! allows any server to send, and with an event whose deadline header is
//! missing: reports it by name, and keeps its R worker for the next event.

mod common;

use common::{config, r_is_here, task};
use harness::framing;
use local_lambda::Invocation;

#[test]
fn an_event_sent_chunked_is_read_whole() {
    if !r_is_here("an_event_sent_chunked_is_read_whole") {
        return;
    }
    let root = task(false);
    let event = framing::big_event(framing::BIG_EVENT_BYTES);
    let run = framing::run_chunked(
        config(&root, "runtime.measure", "lambdr", "persistent"),
        &[Invocation::new(event.as_str())],
    );
    let reply: serde_json::Value =
        serde_json::from_slice(framing::outcome(&run, 0).body()).expect("a JSON reply");
    assert_eq!(
        reply["characters"],
        framing::BIG_EVENT_BYTES - r#"{"text":""}"#.len()
    );
}

#[test]
fn a_missing_deadline_is_reported_by_name() {
    if !r_is_here("a_missing_deadline_is_reported_by_name") {
        return;
    }
    let root = task(false);
    framing::assert_runtime_names_a_missing_deadline(
        config(&root, "runtime.parity", "lambdr", "persistent"),
        r#"{"number": 9}"#,
    );
}
