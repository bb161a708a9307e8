//! Every runtime of the book, and AWS's own, through the same local Lambda
//! in one run: cold start, time per event (median and p99), the runtime's
//! own CPU per event, events per second, memory after 1,000 and after
//! 100,000 events, binary size; and the floor, two keep-alive round trips
//! to a server that does nothing. The runtimes take turns, in rounds, so
//! that the machine's slow moments are shared. Prints a table, the ratios
//! and the targets, and writes the chart and the table to `target/speed/`.
//!
//! Run: `cargo bench -p chapter-14` (about four minutes). Options after
//! `--`: `--quick` (a tenth of the events, no 100,000 mark), `--only NAME`
//! (the runtimes whose name contains NAME), `--unpinned` (use every core),
//! `--write-book` (also copy the table and the chart into `book/`, as
//! committed), `--serve-memory` (only the last part: `local-lambda --serve`'s
//! memory over a long run), `--hyper` (only the Runtime API's exchange on
//! hyper beside the local Lambda's), `--environments` (instead of all that:
//! the shell runtimes with 1, 2 and 4 execution environments and eight
//! callers, on every core; `--write-book` copies its table into `book/` too).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use chapter_14::chart::{self, Bar, duration_label};
use chapter_14::measure::{self, Latencies};
use chapter_14::minimal::MinimalClient;
use harness::{TaskRoot, invoke_successfully};
use local_lambda::LocalLambda;

#[path = "speed/hyper_model.rs"]
mod hyper_model;

/// The event every runtime gets: chapter 10's greeting, which the shell
/// handler echoes and the Rust handlers parse and answer.
const EVENT: &str = r#"{"name": "Ada"}"#;

/// How many events each kind of runtime gets; a persistent or native
/// runtime gets enough for its memory to be read after 100,000.
const SLOW_EVENTS: usize = 1_000;
const PER_EVENT_SHELL_EVENTS: usize = 3_000;
const FAST_EVENTS: usize = 100_000;
const COLD_STARTS: usize = 41;
/// How many rounds the events of each runtime are spread over.
const ROUNDS: usize = 10;
/// Where memory is read first: after the start-up allocations are done.
const FIRST_MEMORY_MARK: usize = 1_000;
/// Invocations through `local-lambda --serve`'s front door for its memory.
const SERVE_INVOCATIONS: usize = 100_000;
/// One invocation in this many carries a large event.
const LARGE_EVENT_EVERY: usize = 100;
/// The large event's size: 100 KB.
const LARGE_EVENT_BYTES: usize = 100_000;
/// How much `--serve` may grow between the first mark and the last.
const SERVE_GROWTH_LIMIT_KIB: u64 = 8 * 1024;

struct Options {
    quick: bool,
    pinned: bool,
    write_book: bool,
}

/// A runtime to measure.
struct Contender {
    name: &'static str,
    /// The file that is copied in as `bootstrap`.
    bootstrap: PathBuf,
    events: usize,
}

/// What was measured of one runtime.
struct Figures {
    name: &'static str,
    events: usize,
    cold_start: Duration,
    latencies: Latencies,
    cpu_per_event: Duration,
    per_second: f64,
    memory_first: Option<u64>,
    memory_last: Option<u64>,
    binary_bytes: u64,
}

fn main() {
    let options = Options {
        quick: std::env::args().any(|arg| arg == "--quick"),
        pinned: !std::env::args().any(|arg| arg == "--unpinned"),
        write_book: std::env::args().any(|arg| arg == "--write-book"),
    };
    let binaries = build_runtimes();
    let serve_invocations = if options.quick {
        SERVE_INVOCATIONS / 10
    } else {
        SERVE_INVOCATIONS
    };
    if std::env::args().any(|arg| arg == "--environments") {
        let table = environments(&binaries, options.quick);
        print!("{table}");
        if options.write_book {
            let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book");
            fs::write(book.join("environments-results.txt"), table).expect("write the table");
        }
        return;
    }
    if std::env::args().any(|arg| arg == "--hyper") {
        let events = if options.quick {
            FAST_EVENTS / 10
        } else {
            FAST_EVENTS
        };
        if options.pinned {
            measure::pin_to_one_core().expect("pin the benchmark to one core");
        }
        print!("{}", hyper_model::report(events, &floor(events)));
        return;
    }
    if std::env::args().any(|arg| arg == "--serve-memory") {
        print!("{}", serve_memory(&binaries, serve_invocations));
        return;
    }
    let machine = format!("{}, {}", measure::machine(), today());
    let placement = if options.pinned {
        let core = measure::pin_to_one_core().expect("pin the benchmark to one core");
        format!("everything pinned to core {core}")
    } else {
        "unpinned".to_string()
    };
    let machine = format!("{machine}; {placement}");
    println!("{machine}");
    let scale = |events: usize| if options.quick { events / 10 } else { events };
    let contenders = [
        Contender {
            name: "bash original (curl)",
            bootstrap: local_lambda::bash_original().join("bootstrap"),
            events: scale(SLOW_EVENTS),
        },
        Contender {
            name: "chapter 11: bash per event",
            bootstrap: binaries.join("chapter-11"),
            events: scale(PER_EVENT_SHELL_EVENTS),
        },
        Contender {
            name: "chapter 14: persistent bash",
            bootstrap: binaries.join("chapter-14"),
            events: scale(FAST_EVENTS),
        },
        Contender {
            name: "chapter 10: Rust, ureq",
            bootstrap: binaries.join("chapter-10-greeter"),
            events: scale(FAST_EVENTS),
        },
        Contender {
            name: "chapter 14: Rust, own HTTP",
            bootstrap: binaries.join("chapter-14-greeter"),
            events: scale(FAST_EVENTS),
        },
        Contender {
            name: "lambda_runtime (AWS)",
            bootstrap: binaries.join("peer-lambda-runtime"),
            events: scale(FAST_EVENTS),
        },
        Contender {
            name: "minimal hand-written",
            bootstrap: binaries.join("minimal-runtime"),
            events: scale(FAST_EVENTS),
        },
    ];
    let only: Vec<String> = std::env::args()
        .skip_while(|arg| arg != "--only")
        .skip(1)
        .take(1)
        .collect();
    let contenders: Vec<&Contender> = contenders
        .iter()
        .filter(|contender| {
            only.iter()
                .all(|part| contender.name.contains(part.as_str()))
        })
        .collect();
    let tasks: Vec<TaskRoot> = contenders
        .iter()
        .map(|contender| TaskRoot::with_bootstrap(&contender.bootstrap))
        .collect();
    let (cold_starts, spawn) = cold_starts(&tasks);
    let floor = floor(scale(FAST_EVENTS));
    let figures = warm_runs(&contenders, &tasks, cold_starts);
    let mut report = report(&figures, &floor, scale(FAST_EVENTS), spawn, &machine);
    report.push('\n');
    report.push_str(&serve_memory(&binaries, serve_invocations));
    report.push_str(&hyper_model::report(scale(FAST_EVENTS), &floor));
    print!("{report}");
    let bars: Vec<Bar> = figures
        .iter()
        .map(|figures| Bar {
            label: figures.name.to_string(),
            micros: micros(figures.latencies.median()),
            cpu_micros: Some(micros(figures.cpu_per_event)),
        })
        .chain([Bar {
            label: "floor: two round trips".to_string(),
            micros: micros(floor.median()),
            cpu_micros: None,
        }])
        .collect();
    let svg = chart::svg("Time per event through the local Lambda", &machine, &bars);
    write_results(&report, &svg, options.write_book);
}

/// Builds the runtimes in release mode and returns the folder they are in.
/// The bench can only name its own package's binaries, so it asks cargo
/// for the others.
fn build_runtimes() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args(["build", "--release", "--bins"])
        .args(["-p", "chapter-10", "-p", "chapter-11", "-p", "chapter-14"])
        .args(["-p", "peer-lambda-runtime", "-p", "local-lambda"])
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --release failed: {status}");
    let this = std::env::current_exe().expect("this benchmark's path");
    // target/release/deps/speed-HASH: the binaries are in target/release.
    this.parent()
        .and_then(Path::parent)
        .expect("target/release")
        .to_path_buf()
}

/// The task's function with nothing recorded: what a measurement should
/// not pay for, as `local-lambda --serve` does not.
fn unrecorded(task: &TaskRoot) -> local_lambda::FunctionConfig {
    let mut config = task.config("bootstrap");
    config.record = false;
    config
}

/// A runtime warmed up and being measured: its local Lambda, and what its
/// events have added up to so far.
struct Warm<'a> {
    contender: &'a Contender,
    lambda: LocalLambda,
    pid: u32,
    done: usize,
    cpu: Duration,
    elapsed: Duration,
    samples: Vec<Duration>,
    memory_first: Option<u64>,
}

impl Warm<'_> {
    fn start<'a>(contender: &'a Contender, task: &TaskRoot) -> Warm<'a> {
        let lambda = LocalLambda::start(unrecorded(task)).expect("start a local Lambda");
        invoke_successfully(&lambda, EVENT);
        let pid = lambda.runtime_pid().expect("the runtime is running");
        Warm {
            contender,
            lambda,
            pid,
            done: 0,
            cpu: Duration::ZERO,
            elapsed: Duration::ZERO,
            samples: Vec::with_capacity(contender.events),
            memory_first: None,
        }
    }

    /// Runs this round's share of the runtime's events.
    fn run_round(&mut self, round: usize) {
        let share = self.contender.events * (round + 1) / ROUNDS - self.done;
        let cpu_before = measure::cpu_time(self.pid).expect("read the runtime's CPU time");
        let started = Instant::now();
        for _ in 0..share {
            let sent = Instant::now();
            invoke_successfully(&self.lambda, EVENT);
            self.samples.push(sent.elapsed());
            self.done += 1;
            if self.done == FIRST_MEMORY_MARK {
                self.memory_first = measure::resident_kib(self.pid).ok();
            }
        }
        self.elapsed += started.elapsed();
        self.cpu += measure::cpu_time(self.pid).expect("read the runtime's CPU time") - cpu_before;
        assert_eq!(
            self.lambda.runtime_pid(),
            Some(self.pid),
            "the runtime was restarted"
        );
    }

    fn figures(self, cold_start: Duration) -> Figures {
        let events = self.contender.events;
        let memory_last = (events >= FAST_EVENTS)
            .then(|| measure::resident_kib(self.pid).ok())
            .flatten();
        Figures {
            name: self.contender.name,
            events,
            cold_start,
            latencies: Latencies::new(self.samples),
            cpu_per_event: self.cpu / events as u32,
            per_second: events as f64 / self.elapsed.as_secs_f64(),
            memory_first: self.memory_first,
            memory_last,
            binary_bytes: fs::metadata(&self.contender.bootstrap).map_or(0, |file| file.len()),
        }
    }
}

/// Every runtime's events, in rounds: a tenth of each runtime's events per
/// round, runtime after runtime, so that a slow minute of the machine is
/// shared by all of them instead of spoiling one.
fn warm_runs(
    contenders: &[&Contender],
    tasks: &[TaskRoot],
    cold_starts: Vec<Duration>,
) -> Vec<Figures> {
    let mut warm: Vec<Warm> = contenders
        .iter()
        .zip(tasks)
        .map(|(contender, task)| Warm::start(contender, task))
        .collect();
    for round in 0..ROUNDS {
        eprintln!("round {} of {ROUNDS}", round + 1);
        for runtime in &mut warm {
            runtime.run_round(round);
        }
    }
    warm.into_iter()
        .zip(cold_starts)
        .map(|(runtime, cold_start)| runtime.figures(cold_start))
        .collect()
}

/// The median cold start of each runtime: the time from starting it to its
/// first request for an event (Lambda's Init Duration), over fresh
/// environments; and the median time to start a process that does nothing
/// (`true`) and see it exit. Taken in rounds, one of each per round, so that
/// whatever else the machine is doing weighs on all of them alike.
fn cold_starts(tasks: &[TaskRoot]) -> (Vec<Duration>, Duration) {
    let mut samples = vec![Vec::new(); tasks.len()];
    let mut spawns = Vec::new();
    for _ in 0..COLD_STARTS {
        let started = Instant::now();
        let status = Command::new("true").status().expect("run true");
        assert!(status.success());
        spawns.push(started.elapsed());
        for (task, samples) in tasks.iter().zip(&mut samples) {
            let lambda = LocalLambda::start(unrecorded(task)).expect("start a local Lambda");
            let outcome = invoke_successfully(&lambda, EVENT);
            samples.push(
                outcome
                    .init_duration
                    .expect("the first event meets a cold start"),
            );
        }
    }
    let medians = samples
        .into_iter()
        .map(|samples| Latencies::new(samples).median())
        .collect();
    (medians, Latencies::new(spawns).median())
}

// ANCHOR: floor
/// The floor: the minimal client's two keep-alive round trips per event,
/// against a server that reads each request and sends a canned answer.
/// No runtime and no local Lambda can be faster than this on the machine.
fn floor(events: usize) -> Latencies {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address").to_string();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        serve_canned(stream);
    });
    let mut client = MinimalClient::connect(&address).expect("connect");
    let samples = (0..events)
        .map(|_| {
            let started = Instant::now();
            let event = client.next_invocation().expect("next");
            let id = event
                .header("lambda-runtime-aws-request-id")
                .expect("an id");
            client.send_response(id, &event.body).expect("respond");
            started.elapsed()
        })
        .collect();
    drop(client);
    server.join().expect("the canned server");
    Latencies::new(samples)
}
// ANCHOR_END: floor

/// Answers `GET` with a canned event and anything else with 202, until the
/// client hangs up.
fn serve_canned(stream: TcpStream) {
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let event = format!(
        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\nContent-Length: {}\r\n\r\n{EVENT}",
        EVENT.len()
    );
    let accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let answer = if line.starts_with("GET") {
            &event
        } else {
            accepted
        };
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).expect("a header");
            match line.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse().expect("a length");
                }
                Some(_) => {}
                None => break,
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("the body");
        writer.write_all(answer.as_bytes()).expect("answer");
    }
}

/// The table, the ratios and the targets, as printed and as committed.
fn report(
    figures: &[Figures],
    floor: &Latencies,
    floor_events: usize,
    spawn: Duration,
    machine: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "measured on: {machine}");
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8}",
        "runtime",
        "events",
        "cold",
        "median",
        "p99",
        "CPU/ev",
        "ev/s",
        "RSS 1k",
        "RSS 100k",
        "binary"
    );
    for row in figures {
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8.0} {:>9} {:>9} {:>8}",
            row.name,
            row.events,
            duration_label(micros(row.cold_start)),
            duration_label(micros(row.latencies.median())),
            duration_label(micros(row.latencies.percentile(99.0))),
            cpu_label(row.cpu_per_event),
            row.per_second,
            kib_label(row.memory_first),
            kib_label(row.memory_last),
            size_label(row.binary_bytes),
        );
    }
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>9} {:>9} {:>9}",
        "floor: two round trips",
        floor_events,
        "",
        duration_label(micros(floor.median())),
        duration_label(micros(floor.percentile(99.0))),
    );
    let _ = writeln!(
        out,
        "a bare process spawn (true, start to exit): {}",
        duration_label(micros(spawn))
    );
    out.push('\n');
    out.push_str(&ratios(figures, floor, spawn));
    out
}

fn ratios(figures: &[Figures], floor: &Latencies, spawn: Duration) -> String {
    let find = |name: &str| figures.iter().find(|row| row.name.starts_with(name));
    let (Some(bash), Some(peer), Some(minimal), Some(ureq), Some(own)) = (
        find("bash original"),
        find("lambda_runtime"),
        find("minimal"),
        find("chapter 10"),
        find("chapter 14: Rust"),
    ) else {
        return "(ratios need every runtime: run without --only)\n".to_string();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>14} {:>16} {:>17}",
        "", "ev/s vs bash", "CPU vs AWS's", "median vs AWS's"
    );
    for row in figures {
        let _ = writeln!(
            out,
            "{:<28} {:>13.1}x {:>15.2}x {:>16.2}x",
            row.name,
            row.per_second / bash.per_second,
            cpu_ratio(row, peer),
            median_ratio(row, peer)
        );
    }
    let _ = writeln!(
        out,
        "\nthe local Lambda's ceiling, with the minimal runtime: {:.0} events/s; \
         its median is {:.2}x the floor's",
        minimal.per_second,
        micros(minimal.latencies.median()) / micros(floor.median())
    );
    let _ = writeln!(
        out,
        "own CPU per event vs the minimal runtime: Rust on ureq {:.2}x, Rust on our own HTTP {:.2}x",
        cpu_ratio(ureq, minimal),
        cpu_ratio(own, minimal)
    );
    let floor_ratio = micros(minimal.latencies.median()) / micros(floor.median());
    out.push_str(&targets(
        figures,
        spawn,
        floor_ratio,
        bash,
        peer,
        minimal,
        own,
    ));
    out
}

/// The issue's targets, each with this run's figure and whether it was met.
fn targets(
    figures: &[Figures],
    spawn: Duration,
    floor_ratio: f64,
    bash: &Figures,
    peer: &Figures,
    minimal: &Figures,
    own: &Figures,
) -> String {
    let speedup = |name: &str| {
        figures
            .iter()
            .find(|row| row.name.starts_with(name))
            .map_or(0.0, |row| row.per_second / bash.per_second)
    };
    let per_event = speedup("chapter 11");
    let persistent = speedup("chapter 14: persistent");
    let cold_gap = micros(own.cold_start) - micros(minimal.cold_start);
    // Measured through the local Lambda, even a runtime that does nothing
    // but connect and ask is slower to start than `true` is to run.
    let floor_gap = micros(minimal.cold_start) - micros(spawn);
    let mut rows = vec![
        (
            "bash per event, events/s vs the bash original".to_string(),
            format!("{per_event:.1}x"),
            "at least 10x",
            per_event >= 10.0,
        ),
        (
            "persistent bash, events/s vs the bash original".to_string(),
            format!("{persistent:.1}x"),
            "at least 30x",
            persistent >= 30.0,
        ),
        (
            "Rust on our HTTP, own CPU vs the minimal runtime".to_string(),
            format!("{:.2}x", cpu_ratio(own, minimal)),
            "at most 1.2x",
            cpu_ratio(own, minimal) <= 1.2,
        ),
        (
            "Rust on our HTTP, own CPU vs lambda_runtime".to_string(),
            format!("{:.2}x", cpu_ratio(own, peer)),
            "below 1x",
            cpu_ratio(own, peer) < 1.0,
        ),
        (
            "Rust on our HTTP, cold start minus the minimal runtime's".to_string(),
            format!("{:+.2} ms", cold_gap / 1000.0),
            "at most +0.2 ms",
            cold_gap <= 200.0,
        ),
        (
            "the local Lambda: minimal runtime's median vs the floor".to_string(),
            format!("{floor_ratio:.2}x"),
            "at most 1.5x",
            floor_ratio <= 1.5,
        ),
        (
            "the local Lambda's ceiling, events/s".to_string(),
            format!("{:.0}", minimal.per_second),
            "at least 20000",
            minimal.per_second >= 20_000.0,
        ),
    ];
    let mut peers = String::new();
    for row in figures {
        let (Some(first), Some(last)) = (row.memory_first, row.memory_last) else {
            continue;
        };
        let growth = last as i64 - first as i64;
        if std::ptr::eq(row, peer) {
            // Not a target of ours, but the reason for one.
            let per_event = growth as f64 * 1024.0 / (row.events - FIRST_MEMORY_MARK) as f64;
            let _ = writeln!(
                peers,
                "  (the peer, {}: RSS growth 1k to 100k {growth:+} KiB, {per_event:.0} bytes per event)",
                row.name
            );
            continue;
        }
        rows.push((
            format!("{}, RSS growth 1k to 100k", row.name),
            format!("{growth:+} KiB"),
            "at most +64 KiB",
            growth <= 64,
        ));
    }
    let mut out = String::from("\ntargets:\n");
    for (what, figure, target, met) in rows {
        let verdict = if met { "met" } else { "MISSED" };
        let _ = writeln!(out, "  {what:<58} {figure:>9}  ({target}) {verdict}");
    }
    let _ = writeln!(
        out,
        "  (a bare spawn: the minimal runtime's cold start is {:+.2} ms over running `true`)",
        floor_gap / 1000.0
    );
    out.push_str(&peers);
    out
}

fn median_ratio(row: &Figures, reference: &Figures) -> f64 {
    micros(row.latencies.median()) / micros(reference.latencies.median())
}

fn cpu_ratio(row: &Figures, reference: &Figures) -> f64 {
    row.cpu_per_event.as_secs_f64() / reference.cpu_per_event.as_secs_f64()
}

/// The date of the run (UTC), from `date`: a chart says when it was measured.
fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_default()
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn cpu_label(cpu: Duration) -> String {
    duration_label(micros(cpu))
}

fn kib_label(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".to_string(), |kib| format!("{kib} KiB"))
}

fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// Callers invoking at once in `--environments`.
const CALLERS: usize = 8;
/// The environment counts compared.
const ENVIRONMENT_COUNTS: [usize; 3] = [1, 2, 4];

/// The shell runtimes under eight callers at once with 1, 2 and 4
/// execution environments, on every core: events per second, and what four
/// environments give over one. Every environment is warmed first, so the
/// figures are warm invocations only.
fn environments(binaries: &Path, quick: bool) -> String {
    let runtimes = [
        (
            "bash original (curl)",
            local_lambda::bash_original().join("bootstrap"),
            100,
        ),
        (
            "chapter 11: bash per event",
            binaries.join("chapter-11"),
            300,
        ),
        (
            "chapter 14: persistent bash",
            binaries.join("chapter-14"),
            3_000,
        ),
    ];
    let mut out = format!(
        "{}, {}; {CALLERS} callers at once, unpinned\n",
        measure::machine(),
        today()
    );
    let _ = write!(out, "{:<28} {:>8}", "runtime", "events");
    for count in ENVIRONMENT_COUNTS {
        let _ = write!(out, " {:>11}", format!("N={count} ev/s"));
    }
    let _ = writeln!(out, " {:>8}", "4 vs 1");
    for (name, bootstrap, per_caller) in runtimes {
        let per_caller = if quick { per_caller / 10 } else { per_caller };
        let task = TaskRoot::with_bootstrap(&bootstrap);
        let rates: Vec<f64> = ENVIRONMENT_COUNTS
            .iter()
            .map(|&count| events_per_second(&task, count, per_caller))
            .collect();
        let _ = write!(out, "{name:<28} {:>8}", CALLERS * per_caller);
        for rate in &rates {
            let _ = write!(out, " {rate:>11.0}");
        }
        let _ = writeln!(out, " {:>7.2}x", rates[2] / rates[0]);
    }
    out
}

/// Events per second with `environments` environments and [`CALLERS`]
/// callers, each sending `per_caller` events.
fn events_per_second(task: &TaskRoot, environments: usize, per_caller: usize) -> f64 {
    let mut config = unrecorded(task);
    config.concurrency = environments;
    config.timeout = Duration::from_secs(60);
    let lambda = LocalLambda::start(config).expect("start");
    // As many at once as there are callers: every environment is created.
    let warm_up: Vec<_> = (0..CALLERS)
        .map(|_| lambda.submit(local_lambda::Invocation::new(EVENT)))
        .collect();
    for pending in warm_up {
        assert!(pending.wait().expect("accepted").is_success());
    }
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..CALLERS {
            scope.spawn(|| {
                for _ in 0..per_caller {
                    invoke_successfully(&lambda, EVENT);
                }
            });
        }
    });
    (CALLERS * per_caller) as f64 / started.elapsed().as_secs_f64()
}

/// `local-lambda --serve` as a long load test meets it: the minimal runtime
/// behind the front door, `invocations` through it (one in a hundred with a
/// 100 KB event), and the server's memory after the first 1,000 and at the
/// end. It keeps nothing of an invocation, so it should stay flat.
fn serve_memory(binaries: &Path, invocations: usize) -> String {
    let task = TaskRoot::with_bootstrap(&binaries.join("minimal-runtime"));
    let mut server = Command::new(binaries.join("local-lambda"))
        .arg("--serve")
        .arg("--bootstrap")
        .arg(task.path().join("bootstrap"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start local-lambda --serve");
    let mut log = BufReader::new(server.stderr.take().expect("stderr was piped")).lines();
    let url = harness::invoke_url_in(log.by_ref().map_while(Result::ok))
        .expect("--serve prints the URL to invoke");
    // Its log (START, END, REPORT for every invocation) must be read, or the pipe fills.
    thread::spawn(move || log.for_each(drop));
    let small = EVENT.as_bytes().to_vec();
    let large = format!(r#"{{"padding": "{}"}}"#, "x".repeat(LARGE_EVENT_BYTES - 15)).into_bytes();
    let agent = ureq::Agent::new_with_defaults();
    let mut first_mark = 0;
    for number in 1..=invocations {
        let event = if number % LARGE_EVENT_EVERY == 0 {
            &large
        } else {
            &small
        };
        let answer = agent
            .post(&url)
            .send(&event[..])
            .and_then(|mut response| {
                response
                    .body_mut()
                    .with_config()
                    .limit(u64::MAX)
                    .read_to_vec()
            })
            .expect("an answer through the front door");
        assert_eq!(&answer, event, "the minimal runtime answers the event");
        if number == FIRST_MEMORY_MARK {
            first_mark = measure::resident_kib(server.id()).expect("its RSS");
        }
    }
    let last_mark = measure::resident_kib(server.id()).expect("its RSS");
    let _ = server.kill();
    let _ = server.wait();
    let growth = last_mark.saturating_sub(first_mark);
    format!(
        "local-lambda --serve, {invocations} invocations through the front door \
         (1 in {LARGE_EVENT_EVERY} of {LARGE_EVENT_BYTES} bytes):\n\
         RSS after {FIRST_MEMORY_MARK}: {first_mark} KiB; after {invocations}: {last_mark} KiB; \
         growth {growth} KiB ({}: within {SERVE_GROWTH_LIMIT_KIB} KiB)\n",
        if growth <= SERVE_GROWTH_LIMIT_KIB {
            "met"
        } else {
            "NOT MET"
        }
    )
}

/// Writes the table and the chart to `target/speed/`, and into the book when asked.
fn write_results(report: &str, svg: &str, write_book: bool) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut folders = vec![workspace.join("target/speed")];
    if write_book {
        folders.push(workspace.join("book"));
    }
    for folder in folders {
        fs::create_dir_all(&folder).expect("create the results folder");
        fs::write(folder.join("speed-results.txt"), report).expect("write the table");
        fs::write(folder.join("speed.svg"), svg).expect("write the chart");
        eprintln!("wrote {}", folder.join("speed.svg").display());
    }
}
