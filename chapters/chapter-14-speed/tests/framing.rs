//! What chapter 14's runtimes do with an event sent chunked, which HTTP/1.1
//! allows any server to send, and with an event whose deadline header is
//! missing. The greeter and the minimal runtime read their events with the
//! chapter's hand-written HTTP client, which must decode the chunks itself.

use harness::{TaskRoot, framing};
use local_lambda::Invocation;

fn task(binary: &std::path::Path) -> TaskRoot {
    TaskRoot::with_bootstrap(binary)
}

#[test]
fn the_persistent_worker_reads_an_event_sent_chunked_whole() {
    framing::assert_tutorial_handler_reads_a_chunked_event(&task(assert_cmd::cargo::cargo_bin!(
        "chapter-14"
    )));
}

#[test]
fn the_persistent_worker_reports_a_missing_deadline_by_name() {
    let task = task(assert_cmd::cargo::cargo_bin!("chapter-14"));
    framing::assert_runtime_names_a_missing_deadline(task.config("bootstrap"), "{}");
}

#[test]
fn the_greeter_on_the_hand_written_client_reads_an_event_sent_chunked_whole() {
    framing::assert_greeter_reads_a_chunked_event(&task(assert_cmd::cargo::cargo_bin!(
        "chapter-14-greeter"
    )));
}

#[test]
fn the_greeter_on_the_hand_written_client_reports_a_missing_deadline_by_name() {
    let task = task(assert_cmd::cargo::cargo_bin!("chapter-14-greeter"));
    framing::assert_runtime_names_a_missing_deadline(
        task.config("bootstrap"),
        r#"{"name": "Ada"}"#,
    );
}

#[test]
fn the_minimal_runtime_reads_an_event_sent_chunked_whole() {
    let event = framing::big_event(framing::BIG_EVENT_BYTES);
    let task = task(assert_cmd::cargo::cargo_bin!("minimal-runtime"));
    let run = framing::run_chunked(task.config("bootstrap"), &[Invocation::new(event.as_str())]);
    assert!(
        framing::outcome(&run, 0).body() == event.as_bytes(),
        "the event comes back whole"
    );
}
