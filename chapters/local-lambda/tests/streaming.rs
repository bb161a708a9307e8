//! Response streaming, the runtime's side: a runtime that answers with
//! `Lambda-Runtime-Function-Response-Mode: streaming` and a chunked body
//! has each piece passed on as it comes; a failure after the first byte
//! rides in the trailers; an unknown mode is refused, and so is `/error`
//! once the answer has begun. The runtime is bash, writing HTTP by hand
//! through `/dev/tcp`, so that every byte and pause is the test's own.
//! Then the caller's side: boto3's `invoke_with_response_stream`, as it is,
//! against `local-lambda --serve`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, streamed};
use harness::{TaskRoot, have};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde_json::Value;

/// A bash runtime. It takes each event with curl, then answers as the
/// event (a JSON string) asks, through a connection of its own opened
/// with bash's `/dev/tcp`:
/// - "two-chunks": "first", a pause of 1 s, "second";
/// - "fails-late": "partial", then the trailers of a `Runtime.StreamError`;
/// - "odd-mode": a buffered body with the mode `sideways`;
/// - "error-after-first-byte": "partial", then `/error` on another
///   connection (its status noted in `$NOTES`), then the end;
/// - a Function URL's request for `/prelude`: a prelude split across
///   chunks, then "Hello".
const RUNTIME: &str = r#"#!/bin/bash
set -u
api="$AWS_LAMBDA_RUNTIME_API"
base="http://$api/2018-06-01/runtime"
trailers='Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body'
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$base/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  exec 3<>"/dev/tcp/${api%:*}/${api#*:}"
  answer_head() {
    printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nLambda-Runtime-Function-Response-Mode: %s\r\nTransfer-Encoding: chunked\r\nTrailer: %s\r\n\r\n' \
      "$id" "$api" "$1" "$trailers" >&3
  }
  chunk() { printf '%x\r\n%s\r\n' "${#1}" "$1" >&3; }
  case "$event" in
    '"eight-mebibytes"')
      answer_head streaming
      for _ in 1 2 3 4 5 6 7 8; do
        printf '100000\r\n' >&3; head -c 1048576 /dev/zero >&3; printf '\r\n' >&3
      done
      printf '0\r\n\r\n' >&3 ;;
    *'"rawPath":"/prelude"'*)
      # A Function URL's answer: the prelude split across two chunks, its
      # eight NULs in the middle of the second, the body after them.
      printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: application/vnd.awslambda.http-integration-response\r\nLambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\r\n' "$id" "$api" >&3
      chunk '{"statusCode": 201, "hea'
      rest='ders": {"X-Greeting": "hi"}, "cookies": ["a=1", "b=2"]}'
      printf '%x\r\n%s\0\0\0\0\0\0\0\0Hel\r\n' "$(( ${#rest} + 8 + 3 ))" "$rest" >&3
      chunk 'lo'; printf '0\r\n\r\n' >&3 ;;
    '"two-chunks"')
      answer_head streaming; chunk first; sleep 1; chunk second; printf '0\r\n\r\n' >&3 ;;
    '"fails-late"')
      answer_head streaming; chunk partial
      document=$(printf '{"errorMessage":"the disk filled","errorType":"Runtime.StreamError"}' | base64 -w0)
      printf '0\r\nLambda-Runtime-Function-Error-Type: Runtime.StreamError\r\nLambda-Runtime-Function-Error-Body: %s\r\n\r\n' "$document" >&3 ;;
    '"odd-mode"')
      printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nLambda-Runtime-Function-Response-Mode: sideways\r\nContent-Length: 2\r\n\r\nhi' \
        "$id" "$api" >&3 ;;
    '"error-after-first-byte"')
      answer_head streaming; chunk partial; sleep 0.2
      curl -sS -o /dev/null -w '%{http_code}\n' "$base/invocation/$id/error" -d '{}' >> "$NOTES"
      printf '0\r\n\r\n' >&3 ;;
  esac
  # The Runtime API's answer to the streamed POST, noted.
  IFS= read -r status <&3
  echo "response: ${status%$'\r'}" >> "$NOTES"
  exec 3<&-
done
"#;

fn function(task: &TaskRoot) -> FunctionConfig {
    task.write_executable("bootstrap", RUNTIME);
    let mut config = task.config("bootstrap");
    config.env = vec![(
        "NOTES".to_string(),
        task.path().join("notes.txt").display().to_string(),
    )];
    config
}

fn notes(task: &TaskRoot) -> String {
    std::fs::read_to_string(task.path().join("notes.txt")).unwrap_or_default()
}

/// The notes once they hold a line that `wanted` accepts (the runtime notes
/// after its answer is taken, so a moment after the invocation is over);
/// as they are after 5 s.
fn notes_once(task: &TaskRoot, wanted: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until && !notes(task).lines().any(&wanted) {
        std::thread::sleep(Duration::from_millis(10));
    }
    notes(task)
}

#[test]
fn each_piece_goes_on_as_it_comes() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(function(&task)).unwrap();
    // A first invocation, so that the one measured starts warm.
    streamed(&lambda, r#""two-chunks""#);
    let (outcome, received, sent) = streamed(&lambda, r#""two-chunks""#);
    assert!(outcome.is_success(), "{outcome:?}");
    let pieces = received.0.lock().unwrap().clone();
    let text: Vec<&[u8]> = pieces.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    assert_eq!(text, [&b"first"[..], b"second"], "two pieces, as sent");
    let first = pieces[0].0 - sent;
    let second = pieces[1].0 - pieces[0].0;
    assert!(
        first < Duration::from_millis(500),
        "the first at once: {first:?}"
    );
    assert!(
        second >= Duration::from_millis(900) && second < Duration::from_millis(1_500),
        "the second a second later: {second:?}"
    );
    assert!(
        outcome.body().is_empty(),
        "the caller had it all through the stream"
    );
    let noted = notes_once(&task, |line| line.starts_with("response: "));
    assert!(noted.contains("response: HTTP/1.1 202"), "{noted}");
}

#[test]
fn without_a_stream_the_caller_gets_the_answer_whole() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(function(&task)).unwrap();
    let outcome = lambda.invoke(Invocation::new(r#""two-chunks""#)).unwrap();
    assert_eq!(outcome.body(), b"firstsecond");
}

#[test]
fn a_failure_after_the_first_byte_comes_in_the_trailers() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(function(&task)).unwrap();
    let (outcome, received, _) = streamed(&lambda, r#""fails-late""#);
    assert_eq!(received.0.lock().unwrap()[0].1, b"partial");
    let error = outcome.result.unwrap_err();
    assert_eq!(error.error_type, "Runtime.StreamError");
    let document: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(document["errorMessage"], "the disk filled");
}

#[test]
fn an_unknown_mode_and_a_late_error_are_refused() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(function(&task)).unwrap();
    let odd = lambda.invoke(Invocation::new(r#""odd-mode""#)).unwrap();
    assert_eq!(
        odd.result.unwrap_err().error_type,
        "Runtime.InvalidResponseModeHeader"
    );
    let noted = notes_once(&task, |line| line.starts_with("response: "));
    assert!(noted.contains("response: HTTP/1.1 400"), "{noted}");

    let (late, received, _) = streamed(&lambda, r#""error-after-first-byte""#);
    assert!(late.is_success(), "the stream stands: {late:?}");
    assert_eq!(received.0.lock().unwrap()[0].1, b"partial");
    let noted = notes_once(&task, |line| line == "400");
    assert!(
        noted.lines().any(|line| line == "400"),
        "/error after the first byte is refused: {noted}"
    );
}

/// `local-lambda --serve` with the bash runtime above.
fn serve(task: &TaskRoot) -> Server {
    function(task);
    let notes = format!("NOTES={}", task.path().join("notes.txt").display());
    Server::for_task(task.path(), &["--env", &notes])
}

/// What boto3's `invoke_with_response_stream` got, one result per call.
fn boto3_stream(server: &Server, calls: &Value) -> Vec<Value> {
    common::python_results("stream_with_boto3.py", server, calls, &[], &[])
}

#[test]
fn boto3_reads_the_stream_as_it_comes_and_the_error_in_invoke_complete() {
    if !have(
        "boto3_reads_the_stream_as_it_comes_and_the_error_in_invoke_complete",
        "boto3",
        &["python3", "-c", "import boto3"],
        "pip install boto3",
    ) {
        return;
    }
    let task = TaskRoot::new();
    let server = serve(&task);
    let calls = serde_json::json!([
        // The first call starts the environment; the second is measured warm.
        {"Payload": r#""two-chunks""#},
        {"Payload": r#""two-chunks""#},
        {"Payload": r#""fails-late""#},
    ]);
    let results = boto3_stream(&server, &calls);
    let warm = &results[1];
    assert_eq!(warm["status"], 200);
    assert_eq!(warm["content_type"], "application/vnd.amazon.eventstream");
    let events = warm["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["PayloadChunk", "PayloadChunk", "InvokeComplete"],
        "{warm}"
    );
    assert_eq!(events[0]["fields"]["Payload"], "first");
    assert_eq!(events[1]["fields"]["Payload"], "second");
    assert_eq!(events[2]["fields"], serde_json::json!({}), "no error");
    let (first, second) = (
        events[0]["ms"].as_u64().unwrap(),
        events[1]["ms"].as_u64().unwrap(),
    );
    assert!(
        first < 50,
        "the first chunk within 50 ms of the call: {first} ms"
    );
    assert!(
        (900..1_500).contains(&(second - first)),
        "the second about a second later: {first} ms, then {second} ms"
    );

    let failed = &results[2];
    assert_eq!(failed["status"], 200, "the status stays 200: {failed}");
    let events = failed["events"].as_array().unwrap();
    assert_eq!(events[0]["fields"]["Payload"], "partial");
    let complete = &events.last().unwrap()["fields"];
    assert_eq!(complete["ErrorCode"], "Runtime.StreamError", "{failed}");
    let details: Value = serde_json::from_str(complete["ErrorDetails"].as_str().unwrap()).unwrap();
    assert_eq!(details["errorMessage"], "the disk filled");
}

#[test]
fn the_stream_option_prints_each_piece_as_it_comes() {
    use std::io::Read;
    use std::process::Stdio;

    let task = TaskRoot::new();
    function(&task);
    let notes = format!("NOTES={}", task.path().join("notes.txt").display());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("local-lambda"))
        .args(["--stream", "--bootstrap"])
        .arg(task.path().join("bootstrap"))
        .arg("--task-root")
        .arg(task.path())
        .args(["--env", &notes, r#""two-chunks""#])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut pieces: Vec<(Instant, String)> = Vec::new();
    let mut buffer = [0; 64];
    loop {
        let read = stdout.read(&mut buffer).unwrap();
        if read == 0 {
            break;
        }
        pieces.push((
            Instant::now(),
            String::from_utf8_lossy(&buffer[..read]).into(),
        ));
    }
    assert!(child.wait().unwrap().success());
    let text: String = pieces.iter().map(|(_, piece)| piece.as_str()).collect();
    assert_eq!(
        text, "firstsecond",
        "the answer byte for byte, nothing added"
    );
    let first = &pieces[0];
    assert_eq!(first.1, "first", "the first piece on its own: {pieces:?}");
    let gap = pieces[1].0 - first.0;
    assert!(
        gap >= Duration::from_millis(900),
        "then the rest, a second later: {gap:?}"
    );
}

#[test]
fn a_function_url_caller_gets_the_status_headers_and_cookies_of_the_prelude() {
    let task = TaskRoot::new();
    function(&task);
    let notes = format!("NOTES={}", task.path().join("notes.txt").display());
    let server = Server::for_task(task.path(), &["--function-url", "--env", &notes]);
    assert_eq!(
        common::get_through_function_url(&server, "/prelude?x=1"),
        common::greeting_page("Hello")
    );

    // Lambda's own paths are still Lambda's.
    let invoked = common::agent_keeping_statuses()
        .post(&server.url)
        .send(r#""two-chunks""#)
        .unwrap();
    assert_eq!(invoked.status().as_u16(), 200);
}

#[test]
fn the_first_six_mebibytes_go_at_once_and_the_rest_at_two_a_second() {
    let task = TaskRoot::new();
    let lambda = LocalLambda::start(function(&task)).unwrap();
    let (outcome, received, _) = streamed(&lambda, r#""eight-mebibytes""#);
    assert!(outcome.is_success(), "{outcome:?}");
    let writes = received.0.lock().unwrap().clone();
    let mebibyte = 1024 * 1024;
    // When the running total first reached `bytes`.
    let reached = |bytes: usize| {
        let mut total = 0;
        writes
            .iter()
            .find(|(_, piece)| {
                total += piece.len();
                total >= bytes
            })
            .map(|(at, _)| *at)
            .unwrap()
    };
    let start = writes[0].0;
    let burst = reached(6 * mebibyte) - start;
    let shaped = reached(8 * mebibyte) - reached(6 * mebibyte);
    assert!(
        burst < Duration::from_millis(500),
        "6 MiB at full speed: {burst:?}"
    );
    // 2 MiB at 2 MiB/s: a second, within 10 %.
    assert!(
        shaped >= Duration::from_millis(900) && shaped <= Duration::from_millis(1_100),
        "the rest at 2 MiB/s: {shaped:?}"
    );
}
