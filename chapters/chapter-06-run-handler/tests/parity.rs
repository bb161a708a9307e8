//! Running the handler, bash beside Rust: the same `function.sh`, the same
//! events, the same working folder.

use std::path::PathBuf;

use harness::{Ran, TaskRoot, clean_command, side_by_side, snapshot_settings};

/// A task root with the tutorial's function and two more handlers.
fn task_root() -> TaskRoot {
    let task = TaskRoot::with_bash_original();
    task.write(
        "fail.sh",
        "handler() { echo 'half an answer'; echo 'giving up' >&2; return 3; }\n",
    );
    task.write("quiet.sh", "handler() { :; }\n");
    task.write("newlines.sh", "handler() { printf 'answer\\n\\n\\n'; }\n");
    // Answers with the event exactly as the handler received it, in brackets.
    task.write("exact.sh", "handler() { printf '[%s]' \"$1\"; }\n");
    task
}

/// Runs both steps with `handler` on `event` (stdin), in the task root.
fn both(task: &TaskRoot, handler: &str, event: &[u8]) -> (Ran, Ran) {
    let root = task.path().to_str().unwrap();
    let env = [("_HANDLER", handler), ("LAMBDA_TASK_ROOT", root)];
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let step = assert_cmd::cargo::cargo_bin!("chapter-06-step");
    let run = |program: &std::path::Path| {
        let mut command = clean_command(program, &env);
        command.current_dir(task.path());
        let output = assert_cmd::Command::from_std(command)
            .write_stdin(event.to_vec())
            .output()
            .unwrap();
        Ran::from_output(&output)
    };
    let (bash, rust) = (run(&step_sh), run(step));
    let case = format!(
        "_HANDLER={handler}, the event {:?}",
        String::from_utf8_lossy(event)
    );
    harness::exhibit_runs(&case, &bash, &rust);
    (bash, rust)
}

#[test]
fn the_same_responses_for_ordinary_events() {
    let task = task_root();
    let events: [&[u8]; 6] = [
        br#"{"some": "request"}"#,
        br#"{"quote": "it's \"quoted\""}"#,
        br#""two  spaces and a * star""#,
        b"[\"line one\",\n \"line two\"]",
        "\"unicode: \u{e9}t\u{e9} \u{1F980}\"".as_bytes(),
        b"{}",
    ];
    let mut report = String::new();
    for event in events {
        let (bash, rust) = both(&task, "function.handler", event);
        assert_eq!(
            bash,
            rust,
            "the chapter says they agree for {:?}",
            String::from_utf8_lossy(event)
        );
        // The event as sent, its newlines shown as `\n` to keep it on one line.
        report.push_str(&side_by_side(
            &String::from_utf8_lossy(event).replace('\n', "\\n"),
            &bash,
            &rust,
        ));
        report.push('\n');
    }
    assert!(
        report.contains("two spaces and a bootstrap exact.sh fail.sh function.sh"),
        "both glob in the task root:\n{report}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("handler_ordinary_events", report));
}

#[test]
fn both_strip_trailing_newlines_from_the_answer() {
    let task = task_root();
    let (bash, rust) = both(&task, "newlines.handler", b"{}");
    assert_eq!(bash, rust, "both drop the answer's trailing newlines");
    assert_eq!(rust.stdout, "answer");
    let (bash, rust) = both(&task, "quiet.handler", b"{}");
    assert_eq!(bash, rust, "an empty answer is an answer");
    assert_eq!(rust.stdout, "", "an empty answer is an answer");
}

#[test]
fn where_the_event_is_not_passed_whole() {
    let task = task_root();
    let mut report = String::new();
    let (bash, rust) = both(&task, "exact.handler", b"\"ends with newlines\"\n\n");
    assert_eq!(bash.stdout, "[\"ends with newlines\"]", "$(...) ate them");
    assert_eq!(
        rust.stdout, "[\"ends with newlines\"\n\n]",
        "the event as it came"
    );
    report.push_str(&side_by_side(
        "a JSON event ending in two newlines",
        &bash,
        &rust,
    ));
    report.push('\n');
    // Lambda sends only JSON, which spells NUL `\u0000`: this event comes
    // from a local tool or a test, never from Lambda. The runtime is still
    // the one that must not change it.
    let (bash, rust) = both(&task, "exact.handler", b"nul\0byte");
    assert_eq!(bash.stdout, "[nulbyte]", "bash drops the NUL");
    assert!(bash.stderr.contains("ignored null byte"), "{}", bash.stderr);
    assert_eq!(
        (rust.status, rust.stdout.as_str()),
        (1, ""),
        "Rust refuses rather than change the event"
    );
    report.push_str(&side_by_side("an event with a NUL byte", &bash, &rust));
    snapshot_settings().bind(|| insta::assert_snapshot!("handler_event_differences", report));
}

#[test]
fn a_failing_handler_stops_both() {
    let task = task_root();
    let (bash, rust) = both(&task, "fail.handler", b"{}");
    assert_eq!(
        bash.status, 3,
        "set -e: the assignment fails with the handler"
    );
    assert_eq!(rust.status, 1, "Rust reports the handler's failure");
    assert!(
        rust.stderr
            .ends_with("bootstrap: the handler failed with exit status 3\n"),
        "{}",
        rust.stderr
    );
    assert_eq!(
        (bash.stdout.as_str(), rust.stdout.as_str()),
        ("", ""),
        "half an answer is no answer"
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!(
            "handler_fails",
            side_by_side("a handler that returns 3", &bash, &rust)
        )
    });
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-06"));
    assert_eq!(demo.stdout.matches("response: Echoing request").count(), 3);
    let text = format!(
        "stdout:\n{}\nstderr (the handler's log):\n{}",
        demo.stdout, demo.stderr
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", text));
}
