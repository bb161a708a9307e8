//! Extensions, as Lambda runs them: the Extensions API's answers, an
//! external extension started before the runtime and told of every
//! invocation and of the shutdown, Init failed by an extension, and the
//! rule a runtime's author must know: the runtime gets SIGTERM before it is
//! killed only when an extension is registered.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::TaskRoot;
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde_json::{Value, json};

const EXTENSION: &str = "/2020-01-01/extension";

/// A bash extension that takes its time (a third of a second) to register
/// for `events`, notes in `$NOTES` when it does and every event it gets,
/// and leaves on `SHUTDOWN`. Before it loops, it runs `then` (an
/// `init/error` report, say), and after each event `after_each`.
fn extension_script(events: &str, then: &str, after_each: &str) -> String {
    format!(
        r#"#!/bin/bash
set -u
api="http://$AWS_LAMBDA_RUNTIME_API{EXTENSION}"
headers=$(mktemp)
sleep 0.3
echo "extension registering" >> "$NOTES"
curl -sS -D "$headers" -o /dev/null -X POST "$api/register" \
  -H "Lambda-Extension-Name: $(basename "$0")" -d '{{"events": {events}}}'
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\r')
{then}
while true; do
  event=$(curl -sS -H "Lambda-Extension-Identifier: $id" "$api/event/next")
  echo "extension got $event" >> "$NOTES"
  case "$event" in *SHUTDOWN*) exit 0 ;; esac
  {after_each}
done
"#
    )
}

/// A bash runtime that echoes each event and notes in `$NOTES` when it
/// starts and when SIGTERM reaches it. Its `next` runs in the background
/// and is waited for with `wait`, which a trapped signal interrupts: bash
/// runs a trap only between commands.
const RUNTIME: &str = r#"#!/bin/bash
set -u
echo "runtime started" >> "$NOTES"
trap 'echo "runtime got SIGTERM" >> "$NOTES"; exit 0' TERM
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  headers=$(mktemp)
  body=$(mktemp)
  curl -sS -D "$headers" -o "$body" "$api/invocation/next" &
  wait $!
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  event=$(cat "$body")
  case "$event" in *sleep*) sleep 5 & wait $! ;; esac
  curl -sS -o /dev/null "$api/invocation/$id/response" --data-binary "echo:$event"
done
"#;

/// A function with the runtime above and, in `extensions/`, the given
/// extension scripts; both note into the task root's `notes.txt`.
fn function(task: &TaskRoot, extensions: &[(&str, String)]) -> (FunctionConfig, PathBuf) {
    task.write_executable("bootstrap", RUNTIME);
    for (name, script) in extensions {
        task.write_executable(&format!("extensions/{name}"), script);
    }
    let notes = task.path().join("notes.txt");
    let mut config = task.config("bootstrap");
    config.extensions = (!extensions.is_empty()).then(|| task.path().join("extensions"));
    config.env = vec![("NOTES".to_string(), notes.display().to_string())];
    config.timeout = Duration::from_secs(1);
    (config, notes)
}

fn notes(path: &PathBuf) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The JSON events the extension noted, in order.
fn events_seen(notes: &[String]) -> Vec<Value> {
    notes
        .iter()
        .filter_map(|line| line.strip_prefix("extension got "))
        .map(|event| serde_json::from_str(event).expect("an event is JSON"))
        .collect()
}

#[test]
fn an_extension_starts_first_hears_of_each_invocation_and_of_the_shutdown() {
    let task = TaskRoot::new();
    let script = extension_script(r#"["INVOKE", "SHUTDOWN"]"#, "", "");
    let (config, notes_path) = function(&task, &[("notes-extension", script)]);
    let lambda = LocalLambda::start(config).unwrap();
    let first = lambda.invoke(Invocation::new(r#"{"n": 1}"#)).unwrap();
    let second = lambda.invoke(Invocation::new(r#"{"n": 2}"#)).unwrap();
    lambda.shutdown();
    assert!(first.is_success() && second.is_success());
    let notes = notes(&notes_path);
    let position = |line: &str| notes.iter().position(|noted| noted == line);
    assert!(
        position("extension registering") < position("runtime started"),
        "Lambda starts the runtime once its extensions have registered: {notes:#?}"
    );
    let events = events_seen(&notes);
    assert_eq!(events.len(), 3, "{notes:#?}");
    for (event, outcome) in events.iter().zip([&first, &second]) {
        assert_eq!(event["eventType"], json!("INVOKE"));
        assert_eq!(event["requestId"], json!(outcome.request_id));
        assert!(event["deadlineMs"].as_u64().is_some());
        assert_eq!(event["tracing"]["type"], json!("X-Amzn-Trace-Id"));
    }
    assert_eq!(events[2]["eventType"], json!("SHUTDOWN"));
    assert_eq!(events[2]["shutdownReason"], json!("spindown"));
    assert!(
        notes.contains(&"runtime got SIGTERM".to_string()),
        "with an extension, the runtime gets SIGTERM first: {notes:#?}"
    );
    let sigterm = position("runtime got SIGTERM");
    let shutdown = notes.iter().position(|line| line.contains("SHUTDOWN"));
    assert!(
        sigterm < shutdown,
        "SIGTERM to the runtime, then SHUTDOWN: {notes:#?}"
    );
}

#[test]
fn an_invocation_ends_when_the_extensions_are_back_too() {
    let task = TaskRoot::new();
    // After each INVOKE the extension works on for a moment, and says so in
    // the function's log, as an extension that sends telemetry would.
    let after = r#"sleep 0.3; echo "extension: done with the invocation""#;
    let script = extension_script(r#"["INVOKE"]"#, "", after);
    let (config, _) = function(&task, &[("slow", script)]);
    let lambda = LocalLambda::start(config).unwrap();
    let first = lambda.invoke(Invocation::new(r#"{"n": 1}"#)).unwrap();
    let second = lambda.invoke(Invocation::new(r#"{"n": 2}"#)).unwrap();
    lambda.shutdown();
    let log = lambda.recording().log();
    let at = |line: String| log.iter().position(|logged| logged.starts_with(&line));
    let done = log
        .iter()
        .position(|line| line == "extension: done with the invocation");
    assert!(
        done < at(format!("END RequestId: {}", first.request_id)),
        "END waits for the extension: {log:#?}"
    );
    assert!(
        at(format!("END RequestId: {}", first.request_id))
            < at(format!("START RequestId: {}", second.request_id)),
        "{log:#?}"
    );
}

#[test]
fn without_an_extension_the_runtime_gets_no_sigterm() {
    let task = TaskRoot::new();
    let (config, notes_path) = function(&task, &[]);
    let lambda = LocalLambda::start(config).unwrap();
    assert!(lambda.invoke(Invocation::new("{}")).unwrap().is_success());
    lambda.shutdown();
    let notes = notes(&notes_path);
    assert_eq!(
        notes,
        ["runtime started"],
        "killed, with no signal it could catch"
    );
}

#[test]
fn a_timeout_tells_the_extension_why_the_environment_ends() {
    let task = TaskRoot::new();
    let script = extension_script(r#"["SHUTDOWN"]"#, "", "");
    let (config, notes_path) = function(&task, &[("shutdown-only", script)]);
    let lambda = LocalLambda::start(config).unwrap();
    let timed_out = lambda
        .invoke(Invocation::new(r#"{"sleep": true}"#))
        .unwrap();
    assert_eq!(timed_out.result.unwrap_err().error_type, "Sandbox.Timedout");
    lambda.shutdown();
    let events = events_seen(&notes(&notes_path));
    assert_eq!(events.len(), 1, "SHUTDOWN only, as it asked: {events:?}");
    assert_eq!(events[0]["shutdownReason"], json!("timeout"));
}

#[test]
fn an_extensions_init_error_fails_the_init() {
    let task = TaskRoot::new();
    let report = r#"curl -sS -o /dev/null -X POST "$api/init/error" \
  -H "Lambda-Extension-Identifier: $id" \
  -H "Lambda-Extension-Function-Error-Type: Extension.ConfigMissing" -d '{}'
exit 1"#;
    let script = extension_script(r#"["INVOKE"]"#, report, "");
    let (config, _) = function(&task, &[("failing", script)]);
    let lambda = LocalLambda::start(config).unwrap();
    let outcome = lambda.invoke(Invocation::new("{}")).unwrap();
    lambda.shutdown();
    let error = outcome.result.unwrap_err();
    assert_eq!(error.error_type, "Extension.ConfigMissing");
    assert!(
        lambda
            .recording()
            .log()
            .iter()
            .any(|line| line
                .contains("Phase: init\tStatus: error\tError Type: Extension.ConfigMissing")),
        "{:#?}",
        lambda.recording().log()
    );
}

/// The Extensions API's refusals, each `403` with Lambda's error type.
#[test]
fn the_extensions_api_refuses_as_lambda_does() {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).unwrap();
    let base = format!("http://{}{EXTENSION}", lambda.runtime_api().unwrap());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let refusal = |response: Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let body: Value =
            serde_json::from_slice(&response.body_mut().read_to_vec().unwrap()).unwrap_or_default();
        (
            status,
            body["errorType"].as_str().unwrap_or_default().to_string(),
        )
    };
    let register = |name: &str, events: &str| {
        agent
            .post(&format!("{base}/register"))
            .header("Lambda-Extension-Name", name)
            .send(events.as_bytes())
    };
    let mut registered = register("first", r#"{"events": ["INVOKE"]}"#).unwrap();
    assert_eq!(registered.status().as_u16(), 200);
    let id = registered.headers()["Lambda-Extension-Identifier"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value =
        serde_json::from_slice(&registered.body_mut().read_to_vec().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"functionName": "step-by-step", "functionVersion": "$LATEST", "handler": "function.handler"})
    );
    let forbidden = |error_type: &str| (403, error_type.to_string());
    assert_eq!(
        refusal(register("", r#"{"events": []}"#)),
        forbidden("Extension.InvalidExtensionName")
    );
    assert_eq!(
        refusal(register("odd", r#"{"events": ["LATER"]}"#)),
        forbidden("Extension.InvalidEventType")
    );
    assert_eq!(
        refusal(agent.get(&format!("{base}/event/next")).call()),
        forbidden("Extension.MissingExtensionIdentifier")
    );
    assert_eq!(
        refusal(
            agent
                .get(&format!("{base}/event/next"))
                .header("Lambda-Extension-Identifier", "not-a-uuid")
                .call()
        ),
        forbidden("Extension.InvalidExtensionIdentifier")
    );
    assert_eq!(
        refusal(
            agent
                .post(&format!("{base}/init/error"))
                .header("Lambda-Extension-Identifier", &id)
                .send(&b"{}"[..])
        ),
        forbidden("Extension.MissingHeader"),
        "init/error needs its error type"
    );
    for number in 2..=10 {
        assert_eq!(
            register(&format!("extension-{number}"), r#"{"events": []}"#)
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
    assert_eq!(
        refusal(register("eleventh", r#"{"events": []}"#)),
        forbidden("Extension.TooManyExtensions")
    );
}

/// A subscriber's HTTP server: every batch POSTed to it, in order.
fn telemetry_server() -> (u16, Arc<Mutex<Vec<Vec<Value>>>>) {
    telemetry_server_noting(None)
}

/// The same, noting each batch's arrival in `notes` too, among the
/// extension's own notes.
fn telemetry_server_noting(notes: Option<PathBuf>) -> (u16, Arc<Mutex<Vec<Vec<Value>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let batches = Arc::new(Mutex::new(Vec::new()));
    let received = batches.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let received = received.clone();
            let notes = notes.clone();
            std::thread::spawn(move || {
                local_lambda::http::serve_connection(&stream, |request| {
                    let batch: Vec<Value> = serde_json::from_slice(&request.body).unwrap();
                    if let Some(notes) = &notes {
                        let mut file = std::fs::OpenOptions::new()
                            .append(true)
                            .create(true)
                            .open(notes)
                            .unwrap();
                        writeln!(file, "subscriber got a batch of {}", batch.len()).unwrap();
                    }
                    received.lock().unwrap().push(batch);
                    local_lambda::http::Response::new(200, "text/plain", "")
                })
            });
        }
    });
    (port, batches)
}

/// Subscribes the extension to platform records at `port`, waiting at
/// most `timeout_ms` to send a batch.
fn subscribe(port: u16, timeout_ms: u32) -> String {
    subscribe_to(r#"["platform"]"#, port, timeout_ms)
}

/// Subscribes the extension to `types` of record at `port`.
fn subscribe_to(types: &str, port: u16, timeout_ms: u32) -> String {
    format!(
        r#"curl -sS -o /dev/null -X PUT "http://$AWS_LAMBDA_RUNTIME_API/2022-07-01/telemetry" \
  -H "Lambda-Extension-Identifier: $id" -d '{{"schemaVersion": "2022-12-13",
  "destination": {{"protocol": "HTTP", "URI": "http://sandbox.localdomain:{port}/"}},
  "types": {types}, "buffering": {{"maxItems": 1000, "timeoutMs": {timeout_ms}}}}}'"#
    )
}

#[test]
fn a_telemetry_subscriber_gets_every_invocations_records_batched_as_it_asked() {
    let task = TaskRoot::new();
    let (eager_port, eager) = telemetry_server();
    let (patient_port, patient) = telemetry_server();
    let extensions = [
        (
            "eager",
            extension_script(r#"["INVOKE"]"#, &subscribe(eager_port, 25), ""),
        ),
        (
            "patient",
            extension_script(r#"["INVOKE"]"#, &subscribe(patient_port, 30_000), ""),
        ),
    ];
    let (config, _) = function(&task, &extensions);
    let lambda = LocalLambda::start(config).unwrap();
    let outcomes: Vec<_> = (1..=3)
        .map(|n| {
            lambda
                .invoke(Invocation::new(format!(r#"{{"n": {n}}}"#)))
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let eager_batches_before_the_end = eager.lock().unwrap().len();
    lambda.shutdown();
    std::thread::sleep(Duration::from_millis(300));

    let records = |batches: &Arc<Mutex<Vec<Vec<Value>>>>| -> Vec<Value> {
        batches.lock().unwrap().iter().flatten().cloned().collect()
    };
    for (name, batches) in [("eager", &eager), ("patient", &patient)] {
        let records = records(batches);
        let types: Vec<&str> = records
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            &types[..3],
            [
                "platform.initStart",
                "platform.initRuntimeDone",
                "platform.initReport"
            ],
            "{name}: Init's records, kept for a subscriber who came during it"
        );
        for outcome in &outcomes {
            let of_this: Vec<&str> = records
                .iter()
                .filter(|record| record["record"]["requestId"] == json!(outcome.request_id))
                .map(|record| record["type"].as_str().unwrap())
                .collect();
            assert_eq!(
                of_this,
                ["platform.start", "platform.runtimeDone", "platform.report"],
                "{name}: each invocation's records"
            );
        }
        let report = records
            .iter()
            .find(|r| r["type"] == json!("platform.report"))
            .unwrap();
        assert_eq!(report["record"]["status"], json!("success"));
        assert_eq!(report["record"]["metrics"]["memorySizeMB"], json!(128));
        assert!(report["time"].as_str().unwrap().ends_with('Z'));
    }
    assert!(
        eager_batches_before_the_end >= 2,
        "25 ms: batches as the invocations go"
    );
    assert_eq!(
        patient.lock().unwrap().len(),
        1,
        "30 s: everything in one batch, sent when the environment ended"
    );
}

#[test]
fn a_subscriber_has_every_record_before_it_hears_shutdown() {
    let task = TaskRoot::new();
    let (port, batches) = telemetry_server_noting(Some(task.path().join("notes.txt")));
    // 30 s of buffering: without the flush before SHUTDOWN, the records
    // would wait for the environment's very end.
    let patient = extension_script(r#"["SHUTDOWN"]"#, &subscribe(port, 30_000), "");
    let (config, notes_path) = function(&task, &[("patient", patient)]);
    let lambda = LocalLambda::start(config).unwrap();
    let outcome = lambda.invoke(Invocation::new("{}")).unwrap();
    lambda.shutdown();
    let notes = notes(&notes_path);
    let batch = notes
        .iter()
        .position(|line| line.starts_with("subscriber got a batch"));
    let shutdown = notes.iter().position(|line| line.contains("SHUTDOWN"));
    assert!(
        batch.is_some() && batch < shutdown,
        "the batch, then SHUTDOWN: {notes:#?}"
    );
    let reported = batches.lock().unwrap()[0].iter().any(|record| {
        record["type"] == json!("platform.report")
            && record["record"]["requestId"] == json!(outcome.request_id)
    });
    assert!(reported, "the invocation's report is in it");
}

#[test]
fn the_telemetry_tells_the_extensions_lines_from_the_functions() {
    let task = TaskRoot::new();
    let (port, batches) = telemetry_server();
    let talkative = extension_script(
        r#"["INVOKE", "SHUTDOWN"]"#,
        &subscribe_to(r#"["function", "extension"]"#, port, 25),
        "echo 'a line from the extension' >&2",
    );
    let (config, _) = function(&task, &[("talkative", talkative)]);
    let lambda = LocalLambda::start(config).unwrap();
    lambda.invoke(Invocation::new("{}")).unwrap();
    lambda.shutdown();
    let log = lambda.recording().log();
    let lines_of = |kind: &str| -> Vec<String> {
        let records: Vec<Value> = batches.lock().unwrap().iter().flatten().cloned().collect();
        records
            .iter()
            .filter(|record| record["type"] == json!(kind))
            .map(|record| record["record"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        lines_of("extension"),
        ["a line from the extension"],
        "{log:#?}"
    );
    assert!(
        lines_of("function")
            .iter()
            .all(|line| !line.contains("extension")),
        "{:#?}",
        lines_of("function")
    );
    let at = |text: &str| log.iter().position(|line| line.contains(text));
    assert!(
        at("a line from the extension") < at("END RequestId"),
        "in the log too, before the invocation's END: {log:#?}"
    );
}
