//! lambdr's conventions on chapter 12's runtime: handlers written for lambdr
//! (`example/runtime.R`, `example/raw.R`) with every kind of event lambdr
//! knows, the context, deadlines, errors a person can debug, and the
//! chapter's fault cases. The expected answers are lambdr's, as its source
//! and vignettes define them. Needs R, as `tests/r.rs` says.

mod common;

use std::time::Duration;

use common::{bodies, config, event_file, r_is_here, task};
use harness::{Run, TaskRoot, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation};
use serde_json::{Value, json};

/// `handler` in lambdr's style, persistent, in `root`.
fn lambdr(root: &TaskRoot, handler: &str) -> FunctionConfig {
    config(root, handler, "lambdr", "persistent")
}

fn body_json(run: &Run, index: usize) -> Value {
    serde_json::from_slice(&bodies(run)[index]).expect("a JSON answer")
}

/// The event kinds lambdr recognises, each with what the `parity` handler
/// must answer: direct events get the result as JSON; API Gateway wraps it
/// in a proxy response; EventBridge passes `detail`; SNS passes the message.
const EVENT_KINDS: [(&str, &str); 6] = [
    ("direct.json", r#"{"parity":"odd"}"#),
    (
        "rest-api.json",
        r#"{"isBase64Encoded":false,"statusCode":200,"body":"{\"parity\":\"odd\"}"}"#,
    ),
    (
        "http-api.json",
        r#"{"isBase64Encoded":false,"statusCode":200,"body":"{\"parity\":\"even\"}"}"#,
    ),
    (
        "http-api-base64.json",
        r#"{"isBase64Encoded":false,"statusCode":200,"body":"{\"parity\":\"odd\"}"}"#,
    ),
    ("eventbridge.json", r#"{"parity":"odd"}"#),
    ("sns.json", r#"{"parity":"even"}"#),
];

#[test]
fn every_kind_of_event_gets_lambdrs_answer() {
    if !r_is_here("every_kind_of_event_gets_lambdrs_answer") {
        return;
    }
    let root = task(false);
    let sent: Vec<Invocation> = EVENT_KINDS
        .iter()
        .map(|(file, _)| Invocation::new(event_file(file)))
        .collect();
    let answered = run(lambdr(&root, "runtime.parity"), &sent);
    for (index, (file, expected)) in EVENT_KINDS.iter().enumerate() {
        assert_eq!(
            String::from_utf8_lossy(&bodies(&answered)[index]),
            *expected,
            "the answer to {file}"
        );
    }
    let mut report = String::new();
    for (index, (file, _)) in EVENT_KINDS.iter().enumerate() {
        let answer = String::from_utf8_lossy(&bodies(&answered)[index]).into_owned();
        report.push_str(&format!("{file}\n  -> {answer}\n"));
    }
    snapshot_settings().bind(|| insta::assert_snapshot!("lambdr_event_kinds", report));
}

#[test]
fn html_response_sets_status_type_and_headers_and_an_error_is_a_500() {
    if !r_is_here("html_response_sets_status_type_and_headers_and_an_error_is_a_500") {
        return;
    }
    let root = task(false);
    let rest_api: Value = serde_json::from_slice(&event_file("rest-api.json")).unwrap();
    let with_body = |body: &str| {
        let mut event = rest_api.clone();
        event["body"] = json!(body);
        Invocation::new(event.to_string())
    };
    let sent = [
        with_body(r#"{"name": "Ada"}"#),
        with_body(r#"{"colour": "red"}"#),
    ];
    let answered = run(lambdr(&root, "runtime.welcome"), &sent);
    assert_eq!(
        body_json(&answered, 0),
        json!({
            "body": "<p>Welcome, Ada!</p>",
            "isBase64Encoded": false,
            "statusCode": 201,
            "headers": {"Cache-Control": "no-store", "Content-Type": "text/html"}
        }),
        "html_response's own status, content type and headers"
    );
    assert_eq!(
        body_json(&answered, 1),
        json!({
            "statusCode": 500,
            "headers": {"Content-Type": "text/plain", "x-amzn-ErrorType": "simpleError"},
            "isBase64Encoded": false,
            "body": "unused argument (colour = \"red\")"
        }),
        "an R error behind API Gateway is a 500 response"
    );
    assert_eq!(
        answered.verdicts()[1].0,
        "ok",
        "to Lambda, the 500 is an answer, not a failed invocation"
    );
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("lambdr_api_gateway", answered.transcript()));
}

#[test]
fn the_context_comes_from_the_invocation_and_the_functions_settings() {
    if !r_is_here("the_context_comes_from_the_invocation_and_the_functions_settings") {
        return;
    }
    let root = task(false);
    let mut config = lambdr(&root, "runtime.whoami");
    config.function_name = "parity-checker".to_string();
    config.function_version = "7".to_string();
    config.memory_mb = 512;
    config.region = "eu-west-1".to_string();
    let answered = run(config, &events(&["{}", "{}"]));
    let first = body_json(&answered, 0);
    let request_id = &answered.outcomes[0].as_ref().unwrap().request_id;
    assert_eq!(
        first["aws_request_id"],
        json!(request_id),
        "the request id of this invocation"
    );
    assert_eq!(
        first["invoked_function_arn"],
        json!("arn:aws:lambda:eu-west-1:123456789012:function:parity-checker")
    );
    assert_eq!(first["function_name"], json!("parity-checker"));
    assert_eq!(first["function_version"], json!("7"));
    assert_eq!(
        first["memory_limit_in_mb"],
        json!("512"),
        "a string, as lambdr has it"
    );
    assert_eq!(first["log_group_name"], json!("/aws/lambda/parity-checker"));
    let stream = first["log_stream_name"].as_str().unwrap();
    assert!(
        stream.contains("[7]"),
        "the stream names the version: {stream}"
    );
    assert_ne!(
        body_json(&answered, 1)["aws_request_id"],
        first["aws_request_id"],
        "each invocation its own request id"
    );
    let raw = String::from_utf8_lossy(&bodies(&answered)[0]).into_owned();
    let names = [
        "aws_request_id",
        "invoked_function_arn",
        "function_name",
        "function_version",
        "memory_limit_in_mb",
        "log_group_name",
        "log_stream_name",
    ];
    let positions: Vec<usize> = names
        .iter()
        .map(|name| raw.find(&format!("\"{name}\":")).expect("every field"))
        .collect();
    assert!(
        positions.is_sorted() && first.as_object().unwrap().len() == names.len(),
        "lambdr's fields, in lambdr's order, and no others: {raw}"
    );
    let shown = serde_json::to_string_pretty(&first).unwrap();
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("lambdr_context", answered.normalise(&shown)));
}

#[test]
fn a_handler_past_its_deadline_is_stopped_and_the_next_event_succeeds() {
    if !r_is_here("a_handler_past_its_deadline_is_stopped_and_the_next_event_succeeds") {
        return;
    }
    let root = task(false);
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    for handler in ["runtime.nap", "runtime.stubborn"] {
        let mut config = lambdr(&root, handler);
        config.timeout = Duration::from_secs(2);
        let answered = run(
            config,
            &events(&[r#"{"seconds": 5}"#, r#"{"seconds": 0.1}"#]),
        );
        assert_eq!(
            answered.verdicts(),
            [
                verdict("Runtime.HandlerTimedOut", true),
                verdict("ok", false)
            ],
            "{handler}: the runtime reports the timeout and stays warm"
        );
        assert_eq!(
            String::from_utf8_lossy(&bodies(&answered)[1]),
            r#"{"slept":0.1}"#,
            "{handler}"
        );
        if handler == "runtime.nap" {
            snapshot_settings()
                .bind(|| insta::assert_snapshot!("lambdr_deadline", answered.transcript()));
        }
    }
}

#[test]
fn an_error_names_its_class_and_calls_and_the_log_names_the_request() {
    if !r_is_here("an_error_names_its_class_and_calls_and_the_log_names_the_request") {
        return;
    }
    let root = task(false);
    let answered = run(lambdr(&root, "runtime.chatty"), &events(&[r#"{"n": 3}"#]));
    let document = body_json(&answered, 0);
    assert_eq!(
        document["errorType"],
        json!("simpleError"),
        "the condition's class"
    );
    assert_eq!(
        document["stackTrace"],
        json!([
            "chatty(n = 3L)",
            "count_down(n) at runtime.R:31",
            "count_down(n - 1) at runtime.R:36",
            "count_down(n - 1) at runtime.R:36",
            "count_down(n - 1) at runtime.R:36",
            "stop(\"reached zero, with nothing left to count\") at runtime.R:35"
        ]),
        "the calls from the handler down to stop()"
    );
    let log = answered.log_text();
    assert!(
        log.contains("[INFO]\t<request-id-1>\tcounting down from 3\n")
            && log.contains("[WARNING]\t<request-id-1>\tthat is a long way down\n"),
        "message() and warning() in the log, with the request id:\n{log}"
    );
    // The transcript shortens long bodies; the report is this case's point,
    // so it is shown whole first.
    let shown = format!(
        "== the error document ==\n{}\n\n{}",
        serde_json::to_string_pretty(&document).expect("a JSON value prints"),
        answered.transcript()
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("lambdr_error", shown));
}

#[test]
fn identity_as_deserialiser_and_serialiser_gives_the_event_as_it_came() {
    if !r_is_here("identity_as_deserialiser_and_serialiser_gives_the_event_as_it_came") {
        return;
    }
    let root = task(false);
    let answered = run(
        lambdr(&root, "raw.echo"),
        &events(&[r#"{"number": 9}"#, r#""caf\u00e9""#]),
    );
    // Not decoded: the string keeps its quotes and its `\u00e9` escape.
    assert_eq!(
        bodies(&answered),
        [
            br#"You sent 13 bytes: {"number": 9}"#.to_vec(),
            br#"You sent 11 bytes: "caf\u00e9""#.to_vec()
        ]
    );
}

#[test]
fn no_event_is_lost_in_the_fault_cases() {
    if !r_is_here("no_event_is_lost_in_the_fault_cases") {
        return;
    }
    let root = task(false);
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    let big_text = "é".repeat(512 * 1024);
    let big = json!({ "text": big_text }).to_string();
    let answered = run(
        lambdr(&root, "runtime.measure"),
        &events(&[&big, r#"{"text": "Zoë says 👋 to 世界"}"#]),
    );
    assert_eq!(
        body_json(&answered, 0),
        json!({"characters": 524288, "bytes": 1048576, "echo": "éééééééééééé"}),
        "1 MiB of two-byte characters, each counted once"
    );
    assert_eq!(
        body_json(&answered, 1),
        json!({"characters": 16, "bytes": 24, "echo": "Zoë says 👋 t"}),
        "text beyond ASCII, both ways"
    );

    let crashed = run(lambdr(&root, "runtime.crash"), &events(&["{}", "{}"]));
    assert_eq!(
        crashed.verdicts(),
        [
            verdict("Runtime.RWorkerDied", true),
            verdict("Runtime.RWorkerDied", false)
        ],
        "R killed mid-event: that event fails, and the next gets a new R"
    );

    root.write("broken.R", "handler <- function( {\n");
    for (handler, expected) in [
        ("broken.handler", "Runtime.ImportModuleError"),
        ("runtime.nowhere", "Runtime.NoSuchHandler"),
    ] {
        let failed = run(
            config(&root, handler, "lambdr", "persistent"),
            &events(&["{}"]),
        );
        assert_eq!(failed.verdicts()[0].0, expected, "{handler}");
    }
}
