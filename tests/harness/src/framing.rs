//! Two things a runtime must read right that Lambda's own Runtime API never
//! sends, but HTTP and a broken API may: an event sent chunked
//! (`Transfer-Encoding: chunked`, which any HTTP/1.1 server may use), and an
//! event without its deadline header. Every runtime of the book is run
//! through both, each from its own chapter's tests, with these helpers.

use local_lambda::{EventFraming, FunctionConfig, Invocation, Outcome};

use crate::{Run, TaskRoot, run};

/// The chunk size the tests use, in bytes: a 120,000-byte event crosses
/// eight chunks.
pub const CHUNK_BYTES: usize = 16 * 1024;

/// The size of [`big_event`], in bytes: several chunks, and small enough
/// for the tutorial's bash, which passes its answer to `curl` as one
/// argument (128 KiB at most).
pub const BIG_EVENT_BYTES: usize = 120_000;

/// A JSON event of exactly `bytes` bytes, `{"text":"xx…x"}`: no spaces and
/// no `*`, so that the tutorial's unquoted `echo` passes it unchanged.
pub fn big_event(bytes: usize) -> String {
    let padding = bytes
        .checked_sub(r#"{"text":""}"#.len())
        .expect("room for the JSON around the text");
    format!(r#"{{"text":"{}"}}"#, "x".repeat(padding))
}

/// Runs `config` with every event sent chunked, [`CHUNK_BYTES`] a chunk.
pub fn run_chunked(mut config: FunctionConfig, events: &[Invocation]) -> Run {
    config.event_framing = EventFraming::Chunked {
        chunk_bytes: CHUNK_BYTES,
    };
    run(config, events)
}

/// `event`, whose `next` comes without `Lambda-Runtime-Deadline-Ms`.
pub fn without_deadline(event: &str) -> Invocation {
    Invocation::new(event).without_header("Lambda-Runtime-Deadline-Ms")
}

/// The outcome of the event at `index`, which the local Lambda accepted.
pub fn outcome(run: &Run, index: usize) -> &Outcome {
    run.outcomes[index]
        .as_ref()
        .expect("the local Lambda accepted the event")
}

/// Runs the tutorial's `function.handler` under `task`'s `bootstrap` with a
/// [`big_event`] sent chunked, and checks that the answer echoes it whole:
/// a runtime that misread the chunks would answer with less, or with the
/// size lines in it.
pub fn assert_tutorial_handler_reads_a_chunked_event(task: &TaskRoot) {
    let event = big_event(BIG_EVENT_BYTES);
    let run = run_chunked(task.config("bootstrap"), &[Invocation::new(event.as_str())]);
    let answer = outcome(&run, 0).body();
    assert!(
        answer == format!("Echoing request: '{event}'").as_bytes(),
        "the answer echoes the {BIG_EVENT_BYTES}-byte event whole; it has {} bytes: {:?}…",
        answer.len(),
        String::from_utf8_lossy(&answer[..answer.len().min(80)])
    );
}

/// Runs chapter 10's greeter, served by `task`'s `bootstrap`, on a name of
/// [`BIG_EVENT_BYTES`] sent chunked, and checks that it greets it whole.
pub fn assert_greeter_reads_a_chunked_event(task: &TaskRoot) {
    let name = "x".repeat(BIG_EVENT_BYTES);
    let run = run_chunked(
        task.config("bootstrap"),
        &[Invocation::new(format!(r#"{{"name":"{name}"}}"#))],
    );
    let reply: serde_json::Value =
        serde_json::from_slice(outcome(&run, 0).body()).expect("a JSON reply");
    assert_eq!(reply["message"], format!("Hello, {name}!"));
}

/// Runs `config` with an event whose `next` lacks its deadline, then an
/// ordinary one, and checks the first is reported by name
/// ([`assert_missing_deadline_is_named`]).
pub fn assert_runtime_names_a_missing_deadline(config: FunctionConfig, event: &str) {
    let run = run(config, &[without_deadline(event), Invocation::new(event)]);
    assert_missing_deadline_is_named(&run);
}

/// Checks what every runtime of the book must do with an event that came
/// without its deadline: report it as an invocation error that names the
/// header (never a timeout, and never by running out a deadline of 1970),
/// and answer the next event in the same environment.
pub fn assert_missing_deadline_is_named(run: &Run) {
    let first = outcome(run, 0);
    let error = first
        .result
        .as_ref()
        .expect_err("an event without a deadline is not answered as if it had one");
    let document = String::from_utf8_lossy(&error.body);
    assert_eq!(error.error_type, "Runtime.InvalidContext", "{document}");
    assert!(
        document.contains("Lambda-Runtime-Deadline-Ms"),
        "the report names the header: {document}"
    );
    let second = outcome(run, 1);
    assert!(
        second.is_success(),
        "the next event is answered: {:?}",
        String::from_utf8_lossy(second.body())
    );
    assert_eq!(
        second.init_duration, None,
        "by the same runtime, without a new cold start"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_event_has_the_size_asked_for_and_is_json() {
        let event = big_event(BIG_EVENT_BYTES);
        assert_eq!(event.len(), BIG_EVENT_BYTES);
        let parsed: serde_json::Value = serde_json::from_str(&event).unwrap();
        assert_eq!(parsed["text"].as_str().unwrap().len(), BIG_EVENT_BYTES - 11);
    }
}
