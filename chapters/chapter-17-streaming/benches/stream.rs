//! `cargo bench -p chapter-17`: 200 MiB streamed through the local Lambda
//! with its pace turned off, beside a plain copy of as many bytes over a
//! loopback connection, measured in the same run; and how much the local
//! Lambda's memory grew while it passed them on, which must be little,
//! since it never holds the answer.
//!
//! The runtime is the chapter's, streaming a handler that writes the bytes
//! (`head -c`); the local Lambda runs in this process, so that its memory
//! is this process's.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use local_lambda::{FunctionConfig, Invocation, LocalLambda, ResponseStream, proc_kib};

/// How much is streamed: Lambda's limit for a streamed answer.
const BYTES: usize = 200 * 1024 * 1024;
/// The least speed, as a share of the plain copy's, the local Lambda
/// should keep.
const SPEED_GOAL: f64 = 0.5;
/// The most the local Lambda's memory may grow by, in KiB.
const GROWTH_LIMIT_KIB: u64 = 16 * 1024;

/// Counts what it is given, and keeps none of it.
#[derive(Clone, Default)]
struct Count(Arc<AtomicUsize>);

impl Write for Count {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(bytes.len(), Ordering::Relaxed);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `BYTES` written in 64 KiB pieces to a loopback connection and read at
/// the other end: the time it took.
fn loopback_copy() -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port on loopback");
    let address = listener.local_addr().expect("its address");
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut out = TcpStream::connect(address).expect("connect");
        let piece = vec![0u8; 64 * 1024];
        let mut left = BYTES;
        while left > 0 {
            let now = left.min(piece.len());
            out.write_all(&piece[..now]).expect("write");
            left -= now;
        }
    });
    let (mut input, _) = listener.accept().expect("accept");
    let mut piece = vec![0u8; 64 * 1024];
    let mut read = 0;
    while read < BYTES {
        read += input.read(&mut piece).expect("read");
    }
    writer.join().expect("the writer");
    started.elapsed()
}

/// A function whose handler writes `BYTES` zeros, run by the chapter's
/// runtime, with the pace turned off.
fn function(task_root: &Path) -> FunctionConfig {
    std::fs::create_dir_all(task_root).expect("a task root");
    std::fs::write(
        task_root.join("function.sh"),
        format!("handler() {{ head -c {BYTES} /dev/zero; }}\n"),
    )
    .expect("write function.sh");
    let mut config = FunctionConfig::for_bootstrap(env!("CARGO_BIN_EXE_chapter-17"));
    config.task_root = task_root.to_path_buf();
    config.timeout = Duration::from_secs(120);
    config.limits.stream_shaping = None;
    config.record = false;
    config
}

fn kib(field: &str) -> u64 {
    proc_kib(std::process::id(), "status", field).expect("this process's memory")
}

fn mib_per_second(elapsed: Duration) -> f64 {
    BYTES as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64()
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn main() {
    let task_root =
        std::env::temp_dir().join(format!("step-by-step-ch17-bench-{}", std::process::id()));
    let lambda = LocalLambda::start(function(&task_root)).expect("a local Lambda");
    // A first answer starts the runtime and brings every piece of the
    // local Lambda into memory; the second is measured.
    let count = Count::default();
    let stream = |count: &Count| {
        let mut invocation = Invocation::new("{}");
        invocation.stream = Some(ResponseStream::new(count.clone()));
        invocation
    };
    let warm = lambda.invoke(stream(&count)).expect("the first answer");
    assert!(warm.is_success(), "{warm:?}");
    let copy = loopback_copy();
    let before_kib = kib("VmRSS");
    let count = Count::default();
    let started = Instant::now();
    let outcome = lambda.invoke(stream(&count)).expect("the answer");
    let through = started.elapsed();
    let peak_kib = kib("VmHWM");
    lambda.shutdown();
    let _ = std::fs::remove_dir_all(&task_root);
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(count.0.load(Ordering::Relaxed), BYTES, "every byte came");

    let ratio = copy.as_secs_f64() / through.as_secs_f64();
    let growth = peak_kib.saturating_sub(before_kib);
    println!("200 MiB streamed, the local Lambda's pace off (cargo bench -p chapter-17):");
    println!(
        "  a plain copy over loopback      {:>8.0} MiB/s",
        mib_per_second(copy)
    );
    println!(
        "  through the local Lambda        {:>8.0} MiB/s  {ratio:.2}x the copy (at least {SPEED_GOAL}x) {}",
        mib_per_second(through),
        verdict(ratio >= SPEED_GOAL)
    );
    println!(
        "  the local Lambda's memory grew  {growth:>8} KiB  (at most {GROWTH_LIMIT_KIB} KiB) {}",
        verdict(growth < GROWTH_LIMIT_KIB)
    );
}
