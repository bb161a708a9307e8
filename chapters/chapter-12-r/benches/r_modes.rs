//! The cost of each way of running an R handler, measured side by side in
//! one run through the local Lambda: the tutorial's loop calling `Rscript`
//! (`r-bootstrap`), the Rust runtime starting `Rscript` per event, the Rust
//! runtime with one persistent R worker (the string style), and the same
//! worker with lambdr's conventions (`example/runtime.R`'s `parity`); then,
//! where the lambdr package is installed, lambdr itself with the same file:
//! Init Duration (beside R's own start with nothing to do, as `Rscript`
//! starts it and as the runtime does, on huge pages, in the same rounds),
//! time per event, and memory after 1,000 and 10,000 events; and lambdr's
//! Init Duration with the runtime's huge pages set in its configuration.
//!
//! Run: `cargo bench -p chapter-12` (needs `Rscript` and R's jsonlite;
//! `-- COUNT` sets the events for the persistent worker, the others get a
//! tenth). lambdr is found where R finds packages (`R_LIBS`); CI has no way
//! to fetch it, so there the lambdr row says it was left out.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chapter_14::measure::tree_resident_kib;
use harness::{TaskRoot, invoke_successfully, time_invocations};
use local_lambda::{FunctionConfig, Invocation, LocalLambda};

/// A string answer: the only kind the tutorial's loop can send.
const EVENT: &str = r#"{"some": "request"}"#;

/// The event for lambdr's `parity` handler.
const PARITY_EVENT: &str = r#"{"number": 9}"#;

/// Rounds of fresh environments, one of each runtime per round, for the
/// median Init Duration: this machine's R takes tens of milliseconds more
/// or less to start from one minute to the next, and rounds share that out.
const COLD_STARTS: usize = 21;

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
        &[
            ("R_RUNTIME_MODE", "per-event"),
            ("R_HANDLER_STYLE", "string"),
        ],
    );
    let persistent = measure(
        "Rust runtime, one persistent R",
        count,
        "rust",
        &[
            ("R_RUNTIME_MODE", "persistent"),
            ("R_HANDLER_STYLE", "string"),
        ],
    );
    println!();
    println!("lambdr's conventions: the parity handler, {PARITY_EVENT}");
    println!(
        "{:<48} {:>12} {:>12} {:>14} {:>14}",
        "runtime", "init", "per event", "RSS @ 1,000", "RSS @ 10,000"
    );
    let with_lambdr = lambdr_is_installed();
    let task = TaskRoot::new();
    let mut configs = vec![conventions_config(&task, Conventions::Ours)];
    let lambdr_task = TaskRoot::new();
    if with_lambdr {
        configs.push(conventions_config(&lambdr_task, Conventions::Lambdr));
        configs.push(on_huge_pages(conventions_config(
            &lambdr_task,
            Conventions::Lambdr,
        )));
    }
    let (inits, [r_alone, r_alone_as_ours]) = cold_starts(&configs);
    print_init("R alone (Rscript -e NULL, start to exit)", r_alone);
    print_init(
        "R alone, as the runtime starts it (huge pages)",
        r_alone_as_ours,
    );
    let ours = measure_conventions(
        "Rust runtime, lambdr conventions",
        configs[0].clone(),
        inits[0],
    );
    let lambdr = if with_lambdr {
        let lambdr = measure_conventions(
            "lambdr itself (Rscript runtime.R)",
            configs[1].clone(),
            inits[1],
        );
        print_init("lambdr itself, with the runtime's huge pages", inits[2]);
        Some(lambdr)
    } else {
        println!(
            "{:<48} left out: the lambdr package is not installed here",
            "lambdr itself"
        );
        None
    };
    println!();
    println!(
        "ours: init minus R alone as the runtime starts it: {:+.1} ms",
        (ours.init.as_secs_f64() - r_alone_as_ours.as_secs_f64()) * 1e3
    );
    let growth = ours.rss_kib[1] as f64 - ours.rss_kib[0] as f64;
    println!(
        "ours: RSS growth from 1,000 to 10,000 events: {:+.0} KiB",
        growth
    );
    if let Some(lambdr) = lambdr {
        println!(
            "lambdr / ours: init {:.2}x, per event {:.1}x, RSS at 10,000 {:.1}x",
            lambdr.init.as_secs_f64() / ours.init.as_secs_f64(),
            lambdr.per_event.as_secs_f64() / ours.per_event.as_secs_f64(),
            lambdr.rss_kib[1] as f64 / ours.rss_kib[1] as f64
        );
        println!(
            "lambdr with huge pages / ours: init {:.2}x",
            inits[2].as_secs_f64() / ours.init.as_secs_f64()
        );
    }
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

/// Which runtime serves `example/runtime.R`.
#[derive(Clone, Copy, PartialEq)]
enum Conventions {
    /// This chapter's runtime, `_HANDLER=runtime.parity`.
    Ours,
    /// lambdr's own loop: `Rscript runtime.R`, `_HANDLER=parity`.
    Lambdr,
}

/// What the lambdr-convention comparison measures.
struct Figures {
    init: Duration,
    per_event: Duration,
    /// The runtime and its R, after 1,000 and after 10,000 events.
    rss_kib: [u64; 2],
}

fn lambdr_is_installed() -> bool {
    Command::new("Rscript")
        .args([
            "-e",
            "stopifnot(requireNamespace('lambdr', quietly = TRUE))",
        ])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn conventions_config(task: &TaskRoot, conventions: Conventions) -> FunctionConfig {
    let chapter = Path::new(env!("CARGO_MANIFEST_DIR"));
    task.copy_in(&chapter.join("example/runtime.R"));
    let (bootstrap, handler) = match conventions {
        Conventions::Ours => (
            std::fs::read(env!("CARGO_BIN_EXE_chapter-12")).expect("the runtime"),
            "runtime.parity",
        ),
        // lambdr's README: the image runs `Rscript runtime.R`, which ends
        // with lambdr::start_lambda(); the handler is the function's name.
        Conventions::Lambdr => (
            b"#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\"\nexec Rscript runtime.R\n".to_vec(),
            "parity",
        ),
    };
    task.write_executable("bootstrap", bootstrap);
    let mut config = task.config("bootstrap");
    config.handler = handler.to_string();
    config.timeout = Duration::from_secs(60);
    // R_LIBS (where lambdr may be installed) reaches R through this process.
    for name in ["R_LIBS", "R_ENABLE_JIT"] {
        if let Ok(value) = std::env::var(name) {
            config.env.push((name.to_string(), value));
        }
    }
    config
}

/// A function's configuration with the runtime's huge pages for R set in
/// it, as a lambdr user could set them.
fn on_huge_pages(mut config: FunctionConfig) -> FunctionConfig {
    let (name, tunables) = chapter_12::environment_for_r()
        .into_iter()
        .find(|(name, _)| *name == "GLIBC_TUNABLES")
        .expect("the runtime sets GLIBC_TUNABLES");
    config.env.push((name.to_string(), tunables));
    config
}

/// The median Init Duration of each configuration over fresh environments,
/// and the median time R takes to start with nothing to do and exit, as
/// `Rscript` starts it and as this runtime does; all taken in rounds: one
/// of each per round.
fn cold_starts(configs: &[FunctionConfig]) -> (Vec<Duration>, [Duration; 2]) {
    let mut inits = vec![Vec::new(); configs.len()];
    let mut r_alone = [Vec::new(), Vec::new()];
    let as_the_runtime_starts_it = chapter_12::environment_for_r();
    for _ in 0..COLD_STARTS {
        r_alone[0].push(time_r_alone(&configs[0], &[]));
        r_alone[1].push(time_r_alone(&configs[0], &as_the_runtime_starts_it));
        for (config, samples) in configs.iter().zip(&mut inits) {
            let lambda = LocalLambda::start(config.clone()).expect("start");
            let outcome = lambda
                .invoke(Invocation::new(PARITY_EVENT))
                .expect("accepted");
            assert!(outcome.result.is_ok(), "{:?}", outcome.result);
            lambda.shutdown();
            samples.push(outcome.init_duration.expect("a cold start"));
        }
    }
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    let [plain, as_ours] = r_alone;
    (
        inits.into_iter().map(median).collect(),
        [median(plain), median(as_ours)],
    )
}

/// `Rscript -e NULL`, timed from its start to its exit, with the
/// function's environment and `extra` on top.
fn time_r_alone(config: &FunctionConfig, extra: &[(&str, String)]) -> Duration {
    let started = Instant::now();
    let status = Command::new("Rscript")
        .args(["-e", "NULL"])
        .envs(config.env.iter().cloned())
        .envs(extra.iter().cloned())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run Rscript");
    assert!(status.success(), "Rscript -e NULL: {status}");
    started.elapsed()
}

/// A line of the table with an Init Duration alone.
fn print_init(name: &str, init: Duration) {
    println!("{name:<48} {:>9.1} ms", init.as_secs_f64() * 1e3);
}

/// One environment's time per event and memory after 1,000 and 10,000
/// events, printed with its median Init Duration.
fn measure_conventions(name: &str, config: FunctionConfig, init: Duration) -> Figures {
    let lambda = LocalLambda::start(config).expect("start");
    invoke_successfully(&lambda, PARITY_EVENT);
    let per_event = time_invocations(&lambda, PARITY_EVENT, 999) / 999;
    let pid = lambda.runtime_pid().expect("a running runtime");
    let at_1000 = tree_resident_kib(pid).expect("the runtime's memory");
    for _ in 0..9_000 {
        invoke_successfully(&lambda, PARITY_EVENT);
    }
    let at_10000 = tree_resident_kib(pid).expect("the runtime's memory");
    let figures = Figures {
        init,
        per_event,
        rss_kib: [at_1000, at_10000],
    };
    println!(
        "{name:<48} {:>9.1} ms {:>9.2} ms {:>10} KiB {:>10} KiB",
        figures.init.as_secs_f64() * 1e3,
        figures.per_event.as_secs_f64() * 1e3,
        at_1000,
        at_10000
    );
    figures
}
