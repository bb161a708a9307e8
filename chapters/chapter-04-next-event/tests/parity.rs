//! Asking for work, bash beside Rust: both long-poll the same local Lambda
//! for the same event, and show what they got.

use std::io::{Read, Write};
use std::net::TcpListener;
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
    harness::claim_eq("both stop", (bash.status, rust.status), (1, 1));
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
    assert_ne!(bash.status, 0, "curl fails to connect");
    harness::claim_eq("Rust says why and exits 1", rust.status, 1);
    snapshot_settings().bind(|| insta::assert_snapshot!("next_refused", shown));
}

/// What Lambda answers a `next` it will not serve: after an init error, for
/// one, `403` with an error document.
const FORBIDDEN: &str = r#"{"errorMessage":"State transition from Ready to InvocationNext failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}"#;

/// A server on loopback that answers every request with `403 Forbidden`
/// and [`FORBIDDEN`], for `connections` connections; returns `host:port`.
fn refusing_server(connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let answer = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FORBIDDEN}",
                FORBIDDEN.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    address
}

#[test]
fn a_refusal_is_an_answer_not_an_event() {
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let address = refusing_server(2);
    let env = [("AWS_LAMBDA_RUNTIME_API", address.as_str())];
    let bash = Ran::run(&mut clean_command(&step_sh, &env));
    let rust = Ran::run(&mut clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-04-step"),
        &env,
    ));
    let shown = side_by_side("the Runtime API answers next with 403", &bash, &rust);
    harness::claim_eq(
        "curl without -f takes the refusal for an event; Rust stops",
        (bash.status, rust.status),
        (0, 1),
    );
    assert!(
        bash.stdout
            .ends_with(&format!("== event ==\n{FORBIDDEN}\n")),
        "bash's event is Lambda's refusal"
    );
    assert!(
        rust.stderr
            .contains("the Runtime API answered next with 403: {\"errorMessage\""),
        "a status other than 200 is NextError::Status, with Lambda's words: {}",
        rust.stderr
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("next_forbidden", shown));
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
