//! The defences of this chapter's runtime, each against the fault it is for.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use harness::{TaskRoot, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, LocalLambda, bash_original};

/// Hangs when its event is the JSON string `"hang"`, quotes and all.
const HANGS: &str = r#"handler() { [ "$1" = '"hang"' ] && sleep 30; echo "done: $1"; }
"#;

fn rust_task() -> TaskRoot {
    let task = TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-11"));
    task.write("hangs.sh", HANGS);
    task
}

fn bash_task() -> TaskRoot {
    let task = TaskRoot::with_bash_original();
    task.write("hangs.sh", HANGS);
    task
}

#[test]
fn a_hanging_handler_is_stopped_before_lambda_stops_everything() {
    let sent = events(&[r#""quick""#, r#""hang""#, r#""quick again""#]);
    let config = |task: &TaskRoot| {
        let mut config = task.config("bootstrap");
        config.handler = "hangs.handler".to_string();
        config.timeout = Duration::from_secs(1);
        config
    };
    let (bash_root, rust_root) = (bash_task(), rust_task());
    let bash = run(config(&bash_root), &sent);
    let rust = run(config(&rust_root), &sent);
    harness::exhibit_run_pair(
        "a one-second timeout, and a handler that hangs",
        &bash,
        &rust,
    );
    let verdict = |name: &str, cold: bool| (name.to_string(), cold);
    harness::claim_eq(
        "Lambda times the bash out, and throws its environment away (each event's verdict, and whether it met a cold start)",
        bash.verdicts(),
        vec![
            verdict("ok", true),
            verdict("Sandbox.Timedout", false),
            verdict("ok", true),
        ],
    );
    harness::claim_eq(
        "the runtime stops its handler in time, reports it, and stays warm (each event's verdict, and whether it met a cold start)",
        rust.verdicts(),
        vec![
            verdict("ok", true),
            verdict("Runtime.HandlerTimedOut", false),
            verdict("ok", false),
        ],
    );
    let report = format!(
        "== bash original ==\n{}\n== chapter 11 ==\n{}",
        bash.results(),
        rust.results()
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("defending_deadline", report));
}

/// The environment the runtime needs to get past init.
fn runtime_command(runtime_api: &str) -> Command {
    let root = bash_original();
    let mut command = harness::clean_command(
        assert_cmd::cargo::cargo_bin!("chapter-11"),
        &[
            ("_HANDLER", "function.handler"),
            ("LAMBDA_TASK_ROOT", root.to_str().unwrap()),
            ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ],
    );
    command.current_dir(root);
    command
}

#[test]
fn an_unreachable_runtime_api_is_tried_five_times_then_given_up() {
    // A "Runtime API" that hangs up on every connection, and counts them.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            // Read the request first: closing with it unread would reset the
            // connection instead, and the runtime would see a different error.
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) && line != "\r\n" {
                line.clear();
            }
        }
    });
    let output = runtime_command(&address).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        5,
        "one try and four retries, no more:\n{stderr}"
    );
    assert_eq!(stderr.matches("trying again in").count(), 4, "{stderr}");
    assert!(
        stderr.contains(&format!("the Runtime API at {address} cannot be reached")),
        "{stderr}"
    );
    let shown = harness::normalise_output(&stderr);
    snapshot_settings().bind(|| insta::assert_snapshot!("defending_unreachable", shown));
}

#[test]
fn sigterm_ends_the_runtime_cleanly_while_it_waits() {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).unwrap();
    let mut runtime = runtime_command(&lambda.runtime_api().unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) until the runtime is parked on its first `next`.
    let parked = (0..200).any(|_| {
        thread::sleep(Duration::from_millis(25));
        lambda
            .recording()
            .exchanges()
            .iter()
            .any(|exchange| exchange.status.is_none())
    });
    assert!(parked, "the runtime asked for an event");
    send_sigterm(runtime.id());
    let status = runtime.wait().unwrap();
    let mut stderr = String::new();
    for line in BufReader::new(runtime.stderr.take().unwrap()).lines() {
        stderr.push_str(&line.unwrap());
    }
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("SIGTERM: the environment is shutting down"),
        "{stderr}"
    );
}

/// Sends SIGTERM to `pid`, as Lambda does at shutdown.
fn send_sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-11"));
    assert!(
        demo.stdout.contains("Runtime.HandlerTimedOut"),
        "{}",
        demo.stdout
    );
    assert!(
        demo.stdout
            .ends_with("\"quick again\" -> done: \"quick again\"\n"),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
