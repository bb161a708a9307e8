//! AWS's runtime interface client for Node.js (`aws-lambda-ric`, the
//! runtime of Lambda's Node.js images), run on the local Lambda as it is:
//! a buffered answer with its context, an error reported to `/error`, a
//! streamed answer whose pieces go on as they come, a failure after the
//! first byte sent in the trailers, and a Function URL answer whose
//! prelude AWS's own code writes. Where the local Lambda read the Runtime
//! API differently from AWS's client, these would fail. Last, `local-lambda
//! check` grades AWS's client: a row it failed would be a row stricter than
//! Lambda.
//!
//! The client is installed with npm in `tests/node-ric` (`.ci/run` does
//! it; it builds a native part with cmake and autotools).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Server, streamed};
use harness::{TaskRoot, have};
use local_lambda::check::{Settings, Verdict};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};
use serde_json::{Value, json};

/// Where npm installed the client.
fn client_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node-ric")
}

/// Whether the client is installed here; `test` is skipped if not (and
/// fails in CI, where it must be).
fn have_client(test: &str) -> bool {
    let built = client_folder().join("node_modules/aws-lambda-ric/dist/rapid-client.node");
    have(
        test,
        "AWS's Node.js runtime interface client",
        &["test", "-f", built.to_str().unwrap()],
        "npm ci --prefix chapters/local-lambda/tests/node-ric, with cmake, autoconf, automake and libtool",
    ) && have(
        test,
        "Node.js",
        &["node", "--version"],
        "apt-get install nodejs",
    )
}

/// A task root with `index.mjs` and a `bootstrap` that starts AWS's client
/// on `$_HANDLER`, as Lambda's Node.js images do. Node by its full path:
/// the function's PATH is Lambda's, not this machine's.
fn node_task() -> TaskRoot {
    let task = TaskRoot::new();
    task.copy_in(&client_folder().join("index.mjs"));
    task.copy_in(&client_folder().join("check.mjs"));
    let node = std::process::Command::new("node")
        .args(["-p", "process.execPath"])
        .output()
        .unwrap();
    let client = client_folder().join("node_modules/aws-lambda-ric/bin/index.mjs");
    task.write_executable(
        "bootstrap",
        format!(
            "#!/bin/sh\nexec {} {} \"$_HANDLER\"\n",
            String::from_utf8(node.stdout).unwrap().trim(),
            client.display()
        ),
    );
    task
}

fn function(task: &TaskRoot, handler: &str) -> FunctionConfig {
    let mut config = task.config("bootstrap");
    config.handler = format!("index.{handler}");
    config
}

#[test]
fn awss_node_client_answers_with_its_context_and_reports_an_error() {
    if !have_client("awss_node_client_answers_with_its_context_and_reports_an_error") {
        return;
    }
    let task = node_task();
    let config = function(&task, "echo");
    let name = config.function_name.clone();
    let lambda = LocalLambda::start(config).unwrap();
    let mut invocation = Invocation::new(r#"{"n": 1}"#);
    invocation.log_tail = true;
    let outcome = lambda.invoke(invocation).unwrap();
    let answer: Value = serde_json::from_slice(outcome.body()).unwrap();
    assert_eq!(
        answer,
        json!({
            "event": {"n": 1},
            "requestId": outcome.request_id,
            "functionName": name,
            "timeLeft": true,
        })
    );
    let log = String::from_utf8(outcome.log.unwrap()).unwrap();
    assert!(
        log.contains(&format!("\tINFO\techo {}", outcome.request_id)),
        "its console.log line, with the request id: {log}"
    );

    let lambda = LocalLambda::start(function(&task, "fails")).unwrap();
    let error = lambda
        .invoke(Invocation::new("{}"))
        .unwrap()
        .result
        .unwrap_err();
    // AWS's client names the type in its error document only: it sends
    // no `Lambda-Runtime-Function-Error-Type` header with `/error`, so
    // Lambda's own type for it is `Unhandled`.
    assert_eq!(error.error_type, "Unhandled");
    let document: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(document["errorType"], "TypeError");
    assert_eq!(document["errorMessage"], "not a number");
}

#[test]
fn awss_node_client_streams_and_sends_a_late_failure_in_the_trailers() {
    if !have_client("awss_node_client_streams_and_sends_a_late_failure_in_the_trailers") {
        return;
    }
    let task = node_task();
    let lambda = LocalLambda::start(function(&task, "streams")).unwrap();
    let (outcome, received, _) = streamed(&lambda, "{}");
    assert!(outcome.is_success(), "{outcome:?}");
    let pieces = received.0.lock().unwrap().clone();
    let text: Vec<&[u8]> = pieces.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    assert_eq!(text, [&b"first"[..], b"second"], "two pieces, as written");
    let gap = pieces[1].0 - pieces[0].0;
    assert!(
        gap >= Duration::from_millis(400),
        "the first went on before the second was written: {gap:?} apart"
    );

    let lambda = LocalLambda::start(function(&task, "failsLate")).unwrap();
    let (outcome, received, _) = streamed(&lambda, "{}");
    assert_eq!(received.0.lock().unwrap()[0].1, b"partial");
    let error = outcome.result.unwrap_err();
    assert_eq!(error.error_type, "RangeError", "from the trailers");
    let document: Value = serde_json::from_slice(&error.body).unwrap();
    assert_eq!(document["errorMessage"], "ran out of pages");
}

#[test]
fn a_function_url_reads_the_prelude_awss_node_client_writes() {
    if !have_client("a_function_url_reads_the_prelude_awss_node_client_writes") {
        return;
    }
    let task = node_task();
    let server = Server::for_task(task.path(), &["--function-url", "--handler", "index.page"]);
    assert_eq!(
        common::get_through_function_url(&server, "/greeting"),
        common::greeting_page("Hello from /greeting")
    );
}

#[test]
fn the_check_fails_no_row_of_awss_node_client() {
    if !have_client("the_check_fails_no_row_of_awss_node_client") {
        return;
    }
    let task = node_task();
    let settings = Settings {
        idle: Duration::from_secs(1),
        events_time: Duration::from_secs(3),
    };
    let mut function = task.config("bootstrap");
    function.handler = "check.handler".to_string();
    let rows = local_lambda::check::check(&function, &settings);
    let verdict = |name: &str| rows.iter().find(|row| row.name == name).unwrap().verdict;
    let failed: Vec<&str> = rows
        .iter()
        .filter(|row| row.verdict == Verdict::Fail)
        .map(|row| row.name)
        .collect();
    assert_eq!(failed, Vec::<&str>::new(), "{rows:#?}");
    // Its two known departures from the book's runtimes, each a warning:
    // no type header on an invocation's error, and no deadline of its own
    // (Lambda ends the environment; the next event pays a cold start).
    assert_eq!(verdict("handler-error"), Verdict::Warn, "{rows:#?}");
    assert_eq!(verdict("deadline"), Verdict::Warn, "{rows:#?}");
}
