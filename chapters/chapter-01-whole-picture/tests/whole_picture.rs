//! The bash original, end to end, through the local Lambda: the transcript a
//! reader of the tutorial would have seen in Docker, with the Runtime API's
//! side of the conversation added.

use harness::{TaskRoot, events, run, snapshot_settings};

#[test]
fn three_events_through_the_bash_original() {
    let task = TaskRoot::with_bash_original();
    let run = run(
        task.config("bootstrap"),
        &events(&[
            r#"{"some": "request"}"#,
            r#"{"text": "two  spaces"}"#,
            r#""a * b""#,
        ]),
    );

    // What the book says of this run, checked before the snapshot is.
    let results: Vec<_> = run
        .outcomes
        .iter()
        .map(|outcome| outcome.as_ref().unwrap().body().to_vec())
        .collect();
    assert_eq!(results[0], br#"Echoing request: '{"some": "request"}'"#);
    assert_eq!(
        results[1], br#"Echoing request: '{"text": "two spaces"}'"#,
        "unquoted echo collapses spaces"
    );
    assert_eq!(
        results[2], br#"Echoing request: '"a bootstrap function.sh b"'"#,
        "unquoted echo globs *"
    );
    let log = run.log_text();
    assert_eq!(log.matches("START RequestId").count(), 3);
    assert_eq!(
        log.matches("Init Duration").count(),
        1,
        "one cold start, then the same runtime"
    );

    snapshot_settings()
        .bind(|| insta::assert_snapshot!("bash_original_three_events", run.transcript()));
}

#[test]
fn the_chapter_binary_shows_the_whole_conversation() {
    let output = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("chapter-01"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = harness::normalise_output(&String::from_utf8_lossy(&output.stdout));
    assert!(
        stdout.ends_with("== what the caller got ==\nEchoing request: '{\"some\": \"request\"}'\n"),
        "{stdout}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("chapter_01_run", stdout));
}
