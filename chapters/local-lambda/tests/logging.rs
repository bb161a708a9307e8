//! Lambda's logging controls: with the JSON log format, the runtime is
//! told the format and level (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`),
//! Lambda's own lines are JSON records, and the function's records below
//! the level are dropped, a line with no level counting as INFO. Shown with
//! a runtime in bash and with AWS's own client for Python, awslambdaric
//! (which, told the level, also filters its records itself).

mod common;

use harness::{TaskRoot, have};
use local_lambda::{FunctionConfig, Invocation, LocalLambda, LogLevel};
use serde_json::{Value, json};

/// A bash runtime that notes the two variables, then logs a record at each
/// of three levels and one line with none, for every event.
const RUNTIME: &str = r#"#!/bin/bash
set -u
# As an ERROR record, so that no level drops it.
printf '{"level": "ERROR", "message": "format=%s level=%s"}\n' \
  "${AWS_LAMBDA_LOG_FORMAT:-unset}" "${AWS_LAMBDA_LOG_LEVEL:-unset}"
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$api/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  echo '{"level": "INFO", "message": "an info record"}'
  echo '{"level": "warn", "message": "a warning record"}'
  echo '{"level": "ERROR", "message": "an error record"}'
  echo 'a line with no level'
  curl -sS -o /dev/null "$api/invocation/$id/response" --data-binary "$event"
done
"#;

fn run(config: FunctionConfig) -> Vec<String> {
    let lambda = LocalLambda::start(config).unwrap();
    assert!(lambda.invoke(Invocation::new("{}")).unwrap().is_success());
    lambda.shutdown();
    lambda.recording().log()
}

#[test]
fn json_logs_make_lambdas_lines_records_and_drop_what_is_below_the_level() {
    let task = TaskRoot::new();
    task.write_executable("bootstrap", RUNTIME);
    let mut config = task.config("bootstrap");
    config.json_logs = Some(LogLevel::Warn);
    let log = run(config.clone());
    let told: Value = serde_json::from_str(&log[0]).unwrap();
    assert_eq!(told["message"], json!("format=JSON level=WARN"));
    let records: Vec<Value> = log[1..]
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON: {line}")))
        .collect();
    let types: Vec<&str> = records
        .iter()
        .map(|record| record["type"].as_str().unwrap_or("function"))
        .collect();
    assert_eq!(
        types,
        ["platform.start", "function", "function", "platform.report"],
        "platform.runtimeDone is DEBUG, below the system log level INFO: {log:#?}"
    );
    assert_eq!(
        (&records[1]["message"], &records[2]["message"]),
        (&json!("a warning record"), &json!("an error record")),
        "INFO and the line with no level (INFO too) are dropped under WARN"
    );
    assert!(records[3]["record"]["metrics"]["durationMs"].is_number());
    assert!(records[0]["time"].as_str().unwrap().ends_with('Z'));

    config.system_log_level = LogLevel::Debug;
    let debug = run(config);
    assert!(
        debug
            .iter()
            .any(|line| line.contains(r#""type":"platform.runtimeDone""#)),
        "at the system log level DEBUG it is there: {debug:#?}"
    );

    let plain = run(task.config("bootstrap"));
    assert!(plain[0].contains("format=unset level=unset"), "{plain:#?}");
    assert!(
        plain[1].starts_with("START RequestId: "),
        "text, as by default"
    );
    assert_eq!(plain.len(), 8, "nothing dropped: {plain:#?}");
}

#[test]
fn awslambdaric_writes_json_records_and_the_info_one_is_dropped() {
    if !have(
        "awslambdaric_writes_json_records_and_the_info_one_is_dropped",
        "awslambdaric",
        &["python3", "-c", "import awslambdaric"],
        "pip install awslambdaric",
    ) {
        return;
    }
    let task = TaskRoot::new();
    // The Python that has awslambdaric, by its full path: the function's
    // PATH is Lambda's, not this machine's.
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap();
    task.write_executable(
        "bootstrap",
        format!(
            "#!/bin/sh\nexec {} -m awslambdaric \"$_HANDLER\"\n",
            python.trim()
        ),
    );
    task.write(
        "app.py",
        "import logging\n\n\ndef handler(event, context):\n    logging.getLogger().info(\"an info record\")\n    logging.getLogger().warning(\"a warning record\")\n    return {\"ok\": True}\n",
    );
    let mut config = task.config("bootstrap");
    config.handler = "app.handler".to_string();
    config.json_logs = Some(LogLevel::Warn);
    let log = run(config);
    let messages: Vec<String> = log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|record| record["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        messages.contains(&"a warning record".to_string())
            && !messages.contains(&"an info record".to_string()),
        "{log:#?}"
    );
}
