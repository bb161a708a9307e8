//! AWS's own `lambda-extension` crate, used as its documentation shows, as
//! an external extension: it subscribes to the Telemetry API and prints
//! one line for each `platform.start`, `platform.runtimeDone` and
//! `platform.report` record, as the crate parsed it. A record the crate
//! could not read would fail its whole batch, and no line would come:
//! `tests/telemetry.rs` runs it under the local Lambda to hold the local
//! Lambda's Telemetry API to what AWS's crate expects.
//!
//! `TELEMETRY_PORT` is the port its telemetry server listens on (the
//! crate's default, 9999, when unset).

use std::io::Write;

use lambda_extension::{
    Error, Extension, LambdaTelemetry, LambdaTelemetryRecord, LogBuffering, SharedService,
    service_fn,
};

/// One line for each record of interest, each in one write: the runtime
/// shares the log.
async fn print(batch: Vec<LambdaTelemetry>) -> Result<(), Error> {
    for telemetry in batch {
        let line = match telemetry.record {
            LambdaTelemetryRecord::PlatformStart { request_id, .. } => {
                format!("platform.start {request_id}")
            }
            LambdaTelemetryRecord::PlatformRuntimeDone {
                request_id, status, ..
            } => format!("platform.runtimeDone {request_id} {status:?}"),
            LambdaTelemetryRecord::PlatformReport {
                request_id,
                metrics,
                ..
            } => format!(
                "platform.report {request_id} memorySizeMB={}",
                metrics.memory_size_mb
            ),
            _ => continue,
        };
        let _ = std::io::stderr().write_all(format!("telemetry: {line}\n").as_bytes());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let port = std::env::var("TELEMETRY_PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(9999);
    Extension::new()
        .with_telemetry_processor(SharedService::new(service_fn(print)))
        .with_telemetry_types(&["platform"])
        .with_telemetry_buffering(LogBuffering {
            timeout_ms: 100,
            max_bytes: 262_144,
            max_items: 1_000,
        })
        .with_telemetry_port_number(port)
        .run()
        .await
}
