//! Strict mode, bash beside Rust: the bootstrap's first reads with every
//! kind of environment, and the small cases that show what `set -e`, `set -u`
//! and `pipefail` catch and miss.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use harness::{Ran, clean_command, side_by_side, snapshot_settings};

fn chapter_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Runs step.sh and the Rust step with the same environment.
fn both(env: &[(&str, &str)]) -> (Ran, Ran) {
    let bash = Ran::run(&mut clean_command(&chapter_file("step.sh"), env));
    let rust = Ran::run(&mut clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-02-step"),
        env,
    ));
    (bash, rust)
}

// ANCHOR: parity-test
#[test]
fn on_lambda_both_read_the_same_settings() {
    let (bash, rust) = both(&[
        ("_HANDLER", "function.handler"),
        ("LAMBDA_TASK_ROOT", "/var/task"),
    ]);
    let shown = side_by_side("both variables set", &bash, &rust);
    assert_eq!(bash, rust, "the chapter says they agree here");
    harness::claim_eq(
        "both print the two settings",
        bash.stdout.as_str(),
        "handler: function.handler\ntask root: /var/task\n",
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("strict_on_lambda", shown));
}
// ANCHOR_END: parity-test

#[test]
fn without_handler_both_stop_and_name_the_variable() {
    let (bash, rust) = both(&[("LAMBDA_TASK_ROOT", "/var/task")]);
    let shown = side_by_side("_HANDLER unset", &bash, &rust);
    harness::claim_eq("both stop", (bash.status, rust.status), (1, 1));
    harness::claim_eq(
        "neither prints a setting",
        (bash.stdout.as_str(), rust.stdout.as_str()),
        ("", ""),
    );
    assert!(
        bash.stderr.contains("_HANDLER: unbound variable"),
        "{}",
        bash.stderr
    );
    assert!(
        rust.stderr.contains("_HANDLER is not set"),
        "{}",
        rust.stderr
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("strict_no_handler", shown));
}

#[test]
fn an_empty_handler_passes_set_u_but_not_rust() {
    let (bash, rust) = both(&[("_HANDLER", ""), ("LAMBDA_TASK_ROOT", "/var/task")]);
    let shown = side_by_side("_HANDLER empty", &bash, &rust);
    harness::claim_eq("set -u only catches unset variables", bash.status, 0);
    harness::claim_eq(
        "bash prints an empty handler",
        bash.stdout.as_str(),
        "handler: \ntask root: /var/task\n",
    );
    harness::claim_eq("Rust refuses an empty handler", rust.status, 1);
    assert!(
        rust.stderr.contains("_HANDLER is set but empty"),
        "an empty value is Empty, named as such: {}",
        rust.stderr
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("strict_empty_handler", shown));
}

#[test]
fn a_handler_that_is_not_utf8_is_named_not_taken_for_unset() {
    // Bytes that are no UTF-8: 0xff never starts a character.
    let not_utf8 = OsStr::from_bytes(b"f\xffn.handler");
    let run = |program: &Path| {
        let mut command = clean_command(program, &[("LAMBDA_TASK_ROOT", "/var/task")]);
        Ran::run(command.env("_HANDLER", not_utf8))
    };
    let bash = run(&chapter_file("step.sh"));
    let rust = run(assert_cmd::cargo::cargo_bin!("chapter-02-step"));
    let shown = side_by_side("_HANDLER not UTF-8", &bash, &rust);
    harness::claim_eq(
        "bash takes the bytes as they are; Rust stops",
        (bash.status, rust.status),
        (0, 1),
    );
    assert!(
        rust.stderr.contains("_HANDLER is not valid UTF-8"),
        "set but not UTF-8 is NotUnicode, not Unset: the variable is there"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("strict_not_utf8_handler", shown));
}

#[test]
fn the_strict_mode_cases() {
    let cases = [
        "errexit.sh",
        "nounset.sh",
        "pipefail.sh",
        "missed-in-substitution.sh",
        "missed-in-condition.sh",
        "failing-handler.sh",
        "pipefail-under-sh.sh",
    ];
    let mut report = String::new();
    let mut statuses = Vec::new();
    for case in cases {
        let ran = Ran::run(&mut clean_command(
            &chapter_file(&format!("cases/{case}")),
            &[],
        ));
        statuses.push(ran.status);
        report.push_str(&ran.render(case));
        report.push('\n');
    }
    // What the chapter says of each case, checked before the snapshot is.
    assert_eq!(statuses, [1, 1, 0, 0, 0, 3, 2]);
    assert!(report.contains("with pipefail: status 2, grep's"));
    assert!(
        report.contains("Illegal option -o pipefail"),
        "dash rejects pipefail:\n{report}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("strict_cases", report));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-02"));
    harness::claim_eq(
        "the demo stops at three environments",
        demo.stdout.matches(": stops: ").count(),
        3,
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
