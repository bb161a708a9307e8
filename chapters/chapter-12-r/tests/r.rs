//! The R runtime through a local Lambda, with chapter 12's first handler
//! (the event as one string): both modes, the tutorial's loop calling R
//! beside it, and R failing in every way the chapter lists.
//! Needs `Rscript` with jsonlite (`apt-get install r-base-core
//! r-cran-jsonlite`, which `.ci/run` does); without it these tests say they
//! were skipped, except in CI, where R must be there.

mod common;

use common::{bodies, r_is_here, task};
use harness::{events, run, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation, LogLevel};
use serde_json::Value;

/// Chapter 12's first handler, `example/function.R`, in the string style.
fn config(task: &harness::TaskRoot, mode: &str) -> FunctionConfig {
    common::config(task, "function.handler", "string", mode)
}

#[test]
fn both_modes_answer_strings_lists_tables_and_errors_alike() {
    if !r_is_here("both_modes_answer_strings_lists_tables_and_errors_alike") {
        return;
    }
    let one_mebibyte = format!(r#""{}""#, "x".repeat(1024 * 1024));
    let sent = events(&[
        r#"{"some": "request"}"#,
        r#"{"name": "Ada"}"#,
        r#"{"table": true}"#,
        r#"{"fail": "on purpose"}"#,
        &one_mebibyte,
        r#""after all that""#,
    ]);
    let root = task(false);
    let persistent = run(config(&root, "persistent"), &sent);
    let per_event = run(config(&root, "per-event"), &sent);
    assert_eq!(
        bodies(&persistent),
        bodies(&per_event),
        "the two modes give the same answers"
    );
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    assert_eq!(
        persistent.verdicts(),
        [
            verdict("ok", true),
            verdict("ok", false),
            verdict("ok", false),
            verdict("simpleError", false),
            verdict("ok", false),
            verdict("ok", false)
        ]
    );
    assert_eq!(
        bodies(&persistent)[4],
        format!("Echoing request: '{one_mebibyte}'").into_bytes(),
        "1 MiB and back"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("r_results", persistent.results()));
}

#[test]
fn when_r_dies_mid_event_that_event_fails_and_the_next_succeeds() {
    if !r_is_here("when_r_dies_mid_event_that_event_fails_and_the_next_succeeds") {
        return;
    }
    let root = task(false);
    let sent = events(&[
        r#"{"name": "before"}"#,
        r#"{"die": true}"#,
        r#"{"name": "after"}"#,
    ]);
    let persistent = run(config(&root, "persistent"), &sent);
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    assert_eq!(
        persistent.verdicts(),
        [
            verdict("ok", true),
            verdict("Runtime.RWorkerDied", false),
            verdict("ok", false)
        ],
        "the runtime survives and starts a new R for the next event"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("r_worker_dies", persistent.results()));
}

#[test]
fn a_missing_function_or_file_is_an_init_error() {
    if !r_is_here("a_missing_function_or_file_is_an_init_error") {
        return;
    }
    let root = task(false);
    let mut report = String::new();
    for handler in ["function.nope", "missing.handler"] {
        let config = common::config(&root, handler, "string", "persistent");
        let failed = run(config, &events(&["{}"]));
        assert_eq!(failed.verdicts()[0].0, "Runtime.NoSuchHandler", "{handler}");
        report.push_str(&format!("_HANDLER={handler}\n{}", failed.results()));
    }
    snapshot_settings().bind(|| insta::assert_snapshot!("r_init_errors", report));
}

#[test]
fn beside_the_tutorials_loop_calling_r() {
    if !r_is_here("beside_the_tutorials_loop_calling_r") {
        return;
    }
    let sent = events(&[
        r#"{"some": "request"}"#,
        r#"{"name": "Ada"}"#,
        r#"{"fail": "on purpose"}"#,
    ]);
    let (bash_root, rust_root) = (task(true), task(false));
    let bash = run(config(&bash_root, "persistent"), &sent);
    let rust = run(config(&rust_root, "persistent"), &sent);
    assert_eq!(
        bodies(&bash)[0],
        bodies(&rust)[0],
        "a string answer is the same, byte for byte"
    );
    assert_eq!(
        bash.verdicts()[1].0,
        "Runtime.ExitError",
        "cat() cannot print a list: the loop dies"
    );
    assert_eq!(rust.verdicts()[1].0, "ok");
    let report = format!(
        "== the tutorial's loop calling R ==\n{}\n== chapter 12 ==\n{}",
        bash.results(),
        rust.results()
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("r_beside_the_tutorial", report));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    if !r_is_here("the_demo_runs_with_no_set_up") {
        return;
    }
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-12"));
    assert!(
        demo.stdout.contains(
            r#"{"isBase64Encoded":false,"statusCode":200,"body":"{\"parity\":\"odd\"}"}"#
        ),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}

#[test]
fn an_event_reaches_r_unchanged() {
    if !r_is_here("an_event_reaches_r_unchanged") {
        return;
    }
    let root = task(false);
    // JSON, as events are, with quotes, newlines between its values and after
    // them, and text beyond ASCII: the handler, which echoes what is not an
    // object, must get every byte as it was sent.
    let tricky = "[\"quotes ' \\\" a $(dollar) and a * star\",\n\"newline\u{e9}\"]\n\n";
    let answered = run(config(&root, "persistent"), &[Invocation::new(tricky)]);
    assert_eq!(
        bodies(&answered)[0],
        format!("Echoing request: '{tricky}'").into_bytes()
    );
}

/// Why R's heap cannot be on transparent huge pages here, if it cannot:
/// glibc learnt `glibc.malloc.hugetlb` in 2.35, and the kernel may have them
/// off. `None` when they can be had.
fn huge_pages_unavailable() -> Option<String> {
    // SAFETY: gnu_get_libc_version(3) returns a static, NUL-terminated string.
    let glibc = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    let glibc = glibc.to_string_lossy();
    let minor = glibc
        .strip_prefix("2.")
        .and_then(|minor| minor.parse::<u32>().ok());
    if minor.is_none_or(|minor| minor < 35) {
        return Some(format!("glibc {glibc} has no glibc.malloc.hugetlb"));
    }
    let mode =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    if !mode.contains("[always]") && !mode.contains("[madvise]") {
        return Some(format!("transparent huge pages are off: {}", mode.trim()));
    }
    None
}

/// How much of the R worker's memory is on huge pages, after one event.
fn r_huge_pages_kib(function: FunctionConfig) -> u64 {
    let lambda = local_lambda::LocalLambda::start(function).expect("start");
    harness::invoke_successfully(&lambda, r#"{"number": 9}"#);
    let runtime = lambda.runtime_pid().expect("a running runtime");
    let workers = chapter_14::measure::children(runtime);
    assert_eq!(workers.len(), 1, "one R worker under the runtime");
    let huge_pages = chapter_14::measure::proc_kib(workers[0], "smaps_rollup", "AnonHugePages")
        .expect("the R worker's AnonHugePages");
    lambda.shutdown();
    huge_pages
}

#[test]
fn r_gets_its_heap_on_huge_pages_unless_the_function_says_not() {
    let test = "r_gets_its_heap_on_huge_pages_unless_the_function_says_not";
    if !r_is_here(test) {
        return;
    }
    if let Some(why) = huge_pages_unavailable() {
        eprintln!("skipped {test}: {why}");
        return;
    }
    let root = task(false);
    let function = common::config(&root, "runtime.parity", "lambdr", "persistent");
    let huge = r_huge_pages_kib(function.clone());
    assert!(
        huge >= 2048,
        "R's heap should be on 2 MiB pages: {huge} KiB of them"
    );
    let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap();
    // With the kernel's "always", every process gets them, asked or not.
    if mode.contains("[madvise]") {
        let mut declined = function;
        declined.env.push((
            "GLIBC_TUNABLES".to_string(),
            "glibc.malloc.hugetlb=0".to_string(),
        ));
        assert_eq!(
            r_huge_pages_kib(declined),
            0,
            "the function's own tunable stands"
        );
    }
}

#[test]
fn with_json_logs_r_writes_records_and_leaves_out_those_below_the_level() {
    if !r_is_here("with_json_logs_r_writes_records_and_leaves_out_those_below_the_level") {
        return;
    }
    let root = task(false);
    root.write(
        "talkative.R",
        "handler <- function(event) {\n  message(\"an info message\")\n  warning(\"a warning\")\n  if (identical(event, '\"fail\"')) stop(\"asked to fail\")\n  \"done\"\n}\n",
    );
    let mut config = common::config(&root, "talkative.handler", "string", "persistent");
    config.json_logs = Some(LogLevel::Warn);
    let sent = run(config, &events(&[r#""fine""#, r#""fail""#]));
    let records: Vec<Value> = sent
        .log
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let ids: Vec<String> = sent
        .outcomes
        .iter()
        .map(|outcome| outcome.as_ref().unwrap().request_id.clone())
        .collect();
    // The function's records: those that are not Lambda's own (`type`).
    let function: Vec<(&str, &str, &str)> = records
        .iter()
        .filter(|record| record.get("type").is_none())
        .map(|record| {
            let field = |name: &str| record[name].as_str().unwrap_or_default();
            (field("level"), field("requestId"), field("message"))
        })
        .collect();
    assert_eq!(
        function,
        [
            ("WARN", ids[0].as_str(), "a warning"),
            ("WARN", ids[1].as_str(), "a warning"),
            ("ERROR", ids[1].as_str(), "simpleError: asked to fail"),
        ],
        "INFO (message()) is below WARN and left out:\n{}",
        sent.log_text()
    );
    let error = records
        .iter()
        .find(|record| record["level"] == "ERROR")
        .unwrap();
    for record in records.iter().filter(|record| record.get("type").is_none()) {
        // RFC 3339 in UTC with milliseconds, as Lambda keeps a timestamp: 2026-11-30T01:12:40.278Z.
        let stamp = record["timestamp"].as_str().unwrap_or_default();
        let shape = stamp.len() == 24 && stamp.as_bytes()[10] == b'T' && stamp.ends_with('Z');
        assert!(shape, "{record}");
    }
    assert_eq!(error["errorType"], "simpleError");
    assert_eq!(error["errorMessage"], "asked to fail");
}
