//! The front door is Lambda's Invoke API: AWS's own clients, unchanged
//! (boto3, the SDK for Python, and the AWS CLI), pointed at `local-lambda
//! --serve` with `--endpoint-url`, get what Lambda's documentation says
//! for each invocation type, a failing function, the log's tail, the
//! client context, a caller's trace and a payload that is not JSON.
//!
//! The function is chapter 15's Python runtime with a handler written for
//! these tests. Needs python3 with boto3 and the AWS CLI; CI installs them
//! (`.ci/run`), and elsewhere the tests say they were skipped, and why.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Server;
use harness::{TaskRoot, have, workspace_root};
use serde_json::{Value, json};

/// The handler: answers with what it saw of the invocation, fails or
/// sleeps when the event asks, and notes each request id it ran in the file
/// the event names.
const HANDLER: &str = r#"import os
import sys
import time


def handler(event, context):
    print(f"handled {event}", file=sys.stderr)
    if event.get("note"):
        with open(event["note"], "a") as notes:
            notes.write(context.aws_request_id + "\n")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise RuntimeError("failing, as asked")
    return {
        "request_id": context.aws_request_id,
        "tenant_id": context.tenant_id,
        "runtime_pid": os.getpid(),
        "client_context": context.client_context,
        "trace_id": context.trace_id,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
    }
"#;

/// The caller's credentials, which the function must be given.
const ACCESS_KEY: &str = "AKIDLOCALTEST";

fn boto3_is_here(test: &str) -> bool {
    have(
        test,
        "boto3",
        &["python3", "-c", "import boto3"],
        "pip install boto3",
    )
}

/// `local-lambda --serve` with the Python runtime and the handler above.
fn serve(task: &TaskRoot, extra: &[&str]) -> Server {
    task.write("invoke_api.py", HANDLER);
    let bootstrap = workspace_root().join("chapters/chapter-15-your-own-runtime/python/bootstrap");
    let mut args = vec![
        "--bootstrap",
        bootstrap.to_str().unwrap(),
        "--task-root",
        task.path().to_str().unwrap(),
        "--handler",
        "invoke_api.handler",
    ];
    args.extend_from_slice(extra);
    Server::start_with_env(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ],
    )
}

/// Runs boto3's `invoke` once per call, one after the other; what each
/// returned. `env` is boto3's own environment.
fn boto3(server: &Server, calls: &Value, env: &[(&str, &str)]) -> Vec<Value> {
    boto3_with(server, calls, env, &[])
}

fn boto3_with(
    server: &Server,
    calls: &Value,
    env: &[(&str, &str)],
    options: &[&str],
) -> Vec<Value> {
    common::python_results("invoke_with_boto3.py", server, calls, env, options)
}

fn payload(result: &Value) -> Value {
    serde_json::from_str(result["payload"].as_str().unwrap()).unwrap()
}

#[test]
fn boto3s_invoke_gets_what_lambda_documents() {
    if !boto3_is_here("boto3s_invoke_gets_what_lambda_documents") {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task, &[]);
    let caller_root = "Root=1-6788f0c2-0123456789abcdef01234567";
    let context = json!({"custom": {"colour": "teal"}}).to_string();
    let calls = json!([
        {"Payload": r#"{"name": "Ada"}"#},
        {"Payload": r#"{"name": "Bo"}"#, "LogType": "Tail"},
        {"Payload": "{}", "ClientContext": base64(&context)},
        {"Payload": r#"{"fail": true}"#},
        {"Payload": "not json"},
    ]);
    // botocore sends _X_AMZN_TRACE_ID as X-Amzn-Trace-Id when it runs in a
    // function itself: a caller inside Lambda, continuing its own trace.
    let results = boto3(
        &server,
        &calls,
        &[
            ("AWS_LAMBDA_FUNCTION_NAME", "caller"),
            (
                "_X_AMZN_TRACE_ID",
                &format!("{caller_root};Parent=53995c3f42cd8ad8;Sampled=1"),
            ),
        ],
    );

    let plain = &results[0];
    assert_eq!(plain["status"], json!(200));
    assert_eq!(plain["ExecutedVersion"], json!("$LATEST"));
    assert!(plain.get("FunctionError").is_none(), "{plain}");
    assert!(
        plain.get("LogResult").is_none(),
        "no log unless asked: {plain}"
    );
    assert_eq!(
        payload(plain)["access_key"],
        json!(ACCESS_KEY),
        "the caller's credentials reach the function"
    );
    let trace = payload(plain)["trace_id"].as_str().unwrap().to_string();
    assert!(
        trace.starts_with(&format!("{caller_root};Parent=")) && trace.ends_with(";Sampled=1"),
        "the caller's trace is continued: {trace}"
    );

    let tailed = &results[1];
    let request_id = payload(tailed)["request_id"].as_str().unwrap().to_string();
    let log = tailed["log"].as_str().expect("LogType Tail gives the log");
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0] == format!("START RequestId: {request_id} Version: $LATEST")
            && lines.contains(&"handled {'name': 'Bo'}")
            && lines.contains(&format!("END RequestId: {request_id}").as_str())
            && lines
                .last()
                .unwrap()
                .starts_with(&format!("REPORT RequestId: {request_id}")),
        "that invocation's log, START to REPORT:\n{log}"
    );

    assert_eq!(payload(&results[2])["client_context"], json!(context));

    let failed = &results[3];
    assert_eq!(
        failed["status"],
        json!(200),
        "a function error is still a 200"
    );
    assert_eq!(failed["FunctionError"], json!("Unhandled"));
    assert_eq!(payload(failed)["errorType"], json!("RuntimeError"));

    let refused = &results[4];
    assert_eq!(
        refused["exception"],
        json!("InvalidRequestContentException")
    );
    assert_eq!(refused["status"], json!(400));
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("Could not parse request body into json"),
        "{refused}"
    );
    let handled = server.stderr_once(|text| text.matches("REPORT RequestId").count() >= 4);
    assert_eq!(
        handled.matches("START RequestId").count(),
        4,
        "the payload that is not JSON never reached the runtime:\n{handled}"
    );
}

#[test]
fn an_event_invocation_returns_at_once_and_runs_afterwards() {
    if !boto3_is_here("an_event_invocation_returns_at_once_and_runs_afterwards") {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task, &["--timeout", "10"]);
    let ran = task.path().join("ran.txt");
    let dry = task.path().join("dry.txt");
    let calls = json!([
        {"Payload": json!({"sleep": 2, "note": ran}).to_string(), "InvocationType": "Event"},
        {"Payload": json!({"note": dry}).to_string(), "InvocationType": "DryRun"},
    ]);
    let results = boto3(&server, &calls, &[]);
    let queued = &results[0];
    assert_eq!(queued["status"], json!(202));
    assert_eq!(queued["payload"], json!(""));
    assert!(
        queued["ms"].as_u64().unwrap() < 100,
        "202 at once, while the handler sleeps 2 s: {queued}"
    );
    assert_eq!(results[1]["status"], json!(204));
    assert!(within_10_s(|| ran.exists()), "the queued event ran");
    let log = server.stderr_once(|text| text.contains("REPORT RequestId"));
    assert!(
        log.contains("handled {") && log.contains("'sleep': 2"),
        "{log}"
    );
    assert!(!dry.exists(), "DryRun runs nothing");
}

#[test]
fn a_failed_event_invocation_is_retried_twice_with_its_request_id() {
    if !boto3_is_here("a_failed_event_invocation_is_retried_twice_with_its_request_id") {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task, &["--async-retry-delay", "0.2"]);
    let notes = task.path().join("notes.txt");
    let calls = json!([
        {"Payload": json!({"fail": true, "note": notes}).to_string(), "InvocationType": "Event"},
    ]);
    assert_eq!(boto3(&server, &calls, &[])[0]["status"], json!(202));
    let runs = || std::fs::read_to_string(&notes).unwrap_or_default();
    within_10_s(|| runs().lines().count() >= 3);
    // Time for a fourth run, which must not come.
    std::thread::sleep(Duration::from_millis(500));
    let ids: Vec<String> = runs().lines().map(str::to_string).collect();
    assert_eq!(ids.len(), 3, "the first run and two retries: {ids:?}");
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "a retry keeps its request id: {ids:?}"
    );
}

#[test]
fn two_tenants_at_once_are_served_by_environments_of_their_own() {
    if !boto3_is_here("two_tenants_at_once_are_served_by_environments_of_their_own") {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task, &["--concurrency", "2"]);
    let call = |tenant: &str| json!({"Payload": r#"{"sleep": 0.5}"#, "TenantId": tenant});
    let at_once = boto3_with(
        &server,
        &json!([call("alpha"), call("beta")]),
        &[],
        &["--at-once"],
    );
    let seen: Vec<Value> = at_once.iter().map(payload).collect();
    assert_eq!(
        (&seen[0]["tenant_id"], &seen[1]["tenant_id"]),
        (&json!("alpha"), &json!("beta")),
        "each runtime sees its own tenant: {seen:?}"
    );
    assert_ne!(
        seen[0]["runtime_pid"], seen[1]["runtime_pid"],
        "two environments"
    );
    // Later, each tenant again: its own warm environment, never the other's.
    let again: Vec<Value> = boto3(&server, &json!([call("beta"), call("alpha")]), &[])
        .iter()
        .map(payload)
        .collect();
    assert_eq!(again[0]["runtime_pid"], seen[1]["runtime_pid"]);
    assert_eq!(again[1]["runtime_pid"], seen[0]["runtime_pid"]);
}

#[test]
fn the_aws_cli_invokes_the_front_door() {
    if !boto3_is_here("the_aws_cli_invokes_the_front_door")
        || !have(
            "the_aws_cli_invokes_the_front_door",
            "the AWS CLI",
            &["aws", "--version"],
            "pip install awscli",
        )
    {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task, &[]);
    let aws = |payload: &str, out: &str| {
        Command::new("aws")
            .args(["lambda", "invoke", "--endpoint-url", &server.endpoint()])
            .args(["--region", "us-east-1", "--function-name", "function"])
            // The CLI from PyPI (version 1) sends --payload as it is written.
            .args(["--payload", payload, out])
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .current_dir(task.path())
            .output()
            .unwrap()
    };
    let answered = aws(r#"{"name": "Ada"}"#, "answer.json");
    assert!(answered.status.success(), "{answered:?}");
    let answer: Value =
        serde_json::from_slice(&std::fs::read(task.path().join("answer.json")).unwrap()).unwrap();
    assert!(answer["request_id"].is_string(), "{answer}");
    let printed: Value = serde_json::from_slice(&answered.stdout).unwrap();
    assert_eq!(printed["StatusCode"], json!(200));
    assert_eq!(printed["ExecutedVersion"], json!("$LATEST"));

    let refused = aws("not json", "refused.json");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("(InvalidRequestContentException)"),
        "the CLI names Lambda's error: {message}"
    );
}

/// Whether `condition` holds within 10 s, looked at every 20 ms.
fn within_10_s(condition: impl Fn() -> bool) -> bool {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !condition() {
        if Instant::now() > give_up {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
