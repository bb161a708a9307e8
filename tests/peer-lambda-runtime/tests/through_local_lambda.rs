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
