//! Exercise 12: a handler in lambdr's style, `summarise` in `stats.R`,
//! run by this chapter's runtime. The file is the chapter's answer
//! (`example/stats.R`), or, built with the `exercise` feature, the
//! reader's (`exercise/stats.R`). Bash has nothing to compare: the R side
//! alone is judged. Needs R, as `tests/r.rs` says; the reader's check
//! fails, saying so, where R is missing.

mod common;

use common::{bodies, chapter, config, event_file, r_is_here};
use harness::{Run, TaskRoot, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation};
use serde_json::{Value, json};

/// Whether R is here; for the reader's check, its absence is a failure
/// that says what to install, so that no check passes without running.
fn r_for(test: &str) -> bool {
    let here = r_is_here(test);
    assert!(
        here || !cfg!(feature = "exercise"),
        "exercise 12 needs R and jsonlite: apt-get install r-base-core r-cran-jsonlite"
    );
    here
}

/// A task root with the runtime and `stats.R`, and the function that runs
/// `stats.summarise` in lambdr's style.
fn stats_function() -> (TaskRoot, FunctionConfig) {
    let root = common::task(false);
    let folder = if cfg!(feature = "exercise") {
        "exercise"
    } else {
        "example"
    };
    std::fs::copy(
        chapter().join(folder).join("stats.R"),
        root.path().join("stats.R"),
    )
    .unwrap();
    let function = config(&root, "stats.summarise", "lambdr", "persistent");
    (root, function)
}

/// Runs `sent`, and shows the run for the workbook before anything is judged.
fn answered(case: &str, sent: &[Invocation]) -> Run {
    let (_root, function) = stats_function();
    let answered = run(function, sent);
    let side = if cfg!(feature = "exercise") {
        "your handler"
    } else {
        "R"
    };
    harness::exhibit(case, "", &answered.render(side));
    answered
}

fn text(run: &Run, index: usize) -> String {
    String::from_utf8_lossy(&bodies(run)[index]).into_owned()
}

#[test]
fn a_direct_event_gets_the_count_and_the_mean() {
    if !r_for("a_direct_event_gets_the_count_and_the_mean") {
        return;
    }
    let run = answered(
        "two direct events",
        &events(&[r#"{"numbers": [1, 2, 3, 4]}"#, r#"{"numbers": [10]}"#]),
    );
    harness::claim_eq(
        "each answer is the count and the mean, as a JSON object",
        (text(&run, 0), text(&run, 1)),
        (
            r#"{"count":4,"mean":2.5}"#.to_string(),
            r#"{"count":1,"mean":10}"#.to_string(),
        ),
    );
}

#[test]
fn behind_api_gateway_the_answer_is_a_proxy_response() {
    if !r_for("behind_api_gateway_the_answer_is_a_proxy_response") {
        return;
    }
    let mut event: Value = serde_json::from_slice(&event_file("rest-api.json")).unwrap();
    event["body"] = json!(r#"{"numbers": [2, 4]}"#);
    let run = answered(
        "a REST API event whose body is {\"numbers\": [2, 4]}",
        &[Invocation::new(event.to_string())],
    );
    harness::claim_eq(
        "API Gateway gets a proxy response with the answer as its body",
        text(&run, 0),
        r#"{"isBase64Encoded":false,"statusCode":200,"body":"{\"count\":2,\"mean\":3}"}"#
            .to_string(),
    );
}

#[test]
fn an_empty_list_is_an_error_with_its_message() {
    if !r_for("an_empty_list_is_an_error_with_its_message") {
        return;
    }
    let run = answered("an empty list", &events(&[r#"{"numbers": []}"#]));
    let document: Value = serde_json::from_slice(&bodies(&run)[0]).unwrap_or(Value::Null);
    harness::claim_eq(
        "the invocation fails with R's error: its class and message",
        (
            run.verdicts()[0].0.clone(),
            document["errorType"].clone(),
            document["errorMessage"].clone(),
        ),
        (
            "simpleError".to_string(),
            json!("simpleError"),
            json!("numbers is empty"),
        ),
    );
}

#[test]
fn the_log_says_how_many_numbers() {
    if !r_for("the_log_says_how_many_numbers") {
        return;
    }
    let run = answered(
        "one event, and its log",
        &events(&[r#"{"numbers": [1, 2, 3]}"#]),
    );
    let log = run.log_text();
    let said: Vec<&str> = log.lines().filter(|line| line.contains("[INFO]")).collect();
    harness::claim_eq(
        "message() is in the log, tagged [INFO] with the request id",
        said,
        vec!["[INFO]\t<request-id-1>\tsummarising 3 numbers"],
    );
    // The chapter's answer's whole exchange, for the page; a reader's may
    // word its log otherwise, and is judged by the claims above.
    if !cfg!(feature = "exercise") {
        snapshot_settings().bind(|| insta::assert_snapshot!("exercise_stats", run.transcript()));
    }
}
