//! AWS's `lambda-extension` crate, unchanged, subscribed to the local
//! Lambda's Telemetry API beside the tutorial's runtime: it receives and
//! parses `platform.start`, `platform.runtimeDone` and `platform.report`
//! for every invocation.

use std::net::TcpListener;
use std::time::Duration;

use harness::{TaskRoot, events};

#[test]
fn awss_telemetry_processor_reads_every_invocations_records() {
    let task = TaskRoot::with_bash_original();
    task.write_executable(
        "extensions/aws-telemetry",
        std::fs::read(assert_cmd::cargo::cargo_bin!("aws-telemetry")).unwrap(),
    );
    // A free port for the extension's telemetry server.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = task.config("bootstrap");
    config.extensions = Some(task.path().join("extensions"));
    config.env = vec![("TELEMETRY_PORT".to_string(), port.to_string())];
    config.timeout = Duration::from_secs(5);
    let sent = events(&[r#"{"n": 1}"#, r#"{"n": 2}"#]);
    let lambda = local_lambda::LocalLambda::start(config).unwrap();
    let outcomes: Vec<_> = sent
        .iter()
        .map(|event| lambda.invoke(event.clone()).unwrap())
        .collect();
    // Time for the last batch (the extension asked for one every 100 ms).
    std::thread::sleep(Duration::from_millis(600));
    lambda.shutdown();
    let log = lambda.recording().log();
    for outcome in &outcomes {
        let id = &outcome.request_id;
        for line in [
            format!("telemetry: platform.start {id}"),
            format!("telemetry: platform.runtimeDone {id} Success"),
            format!("telemetry: platform.report {id} memorySizeMB=128"),
        ] {
            assert!(log.contains(&line), "{line} is missing:\n{log:#?}");
        }
    }
}
