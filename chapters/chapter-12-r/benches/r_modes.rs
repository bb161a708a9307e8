//! The cost per event of each way of running an R handler, measured side by
//! side in one run through the local Lambda: the tutorial's loop calling
//! `Rscript` (`r-bootstrap`), the Rust runtime starting `Rscript` per event,
//! and the Rust runtime with one persistent R worker.
//!
//! Run: `cargo bench -p chapter-12` (needs `Rscript` and R's jsonlite;
//! `-- COUNT` sets the events for the persistent worker, the others get a tenth).

use std::time::Duration;

use harness::{TaskRoot, time_invocations};
use local_lambda::{FunctionConfig, LocalLambda};

/// A string answer: the only kind the tutorial's loop can send.
const EVENT: &str = r#"{"some": "request"}"#;

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(200);
    let slow_count = (count / 10).max(5);
    println!("an R handler through the local Lambda, one event at a time");
    println!(
        "{:<40} {:>7} {:>12} {:>12}",
        "runtime", "events", "per event", "per second"
    );
    let tutorial = measure(
        "the tutorial's loop calling Rscript",
        slow_count,
        "r-bootstrap",
        &[],
    );
    let per_event = measure(
        "Rust runtime, Rscript per event",
        slow_count,
        "rust",
        &[("R_RUNTIME_MODE", "per-event")],
    );
    let persistent = measure(
        "Rust runtime, one persistent R",
        count,
        "rust",
        &[("R_RUNTIME_MODE", "persistent")],
    );
    println!();
    println!(
        "persistent vs Rscript per event: {:>6.1}x",
        per_event.as_secs_f64() / persistent.as_secs_f64()
    );
    println!(
        "persistent vs the tutorial's loop: {:>4.1}x",
        tutorial.as_secs_f64() / persistent.as_secs_f64()
    );
}

/// Runs `count` events (after one untimed cold start) and returns the time per event.
fn measure(name: &str, count: usize, runtime: &str, env: &[(&str, &str)]) -> Duration {
    let task = TaskRoot::new();
    let chapter = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    task.copy_in(&chapter.join("example/function.R"));
    let bootstrap = match runtime {
        "rust" => env!("CARGO_BIN_EXE_chapter-12").into(),
        _ => chapter.join(runtime),
    };
    std::fs::copy(&bootstrap, task.path().join("bootstrap")).expect("copy the bootstrap");
    let mut config: FunctionConfig = task.config("bootstrap");
    config.timeout = Duration::from_secs(60);
    config.env = env
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let lambda = LocalLambda::start(config).expect("start");
    // A failed warm-up here usually means R or its jsonlite is missing.
    let per_event = time_invocations(&lambda, EVENT, count) / count as u32;
    println!(
        "{name:<40} {count:>7} {:>9.1} ms {:>12.1}",
        per_event.as_secs_f64() * 1e3,
        1.0 / per_event.as_secs_f64()
    );
    per_event
}
