//! AWS's own Rust client runs on the local Lambda unchanged: the greeter
//! answers each event with its own request id, reports its error as
//! Lambda's error document, and stays in one warm environment.

use std::path::Path;

use harness::TaskRoot;
use local_lambda::{Invocation, LocalLambda};
use serde_json::Value;

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("a JSON body")
}

#[test]
fn lambda_runtime_answers_and_reports_through_the_local_lambda() {
    let task = TaskRoot::with_bootstrap(Path::new(env!("CARGO_BIN_EXE_peer-lambda-runtime")));
    let lambda = LocalLambda::start(task.config("bootstrap")).expect("start");
    let first = lambda
        .invoke(Invocation::new(r#"{"name": "Ada"}"#))
        .expect("invoked");
    assert!(first.init_duration.is_some(), "a cold start");
    let runtime = lambda.runtime_pid();
    for number in 0..200 {
        let outcome = lambda
            .invoke(Invocation::new(format!(r#"{{"name": "caller {number}"}}"#)))
            .expect("invoked");
        let reply = json(outcome.body());
        assert_eq!(reply["message"], format!("Hello, caller {number}!"));
        assert_eq!(reply["request_id"], outcome.request_id.as_str());
    }
    let failed = lambda
        .invoke(Invocation::new(r#"{"name": " "}"#))
        .expect("invoked");
    let error = failed.result.as_ref().expect_err("the greeter refuses");
    assert_eq!(
        json(&error.body)["errorMessage"],
        "there is nobody to greet"
    );
    assert_eq!(lambda.runtime_pid(), runtime, "one warm environment");
    lambda.shutdown();
    let log = lambda.recording().log();
    for prefix in ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "] {
        let count = log.iter().filter(|line| line.starts_with(prefix)).count();
        assert_eq!(count, 202, "{prefix}: {log:#?}");
    }
}

#[test]
fn lambda_runtime_reads_an_event_sent_chunked() {
    let task = TaskRoot::with_bootstrap(Path::new(env!("CARGO_BIN_EXE_peer-lambda-runtime")));
    let name = "x".repeat(harness::framing::BIG_EVENT_BYTES);
    let run = harness::framing::run_chunked(
        task.config("bootstrap"),
        &[Invocation::new(format!(r#"{{"name":"{name}"}}"#))],
    );
    let reply = json(harness::framing::outcome(&run, 0).body());
    assert_eq!(reply["message"], format!("Hello, {name}!"));
}

/// Runs `peer-stream` at a Function URL and asks it for `/` with `event`
/// as the body; the status, the content type and the body.
fn through_a_function_url(event: &str) -> (u16, String, String) {
    let task = TaskRoot::with_bootstrap(Path::new(env!("CARGO_BIN_EXE_peer-stream")));
    let lambda = std::sync::Arc::new(LocalLambda::start(task.config("bootstrap")).unwrap());
    let front = local_lambda::FrontDoor::start_function_url(lambda.clone(), 0).unwrap();
    let mut response = ureq::post(&format!("http://{}/", front.address()))
        .send(event)
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.body_mut().read_to_string().unwrap();
    drop(front);
    lambda.shutdown();
    (status, content_type, body)
}

#[test]
fn lambda_runtimes_stream_goes_through_with_its_trailers_in_the_body() {
    let (status, content_type, body) = through_a_function_url("two lines");
    assert_eq!(status, 200);
    assert_eq!(
        content_type, "application/octet-stream",
        "the prelude's default"
    );
    assert_eq!(body, "first line\nsecond line\n");

    // Its failure after the first byte goes into the body as text, not
    // into HTTP trailers: the caller gets it as part of the answer, and
    // Lambda sees a success.
    let (status, _, body) = through_a_function_url("fail-late");
    assert_eq!(status, 200);
    assert!(
        body.starts_with("first line\nLambda-Runtime-Function-Error-Type: Runtime.StreamError\r\n")
            && body.contains("Lambda-Runtime-Function-Error-Body: "),
        "{body:?}"
    );
}
