//! Invocations per second through the local Lambda, side by side in one run:
//! the bash original (two `curl` processes and a few more per event), a
//! runtime on `ureq` (the HTTP client the chapters use), and a minimal
//! hand-written keep-alive client, which shows the local Lambda's own ceiling.
//!
//! Run: `cargo bench -p local-lambda` (release build; `-- COUNT` to change
//! the number of native invocations, the bash original gets a tenth).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use harness::{TaskRoot, time_invocations};
use local_lambda::{FunctionConfig, LocalLambda};

const EVENT: &str = r#"{"some": "request"}"#;

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(5_000);
    let bash_count = (count / 10).max(20);
    println!(
        "invocations through the local Lambda, one at a time ({} cores)",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<34} {:>8} {:>12} {:>14}",
        "runtime", "events", "per second", "per event"
    );
    let bash = measure("bash original (curl)", bash_count, bash_original);
    let ureq = measure("Rust, ureq keep-alive", count, |count| {
        embedded(count, ureq_runtime)
    });
    let raw = measure("Rust, hand-written keep-alive", count, |count| {
        embedded(count, raw_runtime)
    });
    println!();
    println!("ureq vs bash:        {:>8.1}x", ureq / bash);
    println!("hand-written vs bash: {:>7.1}x", raw / bash);
}

/// Runs `count` invocations with `run`, prints a row and returns invocations per second.
fn measure(name: &str, count: usize, run: impl FnOnce(usize) -> Duration) -> f64 {
    let elapsed = run(count);
    let per_second = count as f64 / elapsed.as_secs_f64();
    let per_event = elapsed / count as u32;
    println!(
        "{name:<34} {count:>8} {per_second:>12.0} {:>11.1} µs",
        per_event.as_secs_f64() * 1e6
    );
    per_second
}

fn bash_original(count: usize) -> Duration {
    let task = TaskRoot::with_bash_original();
    let mut config = task.config("bootstrap");
    config.timeout = Duration::from_secs(30);
    time_invocations(&LocalLambda::start(config).expect("start"), EVENT, count)
}

/// Runs `count` invocations against an embedded local Lambda whose runtime
/// is `runtime`, a loop on another thread of this process.
fn embedded(count: usize, runtime: fn(String, usize)) -> Duration {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).expect("start");
    let api = lambda.runtime_api().expect("embedded API");
    let worker = thread::spawn(move || runtime(api, count + 1));
    let elapsed = time_invocations(&lambda, EVENT, count);
    worker.join().expect("runtime thread");
    elapsed
}

fn ureq_runtime(api: String, count: usize) {
    let agent = ureq::Agent::new_with_defaults();
    let next = format!("http://{api}/2018-06-01/runtime/invocation/next");
    for _ in 0..count {
        let mut event = agent.get(&next).call().expect("next");
        let id = event.headers()["lambda-runtime-aws-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        let body = event.body_mut().read_to_vec().expect("event");
        let url = format!("http://{api}/2018-06-01/runtime/invocation/{id}/response");
        let mut accepted = agent.post(&url).send(&body[..]).expect("response");
        accepted.body_mut().read_to_vec().expect("202 body");
    }
}

fn raw_runtime(api: String, count: usize) {
    let stream = TcpStream::connect(&api).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    for _ in 0..count {
        write!(
            writer,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n"
        )
        .expect("send next");
        let (id, body) = read_response(&mut reader);
        write!(
            writer,
            "POST /2018-06-01/runtime/invocation/{}/response HTTP/1.1\r\nHost: {api}\r\nContent-Length: {}\r\n\r\n",
            id.expect("a request id"),
            body.len()
        )
        .expect("send response head");
        writer.write_all(&body).expect("send response body");
        read_response(&mut reader);
    }
}

/// Reads one response; returns its request id header, if any, and its body.
fn read_response(reader: &mut BufReader<TcpStream>) -> (Option<String>, Vec<u8>) {
    let (mut id, mut length) = (None, 0);
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("read head");
        let Some((name, value)) = line.trim_end().split_once(':') else {
            if line.trim().is_empty() {
                break;
            }
            continue;
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().expect("length");
        } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
            id = Some(value.trim().to_string());
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("read body");
    (id, body)
}
