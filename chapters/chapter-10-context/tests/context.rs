//! The invocation context: what a shell handler sees under the bash original
//! and under this chapter's runtime, and a handler written in Rust.

use harness::{TaskRoot, run, snapshot_settings};
use local_lambda::Invocation;

fn events() -> Vec<Invocation> {
    let from_an_app = Invocation {
        client_context: Some(r#"{"client":{"app_title":"demo"}}"#.to_string()),
        cognito_identity: Some(r#"{"cognitoIdentityId":"us-east-1:1234"}"#.to_string()),
        ..Invocation::new("{}")
    };
    vec![Invocation::new("{}"), from_an_app]
}

fn task(bootstrap: Option<&std::path::Path>) -> TaskRoot {
    let task = match bootstrap {
        None => TaskRoot::with_bash_original(),
        Some(binary) => TaskRoot::with_bootstrap(binary),
    };
    task.write("context.sh", include_str!("context.sh"));
    task
}

/// Each answer of a run in full, one line per line, normalised.
fn answers(run: &harness::Run) -> String {
    let mut out = String::new();
    for (number, outcome) in run.outcomes.iter().enumerate() {
        out.push_str(&format!("invocation {}:\n", number + 1));
        for line in String::from_utf8_lossy(outcome.as_ref().unwrap().body()).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    run.normalise(&out)
}

#[test]
fn the_shell_handler_sees_its_own_invocations_context() {
    let (bash_root, rust_root) = (
        task(None),
        task(Some(assert_cmd::cargo::cargo_bin!("chapter-10"))),
    );
    let config = |task: &TaskRoot| {
        let mut config = task.config("bootstrap");
        config.handler = "context.handler".to_string();
        config
    };
    let bash = run(config(&bash_root), &events());
    let rust = run(config(&rust_root), &events());
    harness::exhibit_run_pair(
        "context.handler, on an event and on one from a mobile app",
        &bash,
        &rust,
    );

    // Each answer names the trace id and request id Lambda sent with that event.
    let sent: Vec<(String, String)> = rust
        .exchanges
        .iter()
        .filter(|exchange| exchange.status == Some(200))
        .map(|exchange| {
            let header = |name: &str| {
                let found = exchange
                    .response_headers
                    .iter()
                    .find(|(key, _)| key == name);
                found.map(|(_, value)| value.clone()).unwrap()
            };
            (
                header("lambda-runtime-trace-id"),
                header("lambda-runtime-aws-request-id"),
            )
        })
        .collect();
    assert_eq!(sent.len(), 2, "two events handed out");
    for (outcome, (trace, id)) in rust.outcomes.iter().zip(&sent) {
        let answer = String::from_utf8(outcome.as_ref().unwrap().body().to_vec()).unwrap();
        assert!(
            answer.contains(&format!("trace: {trace}\n")),
            "the handler sees its own event's trace id"
        );
        assert!(
            answer.contains(&format!("request id: {id}\n")),
            "the handler sees its own event's request id"
        );
    }
    let bash_answer = bash.outcomes[0].as_ref().unwrap().body();
    assert!(
        String::from_utf8_lossy(bash_answer).starts_with("trace: (none)"),
        "the bash sets nothing"
    );

    let report = format!(
        "== bash original ==\n{}\n== chapter 10 ==\n{}",
        answers(&bash),
        answers(&rust)
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("context_shell", report));
}

#[test]
fn a_rust_handler_gets_typed_events_and_its_context() {
    let root = task(Some(assert_cmd::cargo::cargo_bin!("chapter-10-greeter")));
    let sent = chapter_10::greeter::SAMPLE_EVENTS.map(Invocation::new);
    let greeted = run(root.config("bootstrap"), &sent);
    let verdicts: Vec<String> = greeted
        .outcomes
        .iter()
        .map(|outcome| {
            let outcome = outcome.as_ref().unwrap();
            outcome
                .result
                .as_ref()
                .map_or_else(|error| error.error_type.clone(), |_| "ok".to_string())
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            "ok",
            "Greeter.NoName",
            "Runtime.InvalidEvent",
            "Runtime.InvalidEvent"
        ]
    );
    assert_eq!(
        greeted.log_text().matches("Init Duration").count(),
        1,
        "one runtime served all four"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("context_greeter", greeted.results()));
}

#[test]
fn the_demos_run_with_no_set_up() {
    let shell = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-10"));
    assert!(
        shell
            .stdout
            .contains("client context: {\"client\":{\"app_title\":\"demo\"}}"),
        "{}",
        shell.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", shell.stdout));
    let greeter = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-10-greeter"));
    assert!(greeter.stdout.contains("Hello, Ada!"), "{}", greeter.stdout);
    snapshot_settings().bind(|| insta::assert_snapshot!("demo_greeter", greeter.stdout));
}
