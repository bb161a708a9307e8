//! The `local-lambda` command, as the README and the book run it.

use assert_cmd::Command;
use harness::{normalise_output, snapshot_settings};

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
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--timeout expects a number, not \"soon\"")
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
fn serve_mode_takes_invocations_over_http() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut server = Command::new(assert_cmd::cargo::cargo_bin!("local-lambda"))
        .arg("--serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut url = None;
    let mut line = String::new();
    while url.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .map(str::to_string);
        line.clear();
    }
    let url = url.expect("serve mode prints the URL to invoke");
    let answer = ureq::post(&url)
        .send(r#"{"some": "request"}"#)
        .map(|mut response| response.body_mut().read_to_string());
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(
        answer.unwrap().unwrap(),
        r#"Echoing request: '{"some": "request"}'"#
    );
}

#[test]
fn no_bootstrap_needs_serve() {
    let output = local_lambda()
        .args(["--no-bootstrap", "{}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--no-bootstrap only works with --serve")
    );
}
