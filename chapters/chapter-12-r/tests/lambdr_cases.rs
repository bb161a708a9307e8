//! lambdr's own test suite, as a table this runtime must pass:
//! `tests/lambdr-cases/cases.toml` holds each case of lambdr 1.2.7's
//! `tests/testthat` as a handler file, an event and the answer lambdr gives,
//! and, where this runtime deliberately answers otherwise, its answer and
//! why. The handler files and events were written for this book from what
//! lambdr's tests check. Needs R, as `tests/r.rs` says; the check of the
//! `lambdr` column also needs the lambdr package itself.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use common::{chapter, config, r_is_here};
use harness::{TaskRoot, run, snapshot_settings};
use local_lambda::{Invocation, Outcome, Rejection};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

/// One row of the table: see the head of `cases.toml` for each field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    from: String,
    test: String,
    handler: String,
    event: Option<String>,
    event_file: Option<String>,
    rest: Option<Request>,
    http: Option<Request>,
    /// For API Gateway cases that fail on purpose: the stage that fails.
    stage: Option<String>,
    lambdr: Answer,
    ours: Option<Answer>,
    why: Option<String>,
}

/// An API Gateway request: its query string, its body, and whether the
/// body travels in base64 (`already_encoded`: it is sent as written, to
/// be a body that does not decode).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    #[serde(default)]
    query: BTreeMap<String, String>,
    body: Option<String>,
    #[serde(default)]
    base64: bool,
    #[serde(default)]
    already_encoded: bool,
}

/// What the caller got: the response's bytes, or an error's type and message.
#[derive(Deserialize, Debug, PartialEq, Clone)]
#[serde(untagged, deny_unknown_fields)]
enum Answer {
    Response { response: String },
    Error { error: String, message: String },
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Response { response } => write!(f, "answers {}", shorten(response)),
            Answer::Error { error, message } => {
                write!(f, "fails, {error}: {}", shorten(message))
            }
        }
    }
}

impl Case {
    /// What this runtime must answer.
    fn expected(&self) -> &Answer {
        self.ours.as_ref().unwrap_or(&self.lambdr)
    }

    fn event(&self) -> Vec<u8> {
        let folder = cases_folder();
        match (&self.event, &self.event_file, &self.rest, &self.http) {
            (Some(event), None, None, None) => event.clone().into_bytes(),
            (None, Some(file), None, None) => {
                std::fs::read(folder.join(file)).expect("an event file")
            }
            (None, None, Some(request), None) => api_gateway_event("rest-api.json", request),
            (None, None, None, Some(request)) => api_gateway_event("http-api.json", request),
            _ => panic!(
                "{}: give exactly one of event, event_file, rest, http",
                self.test
            ),
        }
    }
}

fn cases_folder() -> std::path::PathBuf {
    chapter().join("tests/lambdr-cases")
}

fn table() -> Vec<Case> {
    let text = std::fs::read_to_string(cases_folder().join("cases.toml")).expect("cases.toml");
    let table: Table = toml::from_str(&text).expect("cases.toml is a table of cases");
    for case in &table.case {
        assert_eq!(
            case.ours.is_some(),
            case.why.is_some(),
            "{}: a different answer (`ours`) comes with its reason (`why`)",
            case.test
        );
    }
    table.case
}

/// An API Gateway event: the chapter's REST or HTTP API example with this
/// request's query string and body, as each kind of API sends them.
fn api_gateway_event(template: &str, request: &Request) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(
        &std::fs::read(chapter().join("tests/events").join(template)).unwrap(),
    )
    .unwrap();
    let http_api = event["version"] == json!("2.0");
    let query = (!request.query.is_empty()).then(|| json!(request.query));
    event["queryStringParameters"] = query.clone().unwrap_or(Value::Null);
    if http_api {
        let raw: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        event["rawQueryString"] = json!(raw.join("&"));
    } else {
        let multi: BTreeMap<&String, [&String; 1]> =
            request.query.iter().map(|(k, v)| (k, [v])).collect();
        event["multiValueQueryStringParameters"] = query.map_or(Value::Null, |_| json!(multi));
    }
    let body = request.body.as_ref().map(|body| {
        if request.base64 && !request.already_encoded {
            base64::engine::general_purpose::STANDARD.encode(body)
        } else {
            body.clone()
        }
    });
    event["body"] = body.map_or(Value::Null, Value::String);
    event["isBase64Encoded"] = json!(request.base64);
    serde_json::to_vec(&event).unwrap()
}

/// The answer a caller of the local Lambda got.
fn answer(outcome: &Result<Outcome, Rejection>) -> Answer {
    let outcome = outcome.as_ref().expect("the local Lambda took the event");
    match &outcome.result {
        Ok(body) => Answer::Response {
            response: String::from_utf8_lossy(body).into_owned(),
        },
        // The error document's own type, which the caller reads; lambdr
        // sends no Lambda-Runtime-Function-Error-Type header, and Lambda
        // then names the error Unhandled (Runtime.Unknown at init).
        Err(error) => {
            let document: Value = serde_json::from_slice(&error.body).unwrap_or_default();
            let text = |field: &str| document[field].as_str().map(str::to_string);
            Answer::Error {
                error: text("errorType").unwrap_or_else(|| error.error_type.clone()),
                message: text("errorMessage").unwrap_or_default(),
            }
        }
    }
}

/// A task root with `bootstrap` and the case folder's handler files and events.
fn case_root(bootstrap: &Path) -> TaskRoot {
    let root = TaskRoot::new();
    std::fs::copy(bootstrap, root.path().join("bootstrap")).unwrap();
    for file in std::fs::read_dir(cases_folder()).unwrap() {
        root.copy_in(&file.unwrap().path());
    }
    root
}

/// Runs every case with `bootstrap` in a task root holding the case files:
/// the cases of one handler go to one execution environment, in order.
fn answers(bootstrap: &Path, cases: &[&Case]) -> Vec<Answer> {
    let root = case_root(bootstrap);
    let mut handlers: Vec<&str> = Vec::new();
    for case in cases {
        if !handlers.contains(&case.handler.as_str()) {
            handlers.push(&case.handler);
        }
    }
    // Two at a time: each starts R, and the machine has two cores.
    let per_handler: Vec<(&str, Vec<Answer>)> = std::thread::scope(|scope| {
        let runs: Vec<_> = handlers
            .chunks(handlers.len().div_ceil(2))
            .map(|some| {
                let root = &root;
                scope.spawn(move || {
                    some.iter()
                        .map(|handler| {
                            let sent: Vec<Invocation> = cases
                                .iter()
                                .filter(|case| case.handler == *handler)
                                .map(|case| Invocation::new(case.event()))
                                .collect();
                            let ran = run(config(root, handler, "lambdr", "persistent"), &sent);
                            (
                                *handler,
                                ran.outcomes.iter().map(answer).collect::<Vec<_>>(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    let mut taken: BTreeMap<&str, std::vec::IntoIter<Answer>> = per_handler
        .into_iter()
        .map(|(handler, answers)| (handler, answers.into_iter()))
        .collect();
    cases
        .iter()
        .map(|case| {
            taken
                .get_mut(case.handler.as_str())
                .unwrap()
                .next()
                .unwrap()
        })
        .collect()
}

/// Every case whose answer is not `expected`'s, described.
fn mismatches<'a>(
    cases: &[&'a Case],
    got: &[Answer],
    expected: impl Fn(&'a Case) -> &'a Answer,
) -> Vec<String> {
    cases
        .iter()
        .zip(got)
        .filter(|(case, got)| expected(case) != *got)
        .map(|(case, got)| {
            format!(
                "{} ({}), handler {}:\n  expected {:?}\n  got      {:?}",
                case.test,
                case.from,
                case.handler,
                expected(case),
                got
            )
        })
        .collect()
}

fn shorten(text: &str) -> String {
    let text = text.replace('\n', "\\n");
    if text.chars().count() <= 130 {
        return text;
    }
    let start: String = text.chars().take(127).collect();
    format!("{start}...")
}

/// The rows where this runtime answers otherwise than lambdr, for the page.
fn differences(cases: &[Case]) -> String {
    let mut report = String::new();
    for case in cases {
        let (Some(ours), Some(why)) = (&case.ours, &case.why) else {
            continue;
        };
        let event = match (&case.event_file, &case.rest, &case.http) {
            (Some(file), _, _) => file.clone(),
            (_, Some(_), _) => "a REST API request".to_string(),
            (_, _, Some(_)) => "an HTTP API request".to_string(),
            _ => shorten(&String::from_utf8_lossy(&case.event())),
        };
        report.push_str(&format!(
            "{} ({})\n  handler {}, event {}\n  lambdr {}\n  here   {}\n  why: {}\n\n",
            case.test, case.from, case.handler, event, case.lambdr, ours, why
        ));
    }
    report
}

fn chapter_12() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-12")
}

#[test]
fn lambdrs_own_test_cases_pass_here() {
    if !r_is_here("lambdrs_own_test_cases_pass_here") {
        return;
    }
    let cases = table();
    let all: Vec<&Case> = cases.iter().collect();
    let got = answers(chapter_12(), &all);
    let wrong = mismatches(&all, &got, Case::expected);
    assert!(
        wrong.is_empty(),
        "{} cases answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let same = cases.iter().filter(|case| case.ours.is_none()).count();
    let shown = format!(
        "{same} of {} cases answered as lambdr answers them; the others:\n\n{}",
        cases.len(),
        differences(&cases)
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("lambdr_differences", shown));
}

/// Runs the cases named `tests` alone and checks this runtime's answers.
fn check_cases(tests: &[&str]) {
    let cases = table();
    let chosen: Vec<&Case> = cases
        .iter()
        .filter(|case| tests.contains(&case.test.as_str()))
        .collect();
    assert_eq!(
        chosen.len(),
        tests.len(),
        "every case named is in the table"
    );
    let wrong = mismatches(&chosen, &answers(chapter_12(), &chosen), Case::expected);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// The four ways this runtime once parted from lambdr, each on its own.

#[test]
fn a_body_that_is_not_json_behind_api_gateway_is_a_500_response() {
    if r_is_here("a_body_that_is_not_json_behind_api_gateway_is_a_500_response") {
        check_cases(&["a REST API request whose body is a form post, not JSON"]);
    }
}

#[test]
fn a_custom_deserialiser_keeps_the_events_kind() {
    if r_is_here("a_custom_deserialiser_keeps_the_events_kind") {
        check_cases(&[
            "a custom deserialiser with a REST API request",
            "a custom deserialiser with a REST API request, and a handler that fails",
        ]);
    }
}

#[test]
fn warn_2_makes_a_warning_an_error() {
    if r_is_here("warn_2_makes_a_warning_an_error") {
        check_cases(&["a warning under options(warn = 2)"]);
    }
}

#[test]
fn an_event_with_its_own_context_is_refused() {
    if r_is_here("an_event_with_its_own_context_is_refused") {
        check_cases(&["an event with a field named context, to a handler that takes the context"]);
    }
}

#[test]
fn no_api_gateway_event_fails_the_invocation_whatever_fails() {
    if !r_is_here("no_api_gateway_event_fails_the_invocation_whatever_fails") {
        return;
    }
    let cases = table();
    let failing: Vec<&Case> = cases.iter().filter(|case| case.stage.is_some()).collect();
    let mut covered: Vec<(&str, &str)> = failing
        .iter()
        .map(|case| {
            let kind = if case.rest.is_some() { "rest" } else { "http" };
            (kind, case.stage.as_deref().unwrap())
        })
        .collect();
    covered.sort();
    let stages = ["base64", "body", "deserialiser", "handler", "serialiser"];
    let every: Vec<(&str, &str)> = ["http", "rest"]
        .into_iter()
        .flat_map(|kind| stages.map(|stage| (kind, stage)))
        .collect();
    assert_eq!(covered, every, "a case for each stage, REST and HTTP");
    for (case, got) in failing.iter().zip(answers(chapter_12(), &failing)) {
        let Answer::Response { response } = &got else {
            panic!(
                "{}: a failed invocation, not a proxy response: {got:?}",
                case.test
            );
        };
        let proxy: Value = serde_json::from_str(response).expect("a proxy response is JSON");
        assert_eq!(proxy["statusCode"], json!(500), "{}", case.test);
        assert!(
            proxy["headers"]["x-amzn-ErrorType"].is_string(),
            "{}: the error's class in x-amzn-ErrorType: {proxy}",
            case.test
        );
    }
}

/// Whether the lambdr package (and logger, which it needs) is installed.
fn lambdr_is_here() -> bool {
    std::process::Command::new("Rscript")
        .args([
            "-e",
            "stopifnot(requireNamespace('lambdr', quietly = TRUE))",
        ])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs `file.function` under the real lambdr: `Rscript file.R` with
/// `_HANDLER=function`, as lambdr's container image does.
const LAMBDR_BOOTSTRAP: &str = r#"#!/bin/sh
set -eu
cd "$LAMBDA_TASK_ROOT"
file=${_HANDLER%%.*}
_HANDLER=${_HANDLER#*.}
export _HANDLER
exec Rscript "$file.R"
"#;

#[test]
fn the_lambdr_column_is_what_lambdr_answers() {
    if !r_is_here("the_lambdr_column_is_what_lambdr_answers") {
        return;
    }
    if !lambdr_is_here() {
        // No Debian package has lambdr, and CRAN is out of reach of these
        // machines; CI runs without it.
        eprintln!(
            "skipped the_lambdr_column_is_what_lambdr_answers: lambdr is not installed \
             (R CMD INSTALL on its source, with r-cran-httr and r-cran-logger)"
        );
        return;
    }
    let folder = TaskRoot::new();
    let bootstrap = folder.write_executable("lambdr-bootstrap", LAMBDR_BOOTSTRAP);
    let cases = table();
    let all: Vec<&Case> = cases.iter().collect();
    let got = answers(&bootstrap, &all);
    let wrong = mismatches(&all, &got, |case| &case.lambdr);
    assert!(
        wrong.is_empty(),
        "{} cases where lambdr answers otherwise than the table says:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The stack trace in the error document of each handler's error, for a
/// direct invocation with its event.
fn stack_traces(cases: &[(&str, &str)]) -> Vec<Vec<String>> {
    let root = case_root(chapter_12());
    cases
        .iter()
        .map(|(handler, event)| {
            let ran = run(
                config(&root, handler, "lambdr", "persistent"),
                &[Invocation::new(*event)],
            );
            let outcome = ran.outcomes[0].as_ref().unwrap();
            assert!(!outcome.is_success(), "{handler} fails");
            let document: Value = serde_json::from_slice(outcome.body()).unwrap();
            let frames = document["stackTrace"].as_array().expect("a stack trace");
            frames
                .iter()
                .map(|frame| frame.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_stack_trace_shows_the_readers_code_and_none_of_the_runtimes() {
    if !r_is_here("a_stack_trace_shows_the_readers_code_and_none_of_the_runtimes") {
        return;
    }
    // From the reader's function down to their own call that failed: the
    // runtime's frames (stop_html's stop(), the code that calls a
    // deserialiser, R's machinery for warnings) are not shown. The worker
    // calls a deserialiser and a serialiser by those names.
    // ANCHOR: traces
    let traces = stack_traces(&[
        ("handlers.fails_with_status", "{}"),
        ("failing-deserialiser.parity", r#"{"number": 3}"#),
        ("failing-serialiser.parity", r#"{"number": 3}"#),
        ("strict-warnings.warns", "{}"),
    ]);
    assert_eq!(
        traces,
        [
            vec![
                "fails_with_status()",
                "stop_html(\"no page here\", code = 404L) at handlers.R:33"
            ],
            vec![
                r#"deserialiser("{\"number\": 3}")"#,
                "stop(\"the deserialiser failed on purpose\") at failing-deserialiser.R:3"
            ],
            vec![
                "serialiser(list(parity = \"odd\"))",
                "stop(\"the serialiser failed on purpose\") at failing-serialiser.R:5"
            ],
            vec![
                "warns()",
                "warning(\"a warning, which warn = 2 makes an error\") at strict-warnings.R:5"
            ],
        ]
    );
    // ANCHOR_END: traces
}

#[test]
fn warnings_and_messages_keep_their_meaning_in_r() {
    if !r_is_here("warnings_and_messages_keep_their_meaning_in_r") {
        return;
    }
    let root = case_root(chapter_12());
    let quiet = run(
        config(&root, "handlers.quiet", "lambdr", "persistent"),
        &[Invocation::new("{}")],
    );
    let log = quiet.log_text();
    assert!(
        log.contains("[INFO]\t<request-id-1>\ta message for the log\n") && !log.contains("muffled"),
        "suppressWarnings() and suppressMessages() in the handler are honoured:\n{log}"
    );
    let strict = run(
        config(&root, "strict-warnings.warns", "lambdr", "persistent"),
        &[Invocation::new("{}")],
    );
    let log = strict.log_text();
    assert!(
        !log.contains("[WARNING]"),
        "under warn = 2 the warning is an error, not a line of the log:\n{log}"
    );
    assert_eq!(strict.verdicts()[0].0, "simpleError");
}
