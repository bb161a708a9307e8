//! Asking for work, bash beside Rust: both long-poll the same local Lambda
//! for the same event, and show what they got.

use std::path::PathBuf;
use std::process::Stdio;
use std::thread;
use std::time::Duration;

use harness::{Ran, clean_command, side_by_side, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};

const EVENT: &str = r#"{"some": "request"}"#;

/// Starts a step against `lambda`, and when it waits while nothing is
/// queued, queues the event. Returns what the step printed, and whether it
/// waited.
fn long_poll(program: &std::path::Path, lambda: &LocalLambda) -> (Ran, bool) {
    let runtime_api = lambda.runtime_api().unwrap();
    let mut command = clean_command(program, &[("AWS_LAMBDA_RUNTIME_API", &runtime_api)]);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    if child.try_wait().unwrap().is_some() {
        // Done before there was an event: what it printed says why.
        return (Ran::from_output(&child.wait_with_output().unwrap()), false);
    }
    let pending = lambda.submit(Invocation::new(EVENT));
    let output = child.wait_with_output().unwrap();
    // The step only asks; answer for it, so that the invocation closes.
    let id = last_request_id(lambda);
    let url = format!("http://{runtime_api}/2018-06-01/runtime/invocation/{id}/response");
    ureq::post(&url).send("done").unwrap();
    pending.wait().unwrap();
    (Ran::from_output(&output), true)
}

/// The request id of the last event the local Lambda handed out.
fn last_request_id(lambda: &LocalLambda) -> String {
    let exchanges = lambda.recording().exchanges();
    let headers = &exchanges
        .last()
        .expect("the step asked for an event")
        .response_headers;
    let id = headers
        .iter()
        .find(|(name, _)| name == "lambda-runtime-aws-request-id");
    id.expect("an event carries its request id").1.clone()
}

#[test]
fn both_wait_for_the_event_and_receive_it_whole() {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).unwrap();
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let (bash, bash_waited) = long_poll(&step_sh, &lambda);
    let (rust, rust_waited) = long_poll(assert_cmd::cargo::cargo_bin!("chapter-04-step"), &lambda);
    let shown = side_by_side("one event, queued while both waited", &bash, &rust);
    assert_eq!(
        (bash_waited, rust_waited),
        (true, true),
        "both wait while there is no event"
    );
    assert_eq!((bash.status, rust.status), (0, 0), "both get the event");
    assert!(
        bash.stdout.ends_with(&format!("== event ==\n{EVENT}\n")),
        "{}",
        bash.stdout
    );
    assert!(
        rust.stdout.ends_with(&format!("== event ==\n{EVENT}\n")),
        "{}",
        rust.stdout
    );
    assert!(
        bash.stdout.contains("Lambda-Runtime-Aws-Request-Id: "),
        "the dump keeps the wire's casing"
    );
    assert!(
        rust.stdout.contains("lambda-runtime-aws-request-id: "),
        "ureq gives names in lower case"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("next_event", shown));
}

#[test]
fn without_a_runtime_api_both_stop() {
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let bash = Ran::run(&mut clean_command(&step_sh, &[]));
    let rust = Ran::run(&mut clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-04-step"),
        &[],
    ));
    harness::exhibit_runs("AWS_LAMBDA_RUNTIME_API unset", &bash, &rust);
    assert_eq!((bash.status, rust.status), (1, 1), "both stop");
    assert!(
        bash.stderr
            .contains("AWS_LAMBDA_RUNTIME_API: unbound variable"),
        "{}",
        bash.stderr
    );
    assert!(
        rust.stderr.contains("AWS_LAMBDA_RUNTIME_API is not set"),
        "{}",
        rust.stderr
    );
}

#[test]
fn with_nothing_listening_both_fail_with_the_reason() {
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    // Port 9 on loopback: nothing listens there, the connection is refused at once.
    let env = [("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")];
    let bash = Ran::run(&mut clean_command(&step_sh, &env));
    let rust = Ran::run(&mut clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-04-step"),
        &env,
    ));
    let shown = side_by_side("nothing listens at AWS_LAMBDA_RUNTIME_API", &bash, &rust);
    assert_ne!(bash.status, 0);
    assert_eq!(rust.status, 1, "Rust says why and exits 1");
    snapshot_settings().bind(|| insta::assert_snapshot!("next_refused", shown));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-04"));
    assert!(
        demo.stdout.ends_with("event: {\"some\": \"request\"}\n"),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
