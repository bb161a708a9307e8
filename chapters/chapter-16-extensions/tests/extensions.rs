//! The chapter's extensions, bash beside Rust, under the local Lambda with
//! chapter 11's runtime: each registers, hears `INVOKE` for each invocation
//! and `SHUTDOWN` with its reason, and the runtime gets SIGTERM only when
//! an extension is there.

use std::path::Path;

use harness::{Run, TaskRoot, events, normalise_output, run, snapshot_settings};

/// The chapter's binary, which is chapter 11's runtime.
fn runtime() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-16")
}

fn rust_extension() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-16-extension")
}

fn bash_extension() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bash/logger")
}

/// Two invocations of the tutorial's handler with `extension`, if any,
/// installed as `extensions/logger`; the environment then ends.
fn two_invocations(extension: Option<&Path>) -> Run {
    let task = TaskRoot::with_bootstrap(runtime());
    let mut config = task.config("bootstrap");
    if let Some(extension) = extension {
        task.write_executable("extensions/logger", std::fs::read(extension).unwrap());
        config.extensions = Some(task.path().join("extensions"));
    }
    run(config, &events(&[r#"{"n": 1}"#, r#"{"n": 2}"#]))
}

/// The lines the extension wrote to the function's log.
fn extension_lines(run: &Run) -> Vec<String> {
    run.log_text()
        .lines()
        .filter(|line| line.starts_with("logger: "))
        .map(str::to_string)
        .collect()
}

const SIGTERM_LINE: &str = "bootstrap: SIGTERM: the environment is shutting down";

#[test]
fn the_bash_and_the_rust_extension_hear_the_same_events() {
    let bash = two_invocations(Some(&bash_extension()));
    let rust = two_invocations(Some(rust_extension()));
    let expected = [
        "logger: registered",
        "logger: INVOKE <request-id-1>",
        "logger: INVOKE <request-id-2>",
        "logger: SHUTDOWN (spindown)",
    ];
    assert_eq!(extension_lines(&bash), expected, "{}", bash.log_text());
    assert_eq!(extension_lines(&rust), expected, "{}", rust.log_text());
    for (side, run) in [("bash", &bash), ("rust", &rust)] {
        let log = run.log_text();
        let sigterm = log.find(SIGTERM_LINE);
        let shutdown = log.find("logger: SHUTDOWN");
        assert!(
            sigterm.is_some() && sigterm < shutdown,
            "{side}: with an extension, SIGTERM reaches the runtime, before SHUTDOWN reaches the extension:\n{log}"
        );
        assert!(
            run.outcomes
                .iter()
                .all(|outcome| outcome.as_ref().unwrap().is_success()),
            "{side}"
        );
    }
}

#[test]
fn without_an_extension_the_runtime_hears_no_sigterm() {
    let alone = two_invocations(None);
    let log = alone.log_text();
    assert!(!log.contains(SIGTERM_LINE), "killed without a word:\n{log}");
    assert!(extension_lines(&alone).is_empty());
}

#[test]
fn the_demo_shows_the_sigterm_only_an_extension_brings() {
    let demo = harness::run_demo(runtime());
    let (without, with) = demo
        .stdout
        .split_once("== with an extension ==")
        .expect("two runs");
    assert!(!without.contains(SIGTERM_LINE) && with.contains(SIGTERM_LINE));
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", normalise_output(&demo.stdout)));
}
