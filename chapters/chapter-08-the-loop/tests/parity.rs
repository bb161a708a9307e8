//! The whole loop, bash beside Rust: each runtime is run by a local Lambda
//! as its bootstrap, with the same handler files and the same events.

use harness::{Ran, Run, TaskRoot, clean_command, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation};

/// A task root with the bash original's files.
fn bash_task() -> TaskRoot {
    let task = TaskRoot::with_bash_original();
    add_handlers(&task);
    task
}

/// A task root with the Rust runtime as `bootstrap`, beside the same `function.sh`.
fn rust_task() -> TaskRoot {
    let task = TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-08"));
    add_handlers(&task);
    task
}

/// A handler that answers with its event as it received it; one that
/// answers with the text of a JSON string event, its quotes stripped (enough
/// for strings without escapes); and a file for `curl -d @`.
fn add_handlers(task: &TaskRoot) {
    task.write(
        "exact.sh",
        r#"handler() { printf '%s' "$1"; }
unquoted() { local text="${1#\"}"; printf '%s' "${text%\"}"; }
"#,
    );
    task.write("notes.txt", "line one\nline two\n");
}

fn config(task: &TaskRoot, handler: &str) -> FunctionConfig {
    let mut config = task.config("bootstrap");
    config.handler = handler.to_string();
    // Both runtimes ask for work within milliseconds; a runtime that never
    // does (a turn that returns without asking) fails in 2 s, not Lambda's 10.
    config.init_timeout = std::time::Duration::from_secs(2);
    config
}

#[test]
fn a_drop_in_replacement_for_the_tutorials_events() {
    let sent = events(&[
        r#"{"some": "request"}"#,
        r#"{"quote": "it's \"quoted\""}"#,
        r#""two  spaces and a * star""#,
        "[\"line one\",\n \"line two\"]",
        "\"unicode: \u{e9}t\u{e9} \u{1F980}\"",
    ]);
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let bash = run(config(&bash_root, "function.handler"), &sent);
    let rust = run(config(&rust_root, "function.handler"), &sent);
    harness::exhibit_run_pair("the tutorial's five events", &bash, &rust);
    for (bash, rust) in bash.outcomes.iter().zip(&rust.outcomes) {
        let (bash, rust) = (bash.as_ref().unwrap(), rust.as_ref().unwrap());
        assert!(rust.is_success(), "Rust answers every event");
        assert_eq!(
            bash.body(),
            rust.body(),
            "byte-identical responses, as the chapter claims"
        );
    }
    assert_eq!(bash.results(), rust.results(), "the same results");
    snapshot_settings().bind(|| insta::assert_snapshot!("loop_rust_transcript", rust.transcript()));
}

/// The results of one run, and the lines of its log that say why something failed.
fn results_and_failures(side: &str, run: &Run) -> String {
    let failures: Vec<String> = run
        .log_text()
        .lines()
        .filter(|line| {
            line.contains("Argument list too long")
                || line.starts_with("RequestId:")
                || line.starts_with("bootstrap:")
        })
        .map(|line| format!("  log: {line}\n"))
        .collect();
    format!("== {side} ==\n{}{}", run.results(), failures.concat())
}

#[test]
fn where_the_bash_changes_or_loses_the_answer() {
    let one_mebibyte = format!(r#"{{"data": "{}"}}"#, "x".repeat(1024 * 1024));
    let cases = [
        ("function.handler", one_mebibyte.as_str()),
        // An event is JSON, so it never starts with `@`, and `"@notes.txt"`
        // as an answer would not make curl read a file: the quote comes
        // first. An answer is the handler's own, though, and one that
        // answers with the string it was sent, unquoted, starts with `@`.
        ("exact.unquoted", r#""@notes.txt""#),
        // Lambda sends only JSON, which spells NUL `\u0000`: this event
        // comes from a local tool, never from Lambda.
        ("exact.handler", "before\0after"),
    ];
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let mut report = String::new();
    let mut bash_results = Vec::new();
    for (handler, event) in cases {
        let sent = [Invocation::new(event)];
        let bash = run(config(&bash_root, handler), &sent);
        let rust = run(config(&rust_root, handler), &sent);
        let case = format!(
            "{handler} with {}",
            local_lambda::show_body(event.as_bytes())
        );
        // As the snapshot shows them, so that a check can compare with it.
        let (bash_shown, rust_shown) = (
            results_and_failures("bash", &bash),
            results_and_failures("rust", &rust),
        );
        harness::exhibit(&case, &bash_shown, &rust_shown);
        bash_results.push(bash.outcomes[0].as_ref().unwrap().clone());
        let rust_outcome = rust.outcomes[0].as_ref().unwrap();
        if !event.contains('\0') {
            let expected = if handler == "exact.unquoted" {
                event.trim_matches('"').to_string()
            } else {
                format!("Echoing request: '{event}'")
            };
            assert_eq!(
                rust_outcome.body(),
                expected.as_bytes(),
                "Rust answers {handler} whole"
            );
        }
        report.push_str(&format!("case: {case}\n{bash_shown}{rust_shown}\n"));
    }
    // What the chapter says of each case, checked before the snapshot is.
    assert_eq!(
        bash_results[0].result.as_ref().unwrap_err().error_type,
        "Runtime.ExitError",
        "curl cannot start"
    );
    assert_eq!(
        bash_results[1].body(),
        b"line oneline two",
        "curl -d sent the file"
    );
    assert_eq!(
        bash_results[2].body(),
        b"beforeafter",
        "bash dropped the NUL"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("loop_differences", report));
}

#[test]
fn cargo_lambdas_runtime_api_form_works_only_in_rust() {
    let sent = events(&[r#"{"some": "request"}"#]);
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let with_prefix = |task: &TaskRoot| {
        let mut config = config(task, "function.handler");
        config.runtime_api_prefix = "/.rt".to_string();
        config.runtime_api_scheme = true;
        config
    };
    let bash = run(with_prefix(&bash_root), &sent);
    let rust = run(with_prefix(&rust_root), &sent);
    harness::exhibit_run_pair("AWS_LAMBDA_RUNTIME_API with http:// and /.rt", &bash, &rust);
    assert_eq!(
        rust.outcomes[0].as_ref().unwrap().body(),
        br#"Echoing request: '{"some": "request"}'"#,
        "Rust takes cargo-lambda's form"
    );
    assert!(
        !bash.outcomes[0].as_ref().unwrap().is_success(),
        "http://http://... is not a URL"
    );
    let report = format!(
        "AWS_LAMBDA_RUNTIME_API=http://127.0.0.1:<port>/.rt\n\n== bash ==\n{}{}\n== rust ==\n{}",
        bash.results(),
        bash.log_text()
            .lines()
            .filter(|line| line.starts_with("curl"))
            .map(|line| format!("  log: {line}\n"))
            .collect::<String>(),
        rust.results()
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("loop_cargo_lambda_form", report));
}

#[test]
fn a_runtime_without_its_environment_says_what_is_missing() {
    let ran = Ran::run(&mut clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-08"),
        &[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")],
    ));
    harness::exhibit("no _HANDLER", "", &ran.render("rust"));
    assert_eq!(ran.status, 1, "the runtime cannot start");
    assert!(
        ran.stderr.starts_with("bootstrap: _HANDLER is not set"),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-08"));
    assert!(
        demo.stdout
            .contains(r#"-> Echoing request: '"a bootstrap function.sh b"'"#),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
