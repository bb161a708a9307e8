//! When things go wrong, the bash original beside the Rust runtime of this
//! chapter, each run by a local Lambda as its bootstrap.

use harness::{Run, TaskRoot, events, run, snapshot_settings};
use local_lambda::FunctionConfig;

/// A handler that fails, crashes or stays quiet when asked to.
const MOODY: &str = include_str!("moody.sh");

fn with_handlers(task: TaskRoot) -> TaskRoot {
    task.write("moody.sh", MOODY);
    task
}

fn bash_task() -> TaskRoot {
    with_handlers(TaskRoot::with_bash_original())
}

fn rust_task() -> TaskRoot {
    let task = TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-09"));
    with_handlers(task)
}

fn config(task: &TaskRoot, handler: &str) -> FunctionConfig {
    let mut config = task.config("bootstrap");
    config.handler = handler.to_string();
    config
}

/// The results of both runs, as the snapshots show them. The runs are
/// also [exhibited](harness::exhibit()) with their logs, so call it before
/// asserting.
fn side_by_side(case: &str, bash: &Run, rust: &Run) -> String {
    harness::exhibit_run_pair(case, bash, rust);
    format!(
        "case: {case}\n== bash ==\n{}== rust ==\n{}\n",
        bash.results(),
        rust.results()
    )
}

#[test]
fn failing_handlers_are_reported_and_the_loop_goes_on() {
    let sent = events(&[
        r#""ok""#,
        r#""fail""#,
        r#""crash""#,
        r#""quiet""#,
        r#""ok again""#,
    ]);
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let bash = run(config(&bash_root, "moody.handler"), &sent);
    let rust = run(config(&rust_root, "moody.handler"), &sent);
    let report = side_by_side(
        r#"moody.handler: "ok", "fail", "crash", "quiet", "ok again""#,
        &bash,
        &rust,
    );
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    assert_eq!(
        bash.verdicts(),
        [
            verdict("ok", true),
            verdict("Runtime.ExitError", false),
            verdict("Runtime.ExitError", true),
            verdict("ok", true),
            verdict("ok", false),
        ],
        "set -e ends the bash at each failure; Lambda starts it again, cold"
    );
    assert_eq!(
        rust.verdicts(),
        [
            verdict("ok", true),
            verdict("Runtime.HandlerFailed", false),
            verdict("Runtime.HandlerFailed", false),
            verdict("ok", false),
            verdict("ok", false),
        ],
        "one runtime serves them all, reporting two errors"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("errors_invocation", report));
    let errors: Vec<_> = rust
        .exchanges
        .iter()
        .filter(|exchange| exchange.path.ends_with("/error"))
        .collect();
    assert_eq!(errors.len(), 2, "two error reports");
    for exchange in errors {
        assert_eq!(exchange.status, Some(202), "Lambda accepts the report");
        assert!(
            exchange.request_headers.contains(&(
                "lambda-runtime-function-error-type".to_string(),
                "Runtime.HandlerFailed".to_string()
            )),
            "the error type goes in Lambda-Runtime-Function-Error-Type"
        );
    }
}

#[test]
fn a_handler_that_cannot_be_used_is_an_init_error() {
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let mut report = String::new();
    let mut rust_types = Vec::new();
    for (handler, case) in [
        ("missing.handler", "the script is missing"),
        ("function.nope", "the script has no such function"),
        ("handler", "the handler setting has no dot"),
    ] {
        let sent = events(&["{}"]);
        let bash = run(config(&bash_root, handler), &sent);
        let rust = run(config(&rust_root, handler), &sent);
        report.push_str(&side_by_side(
            &format!("_HANDLER={handler}: {case}"),
            &bash,
            &rust,
        ));
        assert_eq!(
            bash.verdicts()[0].0,
            "Runtime.ExitError",
            "{case}: the bash just dies"
        );
        rust_types.push(rust.verdicts()[0].0.clone());
        let init_errors = rust
            .exchanges
            .iter()
            .filter(|exchange| exchange.path.ends_with("/init/error"))
            .count();
        assert_eq!(init_errors, 1, "{case}: Rust tells Lambda, once");
    }
    assert_eq!(
        rust_types,
        [
            "Runtime.NoSuchHandler",
            "Runtime.NoSuchHandler",
            "Runtime.MalformedHandlerName"
        ],
        "each init error has its type"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("errors_init", report));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-09"));
    assert!(
        demo.stdout.contains("\"third\" -> ok: \"third\"\n"),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
