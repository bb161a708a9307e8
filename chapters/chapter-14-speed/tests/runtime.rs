//! The chapter's runtimes under the local Lambda: the persistent shell
//! runtime through chapter 11's table of faults, the greeter on the
//! hand-written client against chapter 10's on ureq, and the demos.

use harness::{TaskRoot, committed_snapshot, run, snapshot_settings};
use local_lambda::Invocation;

#[test]
fn the_persistent_runtime_meets_the_faults_as_chapter_11_does() {
    let table = harness::faults::table(assert_cmd::cargo::cargo_bin!("chapter-14"));
    assert_eq!(
        table.trim_end(),
        committed_snapshot("chapters/chapter-11-defending/tests/snapshots/faults_table.snap"),
        "the same verdicts, the same events answered, as chapter 11's per-event runtime"
    );
}

#[test]
fn the_greeter_on_our_own_http_answers_as_on_ureq() {
    let task = TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-14-greeter"));
    let sent = chapter_10::greeter::SAMPLE_EVENTS.map(Invocation::new);
    let greeted = run(task.config("bootstrap"), &sent);
    assert_eq!(
        greeted.results().trim_end(),
        committed_snapshot("chapters/chapter-10-context/tests/snapshots/context_greeter.snap"),
    );
    assert_eq!(
        greeted.log_text().matches("Init Duration").count(),
        1,
        "one runtime served all four"
    );
}

#[test]
fn the_hand_written_client_follows_a_path_prefix() {
    // cargo-lambda's emulator serves the Runtime API under a prefix (`host:port/.rt`).
    for program in [
        assert_cmd::cargo::cargo_bin!("chapter-14-greeter"),
        assert_cmd::cargo::cargo_bin!("minimal-runtime"),
    ] {
        let task = TaskRoot::with_bootstrap(program);
        let mut config = task.config("bootstrap");
        config.runtime_api_prefix = "/.rt".to_string();
        config.runtime_api_scheme = true;
        let greeted = run(config, &[Invocation::new(r#"{"name": "Grace"}"#)]);
        assert!(greeted.results().contains("Grace"), "{}", greeted.results());
    }
}

#[test]
fn the_demos_run() {
    let persistent = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-14"));
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", persistent.stdout));
    let greeter = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-14-greeter"));
    assert_eq!(
        harness::normalise_output(&greeter.stdout).trim_end(),
        committed_snapshot("chapters/chapter-10-context/tests/snapshots/demo_greeter.snap"),
        "chapter 10's greeter demo, word for word"
    );
    let minimal = harness::run_demo(assert_cmd::cargo::cargo_bin!("minimal-runtime"));
    assert!(
        minimal
            .stdout
            .contains(r#""just a string"  -> "just a string""#),
        "{}",
        minimal.stdout
    );
}
