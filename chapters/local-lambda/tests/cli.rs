//! The `local-lambda` command, as the README and the book run it.

use assert_cmd::Command;
use harness::{normalise_output, snapshot_settings};

mod common;

use common::{Server, marked};

fn local_lambda() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("local-lambda"))
}

/// The command and what it printed, stdout and stderr apart, normalised.
fn console(args: &[&str], output: &std::process::Output) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|arg| {
            if arg.contains(' ') {
                format!("'{arg}'")
            } else {
                arg.to_string()
            }
        })
        .collect();
    normalise_output(&format!(
        "$ cargo run -p local-lambda -- {}\n-- exit status: {} --\n-- stdout --\n{}-- stderr --\n{}",
        shown.join(" "),
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    ))
}

#[test]
fn runs_the_tutorials_event_through_the_bash_original() {
    let args = [r#"{"some": "request"}"#];
    let output = local_lambda().args(args).output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        output.stdout,
        b"Echoing request: '{\"some\": \"request\"}'\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "] {
        assert_eq!(stderr.matches(line).count(), 1, "{line} in:\n{stderr}");
    }
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("cli_tutorial_event", console(&args, &output)));
}

#[test]
fn trace_prints_each_exchange_as_it_happens_with_its_time() {
    let output = local_lambda()
        .args(["--trace", r#"{"traced": true}"#])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let traced: Vec<(f64, &str)> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("[runtime api "))
        .map(|rest| {
            let (ms, what) = rest
                .split_once(" ms] ")
                .expect("a time, then what happened");
            (ms.trim().parse().expect("milliseconds"), what)
        })
        .collect();
    let steps: Vec<&str> = traced.iter().map(|(_, what)| *what).collect();
    assert_eq!(
        steps[..4],
        [
            "GET /2018-06-01/runtime/invocation/next",
            "  -> 200",
            steps[2],
            "  -> 202"
        ],
        "{stderr}"
    );
    assert!(
        steps[2].starts_with("POST /2018-06-01/runtime/invocation/")
            && steps[2].ends_with("/response"),
        "{stderr}"
    );
    assert!(
        traced.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "times only grow: {stderr}"
    );
    assert!(
        stderr.contains("     body: {\"traced\": true}\n"),
        "the event's body is shown: {stderr}"
    );
}

#[test]
fn several_events_in_a_row_from_stdin_lines() {
    let output = local_lambda()
        .args(["--lines", "-"])
        .write_stdin("1\n2\n3\n")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        output.stdout,
        b"Echoing request: '1'\nEchoing request: '2'\nEchoing request: '3'\n"
    );
}

#[test]
fn a_failed_invocation_exits_non_zero_with_the_error_on_stdout() {
    let task = harness::TaskRoot::new();
    let bootstrap = task.write_executable("bootstrap", "#!/bin/bash\nexit 4\n");
    let output = local_lambda()
        .args(["--bootstrap", bootstrap.to_str().unwrap(), "{}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(r#""errorType":"Runtime.ExitError""#),
        "{stdout}"
    );
    assert!(
        stdout.contains("Runtime exited with error: exit status 4"),
        "{stdout}"
    );
}

#[test]
fn a_usage_error_names_the_problem_and_exits_2() {
    let output = local_lambda().args(["--timeout", "soon"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value 'soon' for '--timeout <SECONDS>'")
            && stderr.contains("a number of seconds above 0"),
        "{stderr}"
    );
    let unknown = local_lambda().args(["--concurency", "2"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("unexpected argument '--concurency'")
            && stderr.contains("a similar argument exists: '--concurrency'"),
        "{stderr}"
    );
    let missing_value = local_lambda().arg("--bootstrap").output().unwrap();
    assert_eq!(missing_value.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing_value.stderr)
            .contains("a value is required for '--bootstrap <PATH>'")
    );
    let missing = local_lambda()
        .args(["--bootstrap", "/nowhere/bootstrap", "{}"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("bootstrap /nowhere/bootstrap: No such file")
    );
}

#[test]
fn help_and_version_answer_on_stdout() {
    let help = local_lambda().arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--bootstrap <PATH>",
        "--concurrency <N>",
        "--watch",
        "--serve",
        "exit status",
    ] {
        assert!(text.contains(option), "{option} in:\n{text}");
    }
    let version = local_lambda().arg("--version").output().unwrap();
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("local-lambda {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_answer_that_is_not_utf8_reaches_stdout_byte_for_byte() {
    let task = harness::TaskRoot::new();
    // Answers the bytes ff fe 00 80 (not UTF-8, one of them NUL) to every event.
    let bootstrap = task.write_executable(
        "bootstrap",
        r#"#!/bin/bash
set -euo pipefail
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
headers=$(mktemp)
curl -sS -D "$headers" -o /dev/null "$api/next"
id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
printf '\xff\xfe\x00\x80' | curl -sS -o /dev/null --data-binary @- "$api/$id/response"
sleep 5
"#,
    );
    let output = local_lambda()
        .args(["--bootstrap", bootstrap.to_str().unwrap(), "{}"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"\xff\xfe\x00\x80\n");
}

#[test]
fn the_default_runtime_runs_from_any_folder_without_the_source_tree() {
    // As `cargo install --path chapters/local-lambda` leaves it: the binary
    // alone, run from elsewhere. Its bash original is built in and unpacked.
    let elsewhere = harness::TaskRoot::new();
    let binary = elsewhere.copy_in(assert_cmd::cargo::cargo_bin!("local-lambda"));
    let temp = harness::TaskRoot::new();
    let output = Command::new(&binary)
        .current_dir(elsewhere.path())
        .env("TMPDIR", temp.path())
        .arg(r#"{"some": "request"}"#)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        output.stdout,
        b"Echoing request: '{\"some\": \"request\"}'\n"
    );
    let unpacked: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("local-lambda-bash-")
        })
        .collect();
    assert_eq!(unpacked.len(), 1, "one unpacked bash original");
    let folder = unpacked[0].path();
    assert_eq!(
        std::fs::read(folder.join("bootstrap")).unwrap(),
        std::fs::read(local_lambda::bash_original().join("bootstrap")).unwrap()
    );
}

#[test]
fn serve_mode_takes_invocations_over_http() {
    let server = Server::start(&[]);
    assert_eq!(
        server.invoke(r#"{"some": "request"}"#),
        r#"Echoing request: '{"some": "request"}'"#
    );
}

#[test]
fn with_concurrency_two_events_at_once_get_an_environment_each() {
    let task = harness::TaskRoot::with_bash_original();
    // Slow enough that the second event comes while the first is running.
    task.write(
        "function.sh",
        "function handler () {\n  sleep 1\n  echo \"Slept on: $1\"\n}\n",
    );
    let bootstrap = task.path().join("bootstrap");
    let server = Server::start(&[
        "--concurrency",
        "2",
        "--bootstrap",
        bootstrap.to_str().unwrap(),
    ]);
    let answers: Vec<String> = std::thread::scope(|scope| {
        let callers: Vec<_> = ["1", "2"]
            .map(|event| scope.spawn(|| server.invoke(event)))
            .into_iter()
            .collect();
        callers
            .into_iter()
            .map(|caller| caller.join().unwrap())
            .collect()
    });
    assert_eq!(answers, ["Slept on: 1", "Slept on: 2"]);
    let stderr = server.stderr_once(|text| text.matches("REPORT RequestId").count() == 2);
    for environment in ["[env 1]", "[env 2]"] {
        for line in ["START RequestId", "END RequestId", "REPORT RequestId"] {
            let wanted = format!("{environment} {line}");
            assert!(stderr.contains(&wanted), "{wanted} in:\n{stderr}");
        }
    }
}

#[test]
fn with_watch_an_edited_handler_answers_the_next_invocation() {
    let task = harness::TaskRoot::with_bash_original();
    let bootstrap = task.path().join("bootstrap");
    let mark = format!("MARK=watch-{}", std::process::id());
    let server = Server::start(&[
        "--watch",
        "--bootstrap",
        bootstrap.to_str().unwrap(),
        "--env",
        &mark,
    ]);
    assert_eq!(server.invoke("1"), "Echoing request: '1'");
    assert_eq!(server.invoke("2"), "Echoing request: '2'");
    let first_environment: Vec<u32> = marked(&mark[5..]).iter().map(|(pid, _)| *pid).collect();
    assert!(!first_environment.is_empty());
    task.write(
        "function.sh",
        "function handler () {\n  echo \"Edited, and given: $1\"\n}\n",
    );
    assert_eq!(server.invoke("3"), "Edited, and given: 3");
    let stderr = server.stderr_once(|text| text.matches("REPORT RequestId").count() == 3);
    assert_eq!(
        stderr
            .matches("function.sh changed; starting a fresh environment")
            .count(),
        1,
        "{stderr}"
    );
    // The second invocation was warm; the third started a fresh environment.
    assert_eq!(stderr.matches("Init Duration").count(), 2, "{stderr}");
    let still_running: Vec<(u32, String)> = marked(&mark[5..])
        .into_iter()
        .filter(|(pid, _)| first_environment.contains(pid))
        .collect();
    assert_eq!(
        still_running,
        [],
        "the first environment's processes are gone"
    );
}

#[test]
fn no_bootstrap_needs_serve() {
    let output = local_lambda()
        .args(["--no-bootstrap", "{}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the following required arguments were not provided")
            && stderr.contains("--serve"),
        "{stderr}"
    );
}

#[test]
fn an_event_that_is_not_json_is_refused_unless_allowed() {
    let refused = local_lambda()
        .args(["not json", r#"{"a": 1}"#])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "one invocation failed");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "invocation refused: InvalidRequestContentException: Could not parse request body into json"
        ) && stderr.contains("--allow-non-json"),
        "Lambda's error, and the way round it:\n{stderr}"
    );
    assert_eq!(stderr.matches("START RequestId").count(), 1, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&refused.stdout),
        "Echoing request: '{\"a\": 1}'\n",
        "the JSON event still ran"
    );

    let allowed = local_lambda()
        .args(["--allow-non-json", "not json"])
        .output()
        .unwrap();
    assert!(allowed.status.success(), "{allowed:?}");
    assert_eq!(
        String::from_utf8_lossy(&allowed.stdout),
        "Echoing request: 'not json'\n"
    );
}

#[test]
fn the_logging_flags_set_lambdas_logging_configuration() {
    let json = |extra: &[&str]| {
        let mut args = vec!["--log-format", "json"];
        args.extend_from_slice(extra);
        args.push("{}");
        let output = local_lambda().args(&args).output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let default = json(&[]);
    assert!(
        default.contains(r#""type":"platform.start""#)
            && default.contains(r#""type":"platform.report""#)
            && !default.contains("platform.runtimeDone"),
        "{default}"
    );
    let debug = json(&["--system-log-level", "DEBUG"]);
    assert!(
        debug.contains(r#""type":"platform.runtimeDone""#),
        "{debug}"
    );

    for (args, named) in [
        (
            &["--log-level", "WARN", "{}"][..],
            "--log-level needs --log-format json",
        ),
        (
            &["--system-log-level", "DEBUG", "{}"][..],
            "--system-log-level needs --log-format json",
        ),
        (
            &["--log-format", "json", "--system-log-level", "ERROR", "{}"][..],
            "expected DEBUG, INFO or WARN",
        ),
    ] {
        let output = local_lambda().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(named),
            "{args:?}: {stderr}"
        );
    }
}
