//! Conformance of the local Lambda with real Lambda's Runtime API: every
//! endpoint and status, the long poll, ordering, the exact payload limits,
//! timeouts and crashes with restarts, and the way an answer takes back to
//! its caller.
//!
//! Most tests play the runtime themselves over HTTP (the embedded mode);
//! the process tests give the supervisor small bash bootstraps.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::TaskRoot;
use local_lambda::{FrontDoor, FunctionConfig, Invocation, LocalLambda, Rejection};
use serde_json::{Value, json};
use ureq::Agent;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// An HTTP client that returns error statuses instead of failing on them.
fn client() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("the request went through");
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("a body");
    Answer {
        status,
        headers,
        body,
    }
}

/// A local Lambda whose runtime is this test, and the base URL of its API.
fn embedded() -> (LocalLambda, String) {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).expect("start");
    let base = format!(
        "http://{}",
        lambda.runtime_api().expect("an embedded API is up at once")
    );
    (lambda, base)
}

fn get(url: &str) -> Answer {
    answer(client().get(url).call())
}

fn post(url: &str, body: &[u8]) -> Answer {
    answer(client().post(url).send(body))
}

fn post_with_header(url: &str, header: (&str, &str), body: &[u8]) -> Answer {
    answer(client().post(url).header(header.0, header.1).send(body))
}

fn response_url(base: &str, id: &str) -> String {
    format!("{base}/2018-06-01/runtime/invocation/{id}/response")
}

fn error_url(base: &str, id: &str) -> String {
    format!("{base}/2018-06-01/runtime/invocation/{id}/error")
}

/// Posts an error document with Lambda's error-type header.
fn post_typed_error(url: &str, error_type: &str, document: &[u8]) -> Answer {
    post_with_header(
        url,
        ("Lambda-Runtime-Function-Error-Type", error_type),
        document,
    )
}

/// Lambda's answer to an accepted response or error: `202 {"status":"OK"}`.
fn assert_accepted(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.json()),
        (202, json!({"status": "OK"}))
    );
}

fn request_id(event: &Answer) -> String {
    event
        .header("Lambda-Runtime-Aws-Request-Id")
        .expect("a request id")
        .to_string()
}

#[test]
fn next_blocks_until_an_invocation_is_queued() {
    let (lambda, base) = embedded();
    let (sender, received) = mpsc::channel();
    let url = format!("{base}{NEXT}");
    thread::spawn(move || sender.send(get(&url)).unwrap());
    assert!(
        received.recv_timeout(Duration::from_millis(300)).is_err(),
        "next answered with nothing queued"
    );
    let pending = lambda.submit(Invocation::new("hello"));
    let event = received
        .recv_timeout(Duration::from_secs(5))
        .expect("next answers once there is an event");
    assert_eq!(
        (event.status, event.body.as_slice()),
        (200, b"hello".as_slice())
    );
    post(&response_url(&base, &request_id(&event)), b"done");
    assert_eq!(pending.wait().unwrap().body(), b"done");
}

#[test]
fn an_answer_on_another_connection_reaches_its_caller() {
    let mut config = FunctionConfig::embedded(".");
    config.timeout = Duration::from_secs(60);
    let lambda = LocalLambda::start(config).expect("start");
    let base = format!("http://{}", lambda.runtime_api().unwrap());
    // The runtime asks first, so the event is written onto this connection
    // by its caller, who then reads the connection for the answer. The
    // agent comes back with the event, to keep the connection open.
    let (sender, received) = mpsc::channel();
    let url = format!("{base}{NEXT}");
    thread::spawn(move || {
        let first = client();
        let event = answer(first.get(&url).call());
        sender.send((event, first)).unwrap();
    });
    assert!(received.recv_timeout(Duration::from_millis(300)).is_err());
    let pending = lambda.submit(Invocation::new("elsewhere"));
    let (event, first) = received.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_accepted(&post(
        &response_url(&base, &request_id(&event)),
        b"answered elsewhere",
    ));
    let (sender, outcome) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(pending.wait());
    });
    let outcome = outcome
        .recv_timeout(Duration::from_secs(10))
        .expect("the caller hears of the answer long before its 60 s deadline");
    assert_eq!(outcome.unwrap().body(), b"answered elsewhere");
    drop(first);
}

#[test]
fn a_runtime_that_stops_halfway_through_its_answer_times_out() {
    let mut config = FunctionConfig::embedded(".");
    config.timeout = Duration::from_millis(500);
    let lambda = LocalLambda::start(config).expect("start");
    let api = lambda.runtime_api().unwrap();
    let mut runtime = TcpStream::connect(&api).unwrap();
    write!(runtime, "GET {NEXT} HTTP/1.1\r\nHost: {api}\r\n\r\n").unwrap();
    // Parked before the event comes, so its caller reads this connection.
    thread::sleep(Duration::from_millis(200));
    let pending = lambda.submit(Invocation::new("half"));
    let mut event = [0u8; 4096];
    let read = runtime.read(&mut event).unwrap();
    let head = String::from_utf8_lossy(&event[..read]).to_string();
    let id = head
        .lines()
        .find_map(|line| line.strip_prefix("Lambda-Runtime-Aws-Request-Id: "))
        .expect("a request id")
        .to_string();
    // Ten bytes promised, three sent, and then nothing.
    write!(
        runtime,
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nContent-Length: 10\r\n\r\nabc"
    )
    .unwrap();
    let (sender, outcome) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(pending.wait());
    });
    let outcome = outcome
        .recv_timeout(Duration::from_secs(10))
        .expect("the caller is not held past its deadline")
        .unwrap();
    assert_eq!(failure(&outcome).0, "Sandbox.Timedout");
    drop(runtime);
}

#[test]
fn next_carries_lambdas_headers() {
    let (lambda, base) = embedded();
    let pending = lambda.submit(Invocation {
        client_context: Some(r#"{"client":{"app_title":"demo"}}"#.to_string()),
        cognito_identity: Some(
            r#"{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}"#.to_string(),
        ),
        ..Invocation::new("{}")
    });
    let event = get(&format!("{base}{NEXT}"));
    let id = request_id(&event);
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(&id[14..15], "4", "a random (version 4) UUID: {id}");
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let deadline: u128 = event
        .header("Lambda-Runtime-Deadline-Ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        deadline > now_ms && deadline <= now_ms + 3_000,
        "deadline {deadline} is now + the 3 s timeout"
    );
    assert_eq!(
        event.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some("arn:aws:lambda:us-east-1:123456789012:function:step-by-step")
    );
    assert!(
        event
            .header("Lambda-Runtime-Trace-Id")
            .unwrap()
            .starts_with("Root=1-")
    );
    assert_eq!(
        event.header("Lambda-Runtime-Client-Context"),
        Some(r#"{"client":{"app_title":"demo"}}"#)
    );
    assert!(
        event
            .header("Lambda-Runtime-Cognito-Identity")
            .unwrap()
            .contains("pool")
    );
    post(&response_url(&base, &id), b"ok");
    pending.wait().unwrap();

    let pending = lambda.submit(Invocation::new("{}"));
    let plain = get(&format!("{base}{NEXT}"));
    assert_eq!(
        plain.header("Lambda-Runtime-Client-Context"),
        None,
        "only sent when the invocation has one"
    );
    assert_eq!(plain.header("Lambda-Runtime-Cognito-Identity"), None);
    assert_ne!(request_id(&plain), id, "every invocation gets a fresh id");
    post(&response_url(&base, &request_id(&plain)), b"ok");
    pending.wait().unwrap();
}

/// The head of a `next` answer and its raw body, read off the wire.
fn raw_next(base: &str) -> (String, Vec<u8>) {
    let mut raw = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    raw.write_all(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let mut reader = std::io::BufReader::new(raw);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        std::io::BufRead::read_line(&mut reader, &mut head).unwrap();
    }
    let body = local_lambda::http::read_chunked_body(&mut reader, 1 << 20).unwrap();
    (head, body)
}

#[test]
fn next_can_send_the_event_chunked_and_leave_a_header_out() {
    let mut config = FunctionConfig::embedded(".");
    config.event_framing = local_lambda::EventFraming::Chunked { chunk_bytes: 7 };
    let lambda = LocalLambda::start(config).expect("start");
    let base = format!("http://{}", lambda.runtime_api().unwrap());
    let event = r#"{"text":"sent in pieces"}"#;
    let pending =
        lambda.submit(Invocation::new(event).without_header("lambda-runtime-DEADLINE-ms"));
    let (head, body) = raw_next(&base);
    assert!(head.contains("Transfer-Encoding: chunked\r\n"), "{head}");
    assert!(!head.contains("Content-Length"), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("lambda-runtime-deadline-ms"),
        "left out, whatever its case: {head}"
    );
    assert!(
        head.contains("Lambda-Runtime-Aws-Request-Id: "),
        "the rest are sent: {head}"
    );
    assert_eq!(body, event.as_bytes(), "the chunks make up the event");
    let id = head
        .lines()
        .find_map(|line| line.strip_prefix("Lambda-Runtime-Aws-Request-Id: "))
        .unwrap()
        .to_string();
    post(&response_url(&base, &id), b"ok");
    assert_eq!(pending.wait().unwrap().body(), b"ok");
}

#[test]
fn response_is_accepted_and_reaches_the_caller_byte_for_byte() {
    let (lambda, base) = embedded();
    for body in [
        b"".as_slice(),
        b"\xff\xfe\x00 not UTF-8",
        "unicode: \u{1F980}".as_bytes(),
    ] {
        let pending = lambda.submit(Invocation::new(body));
        let event = get(&format!("{base}{NEXT}"));
        assert_eq!(event.body, body, "the event arrives as sent");
        let accepted = post(&response_url(&base, &request_id(&event)), body);
        assert_eq!(accepted.status, 202);
        assert_eq!(accepted.json(), json!({"status": "OK"}));
        let outcome = pending.wait().unwrap();
        assert_eq!(outcome.result, Ok(body.to_vec()));
    }
}

#[test]
fn error_is_accepted_with_its_type_and_document() {
    let (lambda, base) = embedded();
    let pending = lambda.submit(Invocation::new("{}"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    let document = br#"{"errorMessage":"boom","errorType":"HandlerFailed","stackTrace":[]}"#;
    let accepted = post_typed_error(&error_url(&base, &id), "Runtime.HandlerFailed", document);
    assert_accepted(&accepted);
    let error = pending.wait().unwrap().result.unwrap_err();
    assert_eq!(error.error_type, "Runtime.HandlerFailed");
    assert_eq!(error.body, document);
}

#[test]
fn unknown_and_already_answered_ids_are_refused() {
    let (lambda, base) = embedded();
    let unknown = post(&response_url(&base, "not-a-request"), b"x");
    assert_eq!(
        (unknown.status, unknown.json()),
        (
            400,
            json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
        )
    );

    let pending = lambda.submit(Invocation::new("{}"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    assert_eq!(post(&response_url(&base, &id), b"first").status, 202);
    let again = post(&response_url(&base, &id), b"second");
    assert_eq!(
        (again.status, again.json()["errorType"].clone()),
        (400, json!("InvalidRequestID"))
    );
    let late_error = post(&error_url(&base, &id), b"{}");
    assert_eq!(late_error.status, 400);
    assert_eq!(
        pending.wait().unwrap().body(),
        b"first",
        "the first answer stands"
    );
}

#[test]
fn init_error_is_accepted_only_during_init() {
    let (lambda, base) = embedded();
    let init_error_url = format!("{base}/2018-06-01/runtime/init/error");
    let document = br#"{"errorMessage":"no handler","errorType":"Runtime.NoSuchHandler"}"#;
    let accepted = post_typed_error(&init_error_url, "Runtime.NoSuchHandler", document);
    assert_accepted(&accepted);
    let again = post(&init_error_url, document);
    assert_eq!(again.status, 403);
    assert_eq!(
        again.json(),
        json!({
            "errorMessage": "State transition from InitError to InitError failed for runtime. Error: State transition is not allowed",
            "errorType": "InvalidStateTransition"
        })
    );
    let next = get(&format!("{base}{NEXT}"));
    assert_eq!(
        (next.status, next.json()["errorType"].clone()),
        (403, json!("InvalidStateTransition"))
    );
    drop(lambda);

    let (lambda, base) = embedded();
    let pending = lambda.submit(Invocation::new("{}"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    let late = post(&format!("{base}/2018-06-01/runtime/init/error"), document);
    assert_eq!(late.status, 403, "after the first next, init is over");
    assert!(
        late.json()["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("State transition from Ready to InitError")
    );
    post(&response_url(&base, &id), b"ok");
    pending.wait().unwrap();
}

#[test]
fn response_limit_is_exact_to_the_byte() {
    let (lambda, base) = embedded();
    let limit = 6 * 1024 * 1024 + 100;

    let pending = lambda.submit(Invocation::new("{}"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    assert_eq!(
        post(&response_url(&base, &id), &vec![b'a'; limit]).status,
        202
    );
    assert_eq!(pending.wait().unwrap().body().len(), limit);

    let pending = lambda.submit(Invocation::new("{}"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    let refused = post(&response_url(&base, &id), &vec![b'a'; limit + 1]);
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.json(),
        json!({"errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).", "errorType": "RequestEntityTooLarge"})
    );
    let error = pending.wait().unwrap().result.unwrap_err();
    assert_eq!(error.error_type, "Function.ResponseSizeTooLarge");
    let document: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(
        document["errorMessage"],
        "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    );

    // The environment goes on: the runtime may take the next event.
    let pending = lambda.submit(Invocation::new("after"));
    let event = get(&format!("{base}{NEXT}"));
    assert_eq!(event.body, b"after");
    post(&response_url(&base, &request_id(&event)), b"ok");
    assert!(pending.wait().unwrap().is_success());
}

#[test]
fn event_limit_is_exact_to_the_byte() {
    let (lambda, base) = embedded();
    let limit = 6 * 1024 * 1024;
    let pending = lambda.submit(Invocation::new(vec![b'e'; limit]));
    let event = get(&format!("{base}{NEXT}"));
    assert_eq!(event.body.len(), limit);
    post(&response_url(&base, &request_id(&event)), b"ok");
    assert!(pending.wait().unwrap().is_success());

    let refused = lambda
        .invoke(Invocation::new(vec![b'e'; limit + 1]))
        .unwrap_err();
    assert_eq!(
        refused,
        Rejection::EventTooLarge {
            size: limit + 1,
            limit
        }
    );
    assert_eq!(
        refused.message(),
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    );
}

#[test]
fn invocations_are_served_one_at_a_time_in_order() {
    let (lambda, base) = embedded();
    let pending: Vec<_> = (1..=4)
        .map(|number| lambda.submit(Invocation::new(format!("event {number}"))))
        .collect();
    for number in 1..=4 {
        let event = get(&format!("{base}{NEXT}"));
        assert_eq!(event.body, format!("event {number}").into_bytes());
        post(
            &response_url(&base, &request_id(&event)),
            format!("answer {number}").as_bytes(),
        );
    }
    for (number, pending) in (1..=4).zip(pending) {
        assert_eq!(
            pending.wait().unwrap().body(),
            format!("answer {number}").as_bytes()
        );
    }
}

#[test]
fn malformed_paths_and_methods_get_the_routers_answers() {
    let (_lambda, base) = embedded();
    for path in [
        "/2018-06-01/runtime/invocation//response",
        "/2018-06-01/runtime/nope",
        "/runtime/invocation/next",
        "/",
    ] {
        let answer = post(&format!("{base}{path}"), b"");
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (404, b"404 page not found\n".as_slice()),
            "{path}"
        );
    }
    assert_eq!(post(&format!("{base}{NEXT}"), b"").status, 405);
    assert_eq!(
        get(&format!("{base}/2018-06-01/runtime/init/error")).status,
        405
    );

    // Bytes that are not HTTP at all get a 400 and a closed connection.
    let mut raw = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    raw.write_all(b"nonsense\r\n\r\n").unwrap();
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
}

#[test]
fn every_exchange_is_recorded() {
    let (lambda, base) = embedded();
    let pending = lambda.submit(Invocation::new("ping"));
    let id = request_id(&get(&format!("{base}{NEXT}")));
    post_with_header(
        &response_url(&base, &id),
        ("Content-Type", "text/plain"),
        b"pong",
    );
    pending.wait().unwrap();
    let exchanges = lambda.recording().exchanges();
    assert_eq!(exchanges.len(), 2);
    assert_eq!(
        (
            exchanges[0].method.as_str(),
            exchanges[0].path.as_str(),
            exchanges[0].status
        ),
        ("GET", NEXT, Some(200))
    );
    assert!(
        exchanges[0]
            .response_headers
            .iter()
            .any(|(name, value)| name == "lambda-runtime-aws-request-id" && *value == id)
    );
    assert_eq!(exchanges[1].request_body, b"pong");
    assert_eq!(
        exchanges[1].request_headers,
        [("content-type".to_string(), "text/plain".to_string())]
    );
    assert_eq!(exchanges[1].status, Some(202));
    let log = lambda.recording().log();
    assert!(log[0].starts_with("START RequestId: ") && log[0].ends_with(" Version: $LATEST"));
    assert_eq!(log[1], format!("END RequestId: {id}"));
    assert!(log[2].starts_with(&format!("REPORT RequestId: {id}\tDuration: ")));
}

/// The error type and message of a failed outcome.
fn failure(outcome: &local_lambda::Outcome) -> (String, String) {
    let error = outcome.result.as_ref().expect_err("the invocation failed");
    let document: Value = serde_json::from_slice(&error.body).expect("a JSON error document");
    let message = document["errorMessage"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (error.error_type.clone(), message)
}

/// A bash bootstrap that speaks the Runtime API with curl, answering each
/// event with `body` after running `before` (shell code, for sleeps and exits).
fn scripted_runtime(task: &TaskRoot, before: &str) -> FunctionConfig {
    scripted_runtime_around(task, before, "")
}

/// As [`scripted_runtime`], also running `after` between its answer and its
/// next `next`.
fn scripted_runtime_around(task: &TaskRoot, before: &str, after: &str) -> FunctionConfig {
    let script = format!(
        r#"#!/bin/bash
set -u
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$api/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  rm -f "$headers"
  {before}
  curl -sS -o /dev/null "$api/invocation/$id/response" --data-binary "echo:$event"
  {after}
done
"#
    );
    task.write_executable("bootstrap", script);
    let mut config = task.config("bootstrap");
    config.timeout = Duration::from_millis(800);
    config
}

#[test]
fn a_runtime_past_its_deadline_is_killed_and_the_next_invocation_starts_cold() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(scripted_runtime(
        &task,
        r#"[ "$event" = slow ] && sleep 30"#,
    ))
    .unwrap();
    let first = lambda.invoke(Invocation::new("fast")).unwrap();
    assert_eq!(first.body(), b"echo:fast");
    assert!(
        first.init_duration.is_some(),
        "the first invocation is a cold start"
    );

    let slow = lambda.invoke(Invocation::new("slow")).unwrap();
    let expected = format!(
        "RequestId: {} Error: Task timed out after 0.80 seconds",
        slow.request_id
    );
    assert_eq!(failure(&slow), ("Sandbox.Timedout".to_string(), expected));

    let after = lambda.invoke(Invocation::new("fast")).unwrap();
    assert_eq!(after.body(), b"echo:fast");
    assert!(
        after.init_duration.is_some(),
        "a fresh runtime after the timeout"
    );
    lambda.shutdown();
    let log = lambda.recording().log().join("\n");
    assert!(
        log.contains(&format!(
            "{} Task timed out after 0.80 seconds",
            slow.request_id
        )),
        "{log}"
    );
    assert!(log.contains("Status: timeout"), "{log}");
}

/// The log's lines so far, once `wanted` is among them (or after five seconds).
fn log_once_it_holds(lambda: &LocalLambda, wanted: &str) -> String {
    for _ in 0..100 {
        let log = lambda.recording().log().join("\n");
        if log.contains(wanted) {
            return log;
        }
        thread::sleep(Duration::from_millis(50));
    }
    lambda.recording().log().join("\n")
}

#[test]
fn an_answer_reaches_its_caller_before_the_runtime_comes_back() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(scripted_runtime_around(
        &task,
        "",
        r#"[ "$event" = linger ] && sleep 0.5"#,
    ))
    .unwrap();
    let lingering = lambda.invoke(Invocation::new("linger")).unwrap();
    assert_eq!(lingering.body(), b"echo:linger");
    let end = format!("END RequestId: {}", lingering.request_id);
    assert!(
        !lambda.recording().log().join("\n").contains(&end),
        "the caller waited for the runtime's next `next`"
    );
    assert!(
        lingering.duration < Duration::from_millis(500),
        "the duration runs to the answer: {:?}",
        lingering.duration
    );
    let after = lambda.invoke(Invocation::new("fast")).unwrap();
    assert_eq!(after.body(), b"echo:fast");
    assert!(after.init_duration.is_none(), "the same environment, warm");
    lambda.shutdown();
    let log = lambda.recording().log();
    let position = |prefix: &str| {
        log.iter()
            .position(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {log:#?}"))
    };
    assert!(
        position(&end) < position(&format!("START RequestId: {}", after.request_id)),
        "the lingering invocation ends before the next starts: {log:#?}"
    );
}

#[test]
fn a_runtime_that_answers_and_never_comes_back_times_out_without_another_invocation() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(scripted_runtime_around(
        &task,
        "",
        r#"[ "$event" = vanish ] && sleep 30"#,
    ))
    .unwrap();
    let vanished = lambda.invoke(Invocation::new("vanish")).unwrap();
    assert_eq!(vanished.body(), b"echo:vanish", "the answer still counts");
    let timed_out = format!("{} Task timed out after 0.80 seconds", vanished.request_id);
    let log = log_once_it_holds(&lambda, &timed_out);
    assert!(log.contains(&timed_out), "{log}");
    assert!(log.contains("Status: timeout"), "{log}");
    let after = lambda.invoke(Invocation::new("fast")).unwrap();
    assert_eq!(after.body(), b"echo:fast");
    assert!(
        after.init_duration.is_some(),
        "a fresh runtime after the timeout"
    );
}

#[test]
fn a_runtime_that_exits_fails_the_invocation_in_flight_and_is_restarted() {
    let task = TaskRoot::new();
    let lambda =
        LocalLambda::start(scripted_runtime(&task, r#"[ "$event" = crash ] && exit 7"#)).unwrap();
    let crashed = lambda.invoke(Invocation::new("crash")).unwrap();
    let expected = format!(
        "RequestId: {} Error: Runtime exited with error: exit status 7",
        crashed.request_id
    );
    assert_eq!(
        failure(&crashed),
        ("Runtime.ExitError".to_string(), expected)
    );
    let next = lambda.invoke(Invocation::new("fine")).unwrap();
    assert_eq!(next.body(), b"echo:fine");
    assert!(
        next.init_duration.is_some(),
        "restarted for the next invocation"
    );
}

#[test]
fn a_runtime_that_exits_during_init_fails_the_invocation_without_hanging() {
    let task = TaskRoot::new();
    task.write_executable(
        "bootstrap",
        "#!/bin/bash\necho 'cannot start' >&2\nexit 3\n",
    );
    let lambda = LocalLambda::start(task.config("bootstrap")).unwrap();
    let outcome = lambda.invoke(Invocation::new("{}")).unwrap();
    let error = outcome.result.unwrap_err();
    assert_eq!(error.error_type, "Runtime.ExitError");
    assert!(
        String::from_utf8_lossy(&error.body).contains("Runtime exited with error: exit status 3")
    );
    lambda.shutdown();
    let log = lambda.recording().log();
    assert!(log.contains(&"cannot start".to_string()), "{log:?}");
    assert!(
        log.iter()
            .any(|line| line.starts_with("INIT_REPORT") && line.contains("Status: error")),
        "{log:?}"
    );
}

#[test]
fn an_init_error_reported_by_the_runtime_becomes_the_invocations_error() {
    let task = TaskRoot::new();
    task.write_executable(
        "bootstrap",
        r#"#!/bin/bash
curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Runtime.NoSuchHandler' \
  --data-binary '{"errorMessage":"function.sh not found","errorType":"Runtime.NoSuchHandler"}' \
  "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error"
exit 1
"#,
    );
    let outcome = LocalLambda::start(task.config("bootstrap"))
        .unwrap()
        .invoke(Invocation::new("{}"));
    let error = outcome.unwrap().result.unwrap_err();
    assert_eq!(error.error_type, "Runtime.NoSuchHandler");
    assert_eq!(
        error.body,
        br#"{"errorMessage":"function.sh not found","errorType":"Runtime.NoSuchHandler"}"#
    );
}

#[test]
fn a_bootstrap_that_cannot_start_is_an_invalid_entrypoint() {
    let task = TaskRoot::new();
    task.write("bootstrap", "#!/bin/bash\n"); // not executable
    let outcome = LocalLambda::start(task.config("bootstrap"))
        .unwrap()
        .invoke(Invocation::new("{}"));
    let (error_type, message) = failure(&outcome.unwrap());
    assert_eq!(error_type, "Runtime.InvalidEntrypoint");
    assert!(
        message.ends_with("bootstrap: permission denied"),
        "{message}"
    );
}

#[test]
fn the_runtime_sees_lambdas_environment() {
    let task = TaskRoot::new();
    task.write_executable(
        "bootstrap",
        r#"#!/bin/bash
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
headers=$(mktemp)
curl -sS -D "$headers" -o /dev/null "$api/invocation/next"
id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
env | sort | grep -E '^(_HANDLER|AWS_[A-Z_]*|LAMBDA_[A-Z_]*|TZ|LANG|PATH)=' > "$headers.env"
curl -sS -o /dev/null --data-binary "@$headers.env" "$api/invocation/$id/response"
sleep 30
"#,
    );
    let mut config = task.config("bootstrap");
    config.env.push(("EXTRA".to_string(), "yes".to_string()));
    let lambda = LocalLambda::start(config).unwrap();
    let outcome = lambda.invoke(Invocation::new("{}")).unwrap();
    let env = String::from_utf8(outcome.body().to_vec()).unwrap();
    let task_root = task.path().display().to_string();
    for expected in [
        "_HANDLER=function.handler".to_string(),
        format!("LAMBDA_TASK_ROOT={task_root}"),
        "LAMBDA_RUNTIME_DIR=/var/runtime".to_string(),
        "AWS_LAMBDA_FUNCTION_NAME=step-by-step".to_string(),
        "AWS_LAMBDA_FUNCTION_VERSION=$LATEST".to_string(),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128".to_string(),
        "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/step-by-step".to_string(),
        "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand".to_string(),
        "AWS_REGION=us-east-1".to_string(),
        "AWS_DEFAULT_REGION=us-east-1".to_string(),
        "TZ=:UTC".to_string(),
        "LANG=en_US.UTF-8".to_string(),
        "PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin".to_string(),
    ] {
        assert!(
            env.lines().any(|line| line == expected),
            "missing {expected} in:\n{env}"
        );
    }
    assert!(
        env.contains("AWS_LAMBDA_RUNTIME_API=127.0.0.1:"),
        "host:port, as on Lambda:\n{env}"
    );
    assert!(env.contains("AWS_LAMBDA_LOG_STREAM_NAME=20"), "{env}");
    assert!(!env.contains("EXTRA"), "only the listed names were printed");
}

#[test]
fn the_front_door_invokes_like_the_runtime_interface_emulator() {
    let task = TaskRoot::new();
    let lambda = std::sync::Arc::new(
        LocalLambda::start(scripted_runtime(
            &task,
            r#"[ "$event" = '"crash"' ] && exit 1"#,
        ))
        .unwrap(),
    );
    let door = FrontDoor::start(lambda.clone(), 0).unwrap();
    let ok = post(&door.invoke_url(), br#"{"some": "request"}"#);
    assert_eq!(
        (ok.status, ok.body.as_slice()),
        (200, br#"echo:{"some": "request"}"#.as_slice())
    );
    assert_eq!(ok.header("X-Amz-Function-Error"), None);

    let failed = post(&door.invoke_url(), br#""crash""#);
    assert_eq!(
        (failed.status, failed.header("X-Amz-Function-Error")),
        (200, Some("Unhandled"))
    );
    assert_eq!(failed.json()["errorType"], "Runtime.ExitError");

    let not_json = post(&door.invoke_url(), b"crash");
    assert_eq!(not_json.status, 400);
    assert_eq!(
        not_json.header("x-amzn-ErrorType"),
        Some("InvalidRequestContentException"),
        "Lambda refuses a payload that is not JSON"
    );

    let too_large = post(&door.invoke_url(), &vec![b' '; 6 * 1024 * 1024 + 1]);
    assert_eq!(too_large.status, 413);
    assert_eq!(
        too_large.header("x-amzn-ErrorType"),
        Some("RequestEntityTooLargeException")
    );
    assert_eq!(
        too_large.json()["message"],
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    );

    let elsewhere = post(&door.invoke_url().replace("invocations", "nope"), b"{}");
    assert_eq!(elsewhere.status, 404);
    // Dropped, the front door lets go of the local Lambda, so that dropping
    // that too ends its runtime.
    drop(door);
    let give_up = std::time::Instant::now() + Duration::from_secs(2);
    while std::sync::Arc::strong_count(&lambda) > 1 && std::time::Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        std::sync::Arc::strong_count(&lambda),
        1,
        "the front door let go"
    );
}

#[test]
fn a_path_prefix_is_served_as_cargo_lambda_serves_it() {
    let mut config = FunctionConfig::embedded(".");
    config.runtime_api_prefix = "/.rt".to_string();
    config.runtime_api_scheme = true;
    let lambda = LocalLambda::start(config).unwrap();
    let runtime_api = lambda.runtime_api().unwrap();
    assert!(
        runtime_api.starts_with("http://127.0.0.1:") && runtime_api.ends_with("/.rt"),
        "{runtime_api}"
    );
    let unprefixed = runtime_api.trim_end_matches("/.rt");
    assert_eq!(get(&format!("{unprefixed}{NEXT}")).status, 404);
    let pending = lambda.submit(Invocation::new("under a prefix"));
    let event = get(&format!("{runtime_api}{NEXT}"));
    assert_eq!(event.body, b"under a prefix");
    assert_accepted(&post(
        &response_url(&runtime_api, &request_id(&event)),
        b"ok",
    ));
    assert!(pending.wait().unwrap().is_success());
}

#[test]
fn a_timed_out_environment_takes_every_process_of_the_runtime_with_it() {
    let task = TaskRoot::new();
    let pid_file = task.path().join("escaped.pid");
    // A child in a session (and process group) of its own, then a runtime that never answers.
    let script = format!(
        "#!/bin/bash\nsetsid sleep 300 &\necho $! > {}\ncurl -sS -o /dev/null \"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next\"\nsleep 300\n",
        pid_file.display()
    );
    task.write_executable("bootstrap", script);
    let mut config = task.config("bootstrap");
    config.timeout = Duration::from_millis(500);
    let lambda = LocalLambda::start(config).unwrap();
    let outcome = lambda.invoke(Invocation::new("{}")).unwrap();
    assert_eq!(failure(&outcome).0, "Sandbox.Timedout");
    let escaped = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let gone = (0..50).any(|_| {
        thread::sleep(Duration::from_millis(20));
        let stat = std::fs::read_to_string(format!("/proc/{escaped}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its reaper.
        stat.is_empty()
            || stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    });
    assert!(gone, "process {escaped} outlived its environment");
}

#[test]
fn a_tenants_environment_serves_no_other_tenant() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(scripted_runtime(&task, "")).unwrap();
    let for_tenant = |tenant: &str| Invocation {
        tenant_id: Some(tenant.to_string()),
        ..Invocation::new("{}")
    };
    let alpha = lambda.invoke(for_tenant("alpha")).unwrap();
    let alpha_runtime = lambda.runtime_pid();
    let beta = lambda.invoke(for_tenant("beta")).unwrap();
    let beta_runtime = lambda.runtime_pid();
    let beta_again = lambda.invoke(for_tenant("beta")).unwrap();
    lambda.shutdown();
    assert!(alpha.init_duration.is_some() && beta.init_duration.is_some());
    assert_ne!(
        alpha_runtime, beta_runtime,
        "with one environment, beta's invocation ends alpha's environment and starts its own"
    );
    assert!(
        beta_again.init_duration.is_none(),
        "and keeps it warm for beta"
    );
    let headers: Vec<String> = lambda
        .recording()
        .exchanges()
        .iter()
        .filter_map(|exchange| {
            let (_, tenant) = (exchange.response_headers.iter())
                .find(|(name, _)| name == "lambda-runtime-aws-tenant-id")?;
            Some(tenant.clone())
        })
        .collect();
    assert_eq!(
        headers,
        ["alpha", "beta", "beta"],
        "Lambda-Runtime-Aws-Tenant-Id on next"
    );
}
