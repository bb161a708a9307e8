//! Lambda's own log lines, and the clock arithmetic they need.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch: the unit of `Lambda-Runtime-Deadline-Ms`.
pub(crate) fn epoch_millis(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default()
}

/// An ISO 8601 (RFC 3339) UTC timestamp with milliseconds, as Lambda
/// prints in its logs and telemetry: `2026-11-24T08:33:18.123Z`.
pub(crate) fn utc_timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// A log stream name in Lambda's form: `YYYY/MM/DD/[version]` and a random suffix.
pub(crate) fn log_stream_name(version: &str, suffix: &str) -> String {
    let date = &utc_timestamp(SystemTime::now())[..10];
    format!("{}/[{version}]{suffix}", date.replace('-', "/"))
}

/// The peak resident memory of a process in whole megabytes, rounded up, as
/// `Max Memory Used` reports it. 0 when the process is gone.
pub(crate) fn max_memory_mb(pid: Option<u32>) -> u64 {
    let pid = pid.unwrap_or_else(std::process::id);
    crate::process::proc_kib(pid, "status", "VmHWM")
        .unwrap_or(0)
        .div_ceil(1024)
}

fn millis(duration: Duration) -> f64 {
    // To the microsecond, as Lambda's records give it (12.345, not
    // 12.345000000000001).
    (duration.as_micros() as f64) / 1000.0
}

/// What Lambda's `REPORT` line says about one invocation.
pub(crate) struct Report<'a> {
    pub request_id: &'a str,
    pub duration: Duration,
    pub init_duration: Option<Duration>,
    pub memory_mb: u32,
    pub max_memory_mb: u64,
    /// `Some("timeout")` or `Some("error")` when the invocation did not succeed.
    pub status: Option<&'a str>,
    pub error_type: Option<&'a str>,
}

impl Report<'_> {
    /// The line itself, tab-separated with a trailing tab, as Lambda writes it.
    /// For OS-only runtimes Lambda bills the init time too.
    pub(crate) fn line(&self) -> String {
        let billed = self.billed_ms();
        let mut line = format!(
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {billed:.0} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            self.request_id,
            millis(self.duration),
            self.memory_mb,
            self.max_memory_mb
        );
        if let Some(init) = self.init_duration {
            line.push_str(&format!("Init Duration: {:.2} ms\t", millis(init)));
        }
        if let Some(status) = self.status {
            line.push_str(&format!("Status: {status}\t"));
        }
        if let Some(error_type) = self.error_type {
            line.push_str(&format!("Error Type: {error_type}\t"));
        }
        line
    }

    /// Billed Duration, in ms: for OS-only runtimes Lambda bills init too.
    fn billed_ms(&self) -> f64 {
        millis(self.duration + self.init_duration.unwrap_or_default())
            .ceil()
            .max(1.0)
    }

    /// What the `END` line stands for in the JSON log format: the
    /// `platform.runtimeDone` record, with the invocation's status.
    pub(crate) fn end_record(&self) -> serde_json::Value {
        serde_json::json!({
            "requestId": self.request_id,
            "status": self.status.unwrap_or("success"),
            "metrics": {"durationMs": millis(self.duration)},
        })
    }

    /// The same report as the Telemetry API's `platform.report` record.
    pub(crate) fn record(&self) -> serde_json::Value {
        let mut metrics = serde_json::json!({
            "durationMs": millis(self.duration),
            "billedDurationMs": self.billed_ms() as u64,
            "memorySizeMB": self.memory_mb,
            "maxMemoryUsedMB": self.max_memory_mb,
        });
        if let Some(init) = self.init_duration {
            metrics["initDurationMs"] = serde_json::json!(millis(init));
        }
        let mut record = serde_json::json!({
            "requestId": self.request_id,
            "status": self.status.unwrap_or("success"),
            "metrics": metrics,
        });
        if let Some(error_type) = self.error_type {
            record["errorType"] = serde_json::json!(error_type);
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_iso_8601() {
        let time = UNIX_EPOCH + Duration::from_millis(1_795_509_198_123);
        assert_eq!(utc_timestamp(time), "2026-11-24T08:33:18.123Z");
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc_timestamp(leap_day), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn report_bills_init_and_rounds_up() {
        let report = Report {
            request_id: "id",
            duration: Duration::from_micros(1_250),
            init_duration: Some(Duration::from_micros(3_500)),
            memory_mb: 128,
            max_memory_mb: 4,
            status: None,
            error_type: None,
        };
        assert_eq!(
            report.line(),
            "REPORT RequestId: id\tDuration: 1.25 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 4 MB\tInit Duration: 3.50 ms\t"
        );
    }
}
