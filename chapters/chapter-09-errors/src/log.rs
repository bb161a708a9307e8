//! The runtime's own lines in the function's log, in the form Lambda's
//! logging controls ask for.
//!
//! A function's logging configuration reaches the runtime as two
//! environment variables: `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`) and,
//! with JSON, `AWS_LAMBDA_LOG_LEVEL` (`TRACE` to `FATAL`). In Text a line
//! is `bootstrap: <message>`, as the runtime has written since chapter 8.
//! In JSON a line is a *record*: one JSON object on one line, with the
//! fields AWS's own runtime clients write (`timestamp`, `level`,
//! `requestId`, `message`, and `errorType`, `errorMessage`, `stackTrace`
//! for an error), and a record below the level is not written at all.
//! Lambda reads the `level` of each JSON line and drops it too, so a
//! runtime that filters saves only the writing; one that writes no level
//! has every line counted as `INFO`.

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use serde::Serialize;

use crate::ErrorReport;

/// The six levels, least first. They are the local Lambda's own
/// `LogLevel`: the runtime and Lambda read the same names
/// (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`) in the same order.
pub use local_lambda::LogLevel as Level;

/// One thing the runtime has to say: how much it matters, what it is,
/// which invocation it belongs to (if one), and the error it reports (if
/// one).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub level: Level,
    pub message: &'a str,
    pub request_id: Option<&'a str>,
    pub error: Option<&'a ErrorReport>,
}

impl<'a> Record<'a> {
    /// A record of `message` at `level`, not tied to an invocation.
    pub fn new(level: Level, message: &'a str) -> Record<'a> {
        Record {
            level,
            message,
            request_id: None,
            error: None,
        }
    }

    /// A record of the error `report` that is going to Lambda, at `ERROR`:
    /// its message is the report's type and message.
    pub fn error(report: &'a ErrorReport) -> Record<'a> {
        Record {
            error: Some(report),
            ..Record::new(Level::Error, "")
        }
    }

    /// The same record, tied to the invocation `request_id`.
    pub fn for_request(self, request_id: &'a str) -> Record<'a> {
        Record {
            request_id: Some(request_id),
            ..self
        }
    }

    /// The same record, carrying the error `report` sent to Lambda.
    pub fn with_error(self, report: &'a ErrorReport) -> Record<'a> {
        Record {
            error: Some(report),
            ..self
        }
    }
}

/// A record as it goes into the log, its fields in the order AWS's clients
/// write them; those without a value are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRecord<'a> {
    timestamp: String,
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_trace: Option<&'a [String]>,
}

/// How the runtime's lines are written: Lambda's log format, and with JSON
/// the least level written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    /// `bootstrap: <message>`, every line, whatever its level: Lambda
    /// filters by level only in the JSON format.
    Text,
    /// One JSON record per line, none below the level.
    Json(Level),
}

impl Log {
    // ANCHOR: from-values
    /// The log asked for by the values of `AWS_LAMBDA_LOG_FORMAT` and
    /// `AWS_LAMBDA_LOG_LEVEL`. Anything but `JSON` (in any case) is Text, as
    /// is no value at all; a missing or unknown level is `INFO`, as Lambda
    /// counts a record without a level it knows.
    pub fn from_values(format: Option<&str>, level: Option<&str>) -> Log {
        match format {
            Some(format) if format.trim().eq_ignore_ascii_case("json") => Log::Json(
                level
                    .and_then(|name| Level::parse(name.trim()))
                    .unwrap_or(Level::Info),
            ),
            _ => Log::Text,
        }
    }
    // ANCHOR_END: from-values

    /// The log this process's environment asks for.
    pub fn from_env() -> Log {
        let format = std::env::var("AWS_LAMBDA_LOG_FORMAT").ok();
        let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
        Log::from_values(format.as_deref(), level.as_deref())
    }

    // ANCHOR: line
    /// The line `record` becomes, without its newline; `None` when the
    /// level leaves it out.
    pub fn line(self, record: &Record<'_>) -> Option<String> {
        let message = match record.error {
            Some(report) => format!("{}: {}", report.error_type, report.message),
            None => record.message.to_string(),
        };
        let least = match self {
            Log::Text => return Some(format!("bootstrap: {message}")),
            Log::Json(least) => least,
        };
        if record.level < least {
            return None;
        }
        let record = JsonRecord {
            timestamp: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            level: record.level.name(),
            request_id: record.request_id,
            message,
            error_type: record.error.map(|report| report.error_type.as_str()),
            error_message: record.error.map(|report| report.message.as_str()),
            stack_trace: record.error.map(|report| report.stack_trace.as_slice()),
        };
        serde_json::to_string(&record).ok()
    }
    // ANCHOR_END: line

    /// Writes `record` to stderr, the function's log, in one write: the
    /// runtime shares the log with its handler and with any extension, and
    /// a line written in pieces can have another's land in its middle.
    pub fn write(self, record: &Record<'_>) {
        if let Some(line) = self.line(record) {
            let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
        }
    }
}

/// The log of this process, read from its environment once: the logging
/// configuration is the function's, and does not change while it runs.
pub fn runtime_log() -> Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    *LOG.get_or_init(Log::from_env)
}

/// Writes `record` to the function's log as this process's environment asks.
pub fn write(record: &Record<'_>) {
    runtime_log().write(record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parsed(line: &str) -> Value {
        serde_json::from_str(line).expect("one JSON object")
    }

    #[test]
    fn text_is_the_runtimes_plain_line_whatever_the_level() {
        let log = Log::from_values(Some("Text"), Some("ERROR"));
        assert_eq!(log, Log::Text);
        let record = Record::new(Level::Debug, "a detail");
        assert_eq!(log.line(&record).as_deref(), Some("bootstrap: a detail"));
        assert_eq!(Log::from_values(None, None), Log::Text);
    }

    #[test]
    fn json_records_carry_the_fields_of_awss_clients() {
        let log = Log::from_values(Some("JSON"), None);
        let line = log
            .line(&Record::new(Level::Info, "hello").for_request("id-1"))
            .unwrap();
        let record = parsed(&line);
        assert_eq!(record["level"], "INFO");
        assert_eq!(record["requestId"], "id-1");
        assert_eq!(record["message"], "hello");
        let stamp = record["timestamp"].as_str().unwrap();
        assert!(humantime::parse_rfc3339(stamp).is_ok(), "{stamp}");
        assert!(!line.contains('\n'));
        assert!(line.starts_with(r#"{"timestamp":"#), "AWS's order: {line}");
        let without_id = parsed(&log.line(&Record::new(Level::Warn, "x")).unwrap());
        assert!(without_id.get("requestId").is_none());
    }

    #[test]
    fn an_error_record_carries_the_report() {
        let report = ErrorReport::new("Runtime.HandlerFailed", "exit status 3")
            .with_stack_trace(vec!["handler".into()]);
        let line = Log::Json(Level::Info)
            .line(&Record::error(&report))
            .unwrap();
        let record = parsed(&line);
        assert_eq!(record["message"], "Runtime.HandlerFailed: exit status 3");
        assert_eq!(record["errorType"], "Runtime.HandlerFailed");
        assert_eq!(record["errorMessage"], "exit status 3");
        assert_eq!(record["stackTrace"], json!(["handler"]));
        let text = Log::Text.line(&Record::error(&report));
        assert_eq!(
            text.as_deref(),
            Some("bootstrap: Runtime.HandlerFailed: exit status 3")
        );
    }

    #[test]
    fn records_below_the_level_are_left_out() {
        let log = Log::from_values(Some("json"), Some("warn"));
        assert_eq!(log, Log::Json(Level::Warn));
        assert!(log.line(&Record::new(Level::Info, "quiet")).is_none());
        assert!(log.line(&Record::new(Level::Warn, "said")).is_some());
        assert!(log.line(&Record::new(Level::Fatal, "said")).is_some());
        assert_eq!(
            Log::from_values(Some("JSON"), Some("LOUD")),
            Log::Json(Level::Info)
        );
    }
}
