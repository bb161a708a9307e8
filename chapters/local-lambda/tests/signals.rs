//! Nothing outlives the local Lambda: after Ctrl-C (SIGINT to the
//! command's process group, as a terminal sends it) or SIGTERM, while
//! handlers sleep, every runtime and every process it started is gone, and
//! the command exits as a shell expects (128 + the signal's number). Even
//! killed outright (SIGKILL), it takes its runtimes with it.
//!
//! The processes of an environment are found by a variable only they
//! have: the function's own `MARK`, which the runtime and everything it
//! starts inherit.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, marked};
use harness::TaskRoot;

/// The bash original's `bootstrap`, with a handler that sleeps 30 s.
fn sleepy_task() -> TaskRoot {
    let task = TaskRoot::with_bash_original();
    task.write(
        "function.sh",
        "function handler () {\n  sleep 30\n  echo '{\"slept\": 30}'\n}\n",
    );
    task
}

/// A value for `MARK` no other test uses.
fn mark(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

/// Waits until `count` of the marked processes are `sleep`s: every
/// handler is running.
fn until_sleeping(mark: &str, count: usize) {
    let give_up = Instant::now() + Duration::from_secs(20);
    while marked(mark)
        .iter()
        .filter(|(_, name)| name == "sleep")
        .count()
        < count
    {
        assert!(
            Instant::now() < give_up,
            "the handlers never started: {:?}",
            marked(mark)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The marked processes left once the command has exited, by name. A
/// process sent SIGKILL is gone within moments; a second is ample.
fn left_behind(mark: &str) -> Vec<String> {
    let give_up = Instant::now() + Duration::from_secs(1);
    loop {
        let left: Vec<String> = marked(mark).into_iter().map(|(_, name)| name).collect();
        if left.is_empty() || Instant::now() > give_up {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `signal` to the process group `child` leads, as a terminal's Ctrl-C
/// reaches every process of the foreground job.
fn to_group(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) with a negative pid signals a process group this
    // test started; it touches no memory.
    unsafe { libc::kill(-(child.id() as libc::pid_t), signal) };
}

fn to_process(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on a child this test started and has not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
}

/// Waits for `child` to exit; its status code and what it wrote to stderr.
fn exit_of(child: Child) -> (Option<i32>, String) {
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn ctrl_c_on_the_command_ends_the_runtime_and_its_handler() {
    let task = sleepy_task();
    let mark = mark("ctrl-c-command");
    let command = Command::new(assert_cmd::cargo::cargo_bin!("local-lambda"))
        .args(["--bootstrap", "bootstrap", "--timeout", "60"])
        .args(["--env", &format!("MARK={mark}"), "{}"])
        .current_dir(task.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    until_sleeping(&mark, 1);
    to_group(&command, libc::SIGINT);
    let (status, stderr) = exit_of(command);
    assert_eq!(status, Some(130), "128 + SIGINT's 2:\n{stderr}");
    assert!(
        stderr.contains("SIGINT: ended environment 1: runtime "),
        "it says what it stopped:\n{stderr}"
    );
    assert_eq!(left_behind(&mark), Vec::<String>::new(), "{stderr}");
}

/// Four handlers asleep in four environments of `local-lambda --serve`,
/// then `signal`, sent to the group (as Ctrl-C) or to the command alone.
fn serve_four_then(signal: libc::c_int, whole_group: bool, test: &str) -> (Option<i32>, String) {
    let task = sleepy_task();
    let mark = mark(test);
    let bootstrap = task.path().join("bootstrap");
    let server = Server::start(&[
        "--bootstrap",
        bootstrap.to_str().unwrap(),
        "--concurrency",
        "4",
        "--timeout",
        "60",
        "--env",
        &format!("MARK={mark}"),
    ]);
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let url = server.url.clone();
            // The callers' connections break when the local Lambda exits.
            std::thread::spawn(move || ureq::post(&url).send("{}").is_ok())
        })
        .collect();
    until_sleeping(&mark, 4);
    if whole_group {
        to_group(&server.child, signal);
    } else {
        to_process(&server.child, signal);
    }
    let stderr_after = server.stderr_once(|text| text.contains("ended environment"));
    let mut server = server;
    let status = server.child.wait().unwrap().code();
    for caller in callers {
        let _ = caller.join();
    }
    assert_eq!(left_behind(&mark), Vec::<String>::new(), "{stderr_after}");
    (status, stderr_after)
}

#[test]
fn sigterm_to_serve_ends_all_four_environments() {
    let (status, stderr) = serve_four_then(libc::SIGTERM, false, "sigterm-serve");
    assert_eq!(status, Some(143), "128 + SIGTERM's 15:\n{stderr}");
    for environment in 1..=4 {
        assert!(
            stderr.contains(&format!("environment {environment}: runtime ")),
            "environment {environment} is named:\n{stderr}"
        );
    }
}

#[test]
fn ctrl_c_on_serve_ends_all_four_environments() {
    let (status, stderr) = serve_four_then(libc::SIGINT, true, "ctrl-c-serve");
    assert_eq!(status, Some(130), "{stderr}");
}

/// A runtime that never gives up: when the Runtime API cannot be reached,
/// it waits 0.1 s and asks again, as a runtime that retries on connection
/// errors does. Nothing of its own would ever end it.
const RETRYING_BOOTSTRAP: &str = r#"#!/bin/bash
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  id=$(curl -sS -D - -o /dev/null "$api/next" 2>/dev/null |
    tr -d '\r' | sed -n 's/^lambda-runtime-aws-request-id: //Ip') || true
  if [ -z "$id" ]; then
    sleep 0.1
    continue
  fi
  curl -sS -o /dev/null -d '"answered"' "$api/$id/response" || true
done
"#;

#[test]
fn sigkill_to_serve_takes_its_runtimes_with_it() {
    let task = TaskRoot::new();
    task.write_executable("bootstrap", RETRYING_BOOTSTRAP);
    let mark = mark("sigkill-serve");
    let bootstrap = task.path().join("bootstrap");
    let mut server = Server::start(&[
        "--bootstrap",
        bootstrap.to_str().unwrap(),
        "--env",
        &format!("MARK={mark}"),
    ]);
    assert_eq!(server.invoke("{}"), "\"answered\"");
    // The runtime, and the subshells of its `$(...)`, are all `bootstrap`.
    assert!(
        marked(&mark).iter().any(|(_, name)| name == "bootstrap"),
        "the runtime waits for its next event: {:?}",
        marked(&mark)
    );
    // Killed outright, the local Lambda can end nothing itself: the kernel
    // does, as the runtime's parent dies.
    to_process(&server.child, libc::SIGKILL);
    server.child.wait().unwrap();
    let left = left_behind(&mark);
    // A failing run must not leave its runtime looping for ever.
    for (pid, _) in marked(&mark) {
        // SAFETY: kill(2) on a process of this test's own function.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    assert_eq!(
        left,
        Vec::<String>::new(),
        "the runtime outlived the local Lambda"
    );
}
