//! The chapter's extensions, bash beside Rust, under the local Lambda with
//! chapter 11's runtime: each registers, hears `INVOKE` for each invocation
//! and `SHUTDOWN` with its reason, and the runtime gets SIGTERM only when
//! an extension is there. Then the telemetry subscriber, whose reports
//! agree with Lambda's `REPORT` lines, and the runtime's JSON log records.

use std::path::Path;

use harness::{Run, TaskRoot, events, normalise_output, run, snapshot_settings};
use local_lambda::LogLevel;
use serde_json::Value;

/// The chapter's binary, which is chapter 11's runtime.
fn runtime() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-16")
}

fn rust_extension() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-16-extension")
}

fn telemetry_subscriber() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-16-telemetry")
}

fn bash_extension() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bash/logger")
}

/// Two invocations of the tutorial's handler with `extension`, if any,
/// installed as `extensions/logger`; the environment then ends.
fn two_invocations(extension: Option<&Path>) -> Run {
    let task = TaskRoot::with_bootstrap(runtime());
    let mut config = task.config("bootstrap");
    if let Some(extension) = extension {
        task.write_executable("extensions/logger", std::fs::read(extension).unwrap());
        config.extensions = Some(task.path().join("extensions"));
    }
    run(config, &events(&[r#"{"n": 1}"#, r#"{"n": 2}"#]))
}

/// The lines the extension wrote to the function's log.
fn extension_lines(run: &Run) -> Vec<String> {
    run.log_text()
        .lines()
        .filter(|line| line.starts_with("logger: "))
        .map(str::to_string)
        .collect()
}

const SIGTERM_LINE: &str = "bootstrap: SIGTERM: the environment is shutting down";

#[test]
fn the_bash_and_the_rust_extension_hear_the_same_events() {
    let bash = two_invocations(Some(&bash_extension()));
    let rust = two_invocations(Some(rust_extension()));
    let expected = [
        "logger: registered",
        "logger: INVOKE <request-id-1>",
        "logger: INVOKE <request-id-2>",
        "logger: SHUTDOWN (spindown)",
    ];
    assert_eq!(extension_lines(&bash), expected, "{}", bash.log_text());
    assert_eq!(extension_lines(&rust), expected, "{}", rust.log_text());
    for (side, run) in [("bash", &bash), ("rust", &rust)] {
        let log = run.log_text();
        let sigterm = log.find(SIGTERM_LINE);
        let shutdown = log.find("logger: SHUTDOWN");
        assert!(
            sigterm.is_some() && sigterm < shutdown,
            "{side}: with an extension, SIGTERM reaches the runtime, before SHUTDOWN reaches the extension:\n{log}"
        );
        assert!(
            run.outcomes
                .iter()
                .all(|outcome| outcome.as_ref().unwrap().is_success()),
            "{side}"
        );
    }
}

#[test]
fn without_an_extension_the_runtime_hears_no_sigterm() {
    let alone = two_invocations(None);
    let log = alone.log_text();
    assert!(!log.contains(SIGTERM_LINE), "killed without a word:\n{log}");
    assert!(extension_lines(&alone).is_empty());
}

/// Two invocations with the telemetry subscriber installed as
/// `extensions/telemetry`, listening on loopback.
fn with_the_subscriber() -> Run {
    let task = TaskRoot::with_bootstrap(runtime());
    task.write_executable(
        "extensions/telemetry",
        std::fs::read(telemetry_subscriber()).unwrap(),
    );
    let mut config = task.config("bootstrap");
    config.extensions = Some(task.path().join("extensions"));
    config.env = vec![("TELEMETRY_LISTEN_ADDRESS".into(), "127.0.0.1:0".into())];
    run(config, &events(&[r#"{"n": 1}"#, r#"{"n": 2}"#]))
}

/// From a `REPORT` line or the subscriber's line, the invocation's
/// request id and the figures both give: Duration to 0.01 ms, Billed
/// Duration, Max Memory Used.
fn figures(line: &str) -> (String, String, String, String) {
    let after = |label: &str| {
        let rest = &line[line
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {line}"))
            + label.len()..];
        rest.split([' ', '\t']).next().unwrap().to_string()
    };
    // The first "Duration: " in both lines is the invocation's own.
    let duration: f64 = after("Duration: ").parse().unwrap();
    let id = line
        .split([' ', '\t', ':'])
        .find(|word| word.len() == 36)
        .unwrap()
        .to_string();
    (
        id,
        format!("{duration:.2}"),
        after("Billed Duration: "),
        after("Max Memory Used: "),
    )
}

#[test]
fn the_subscribers_reports_agree_with_lambdas_report_lines() {
    let run = with_the_subscriber();
    let log = run.log_text();
    let reports: Vec<_> = run
        .log
        .iter()
        .filter(|l| l.starts_with("REPORT"))
        .map(|l| figures(l))
        .collect();
    let heard: Vec<_> = run
        .log
        .iter()
        .filter(|l| l.starts_with("telemetry: platform.report"))
        .map(|l| figures(l))
        .collect();
    assert_eq!(reports.len(), 2, "{log}");
    assert_eq!(
        heard, reports,
        "the same invocations, the same figures:\n{log}"
    );
    let own: Vec<&str> = run
        .log
        .iter()
        .filter(|l| l.starts_with("telemetry: ") && !l.contains("platform.report"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        own,
        ["telemetry: subscribed", "telemetry: SHUTDOWN (spindown)"],
        "{log}"
    );
}

/// Two invocations of a handler that writes a JSON record at INFO and one
/// at WARN, the second failing, with the JSON log format at `level`.
fn json_logs(level: LogLevel) -> Run {
    let task = TaskRoot::with_bootstrap(runtime());
    task.write(
        "function.sh",
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("bash/function.sh")).unwrap(),
    );
    let mut config = task.config("bootstrap");
    config.json_logs = Some(level);
    run(config, &events(&[r#""fine""#, r#""fail""#]))
}

/// Every line of the log as JSON; a line that is not fails the test.
fn records(run: &Run) -> Vec<Value> {
    run.log
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

/// The `message` of each record that is not Lambda's own.
fn function_messages(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .filter(|record| record.get("type").is_none())
        .map(|record| record["message"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn with_json_logs_at_warn_the_runtimes_records_carry_levels_and_info_is_dropped() {
    let warn = json_logs(LogLevel::Warn);
    let logged = records(&warn);
    assert_eq!(
        function_messages(&logged),
        [
            "the handler has a warning",
            "the handler has a warning",
            "Runtime.HandlerFailed: the handler failed with exit status 3",
        ],
        "{}",
        warn.log_text()
    );
    let error = logged.iter().find(|r| r["level"] == "ERROR").unwrap();
    let failed = &warn.outcomes[1].as_ref().unwrap().request_id;
    assert_eq!(error["requestId"], failed.as_str());
    assert_eq!(error["errorType"], "Runtime.HandlerFailed");
    assert!(error["timestamp"].as_str().unwrap().ends_with('Z'));
    let lambdas: Vec<&str> = logged.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(
        lambdas
            .iter()
            .filter(|kind| **kind == "platform.report")
            .count(),
        2
    );

    let info = json_logs(LogLevel::Info);
    assert_eq!(
        function_messages(&records(&info)).first(),
        Some(&"the handler begins"),
        "at INFO the INFO record stays:\n{}",
        info.log_text()
    );
}

#[test]
fn the_runtimes_sigterm_record_is_info() {
    let task = TaskRoot::with_bootstrap(runtime());
    task.write_executable(
        "extensions/logger",
        std::fs::read(bash_extension()).unwrap(),
    );
    let at = |level: LogLevel| {
        let mut config = task.config("bootstrap");
        config.extensions = Some(task.path().join("extensions"));
        config.json_logs = Some(level);
        run(config, &events(&[r#"{"n": 1}"#])).log_text()
    };
    let info = at(LogLevel::Info);
    assert!(
        info.contains(r#""level":"INFO","message":"SIGTERM: the environment is shutting down"}"#),
        "{info}"
    );
    let warn = at(LogLevel::Warn);
    assert!(!warn.contains("SIGTERM"), "below WARN, left out:\n{warn}");
}

/// The demo's output, cut at its `== … ==` headings: the shutdown part
/// (its first two), the telemetry part and the JSON logs part.
fn demo_parts(stdout: &str) -> (String, String, String) {
    let (shutdown, rest) = stdout
        .split_once("== with a telemetry subscriber ==")
        .expect("the telemetry part");
    let (telemetry, json) = rest
        .split_once("== JSON logs at level WARN ==")
        .expect("the JSON logs part");
    (
        shutdown.to_string(),
        format!("== with a telemetry subscriber =={telemetry}"),
        format!("== JSON logs at level WARN =={json}"),
    )
}

#[test]
fn the_demo_shows_the_sigterm_only_an_extension_brings_telemetry_and_json_logs() {
    // The demo finds the subscriber beside itself, as `cargo build` leaves it.
    assert!(telemetry_subscriber().exists());
    let demo = harness::run_demo(runtime());
    let (shutdown, telemetry, json) = demo_parts(&demo.stdout);
    let (without, with) = shutdown
        .split_once("== with an extension ==")
        .expect("two runs");
    assert!(!without.contains(SIGTERM_LINE) && with.contains(SIGTERM_LINE));
    assert_eq!(
        telemetry.matches("telemetry: platform.report").count(),
        2,
        "{telemetry}"
    );
    assert!(
        json.lines()
            .skip(1)
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "{json}"
    );
    let mut settings = snapshot_settings();
    // The figures of Lambda's records vary from run to run.
    settings.add_filter(
        r#""(durationMs|billedDurationMs|maxMemoryUsedMB|initDurationMs)":[\d.]+"#,
        r#""$1":<n>"#,
    );
    settings.bind(|| {
        insta::assert_snapshot!("demo_shutdown", normalise_output(&shutdown));
        insta::assert_snapshot!("demo_telemetry", normalise_output(&telemetry));
        insta::assert_snapshot!("demo_json_logs", normalise_output(&json));
    });
}
