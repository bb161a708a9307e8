//! The request id, bash beside Rust, on header dumps real and adversarial.
//! Each case writes a dump as `curl -D` would, and runs both steps on it.

use std::path::PathBuf;

use harness::{Ran, TaskRoot, clean_command, snapshot_settings};

/// The example request id from AWS's Runtime API documentation.
const ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

/// A header dump: the status line, the headers, a blank line, each line ended by `eol`.
fn dump(headers: &[&str], eol: &str) -> String {
    let mut text = format!("HTTP/1.1 200 OK{eol}");
    for header in headers {
        text.push_str(&format!("{header}{eol}"));
    }
    text.push_str(eol);
    text
}

fn lambda_headers(id_line: &str) -> Vec<String> {
    vec![
        "Content-Type: application/json".to_string(),
        id_line.to_string(),
        "Lambda-Runtime-Deadline-Ms: 1542409706888".to_string(),
        "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:step-by-step".to_string(),
        "Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_string(),
        "Content-Length: 19".to_string(),
    ]
}

struct Case {
    name: &'static str,
    dump: String,
}

fn case(name: &'static str, headers: &[String], eol: &str) -> Case {
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    Case {
        name,
        dump: dump(&headers, eol),
    }
}

/// Runs both steps on a case's dump; returns the rendered comparison and both runs.
fn run_case(task: &TaskRoot, number: usize, case: &Case) -> (String, Ran, Ran) {
    let file = task.write(&format!("headers-{number}"), &case.dump);
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let bash = Ran::run(clean_command(&step_sh, &[]).arg(&file));
    let rust =
        Ran::run(clean_command(assert_cmd::cargo::cargo_bin!("chapter-05-step"), &[]).arg(&file));
    // Split on LF only, so that each CR stays visible as \r.
    let shown_dump: String = case
        .dump
        .split_terminator('\n')
        .map(|line| format!("  {}\n", line.replace('\r', "\\r")))
        .collect();
    let (bash_shown, rust_shown) = harness::exhibit_runs(case.name, &bash, &rust);
    let text = format!(
        "case: {}\ndump:\n{shown_dump}{bash_shown}{rust_shown}",
        case.name
    );
    (text, bash, rust)
}

#[test]
fn where_bash_and_rust_agree() {
    let id_line = format!("Lambda-Runtime-Aws-Request-Id: {ID}");
    let lower: Vec<String> = lambda_headers(&id_line)
        .iter()
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            format!("{}:{value}", name.to_lowercase())
        })
        .collect();
    let cases = [
        case("as Lambda sends it", &lambda_headers(&id_line), "\r\n"),
        case("names in lower case", &lower, "\r\n"),
        case("lines ended by a bare LF", &lambda_headers(&id_line), "\n"),
    ];
    let task = TaskRoot::new();
    let mut report = String::new();
    for (number, case) in cases.iter().enumerate() {
        let (text, bash, rust) = run_case(&task, number, case);
        assert_eq!(bash, rust, "{}: the chapter says they agree", case.name);
        // The harness shows every UUID as a placeholder; this one is ID.
        harness::claim_eq(
            "both print the id",
            bash.stdout.as_str(),
            "request id: [<request-id-1>]\n",
        );
        report.push_str(&text);
        report.push('\n');
    }
    let report = harness::normalise_output(&report);
    snapshot_settings().bind(|| insta::assert_snapshot!("request_id_agree", report));
}

#[test]
fn where_the_pipeline_goes_wrong() {
    let id_line = format!("Lambda-Runtime-Aws-Request-Id: {ID}");
    let mut spoof = lambda_headers(&id_line);
    spoof.insert(
        1,
        r#"Lambda-Runtime-Client-Context: {"note": "Lambda-Runtime-Aws-Request-Id: spoofed"}"#
            .to_string(),
    );
    let mut twice = lambda_headers(&id_line);
    twice.push("Lambda-Runtime-Aws-Request-Id: 0f4e-second".to_string());
    let mut same_twice = lambda_headers(&id_line);
    same_twice.push(format!("lambda-runtime-aws-request-id:  {ID}"));
    let mut missing = lambda_headers(&id_line);
    missing.remove(1);
    let cases = [
        case("the name inside another header's value", &spoof, "\r\n"),
        case("the header twice", &twice, "\r\n"),
        case("the same id twice", &same_twice, "\r\n"),
        case(
            "a colon in the value",
            &lambda_headers("Lambda-Runtime-Aws-Request-Id: abc:def"),
            "\r\n",
        ),
        case(
            "a space in the value",
            &lambda_headers("Lambda-Runtime-Aws-Request-Id: 8476a536 e9f4"),
            "\r\n",
        ),
        case("no request id at all", &missing, "\r\n"),
    ];
    // What the chapter says of each case: bash's status and output, and
    // what Rust prints (the id) or says (why there is none), checked case
    // by case before the snapshot is.
    let printed = |id: &str| format!("request id: [{id}]\n");
    let claims = [
        (
            (0, printed(r#"{"note""#)),
            Ok(()),
            "grep matched two lines; Rust reads the real one",
        ),
        (
            (0, printed("<request-id-1>Lambda-Runtime-Aws-Request-Id")),
            Err("2 different Lambda-Runtime-Aws-Request-Id headers"),
            "bash glues both lines; Rust refuses two ids",
        ),
        (
            (0, printed("<request-id-1>lambda-runtime-aws-request-id")),
            Ok(()),
            "bash glues both lines; Rust takes the one id both name",
        ),
        (
            (0, printed("abc")),
            Err(r#""abc:def" is not a request id"#),
            "cut keeps the first field",
        ),
        (
            (0, printed("8476a536e9f4")),
            Err(r#""8476a536 e9f4" is not a request id"#),
            "tr removed the space",
        ),
        (
            (1, String::new()),
            Err("without a Lambda-Runtime-Aws-Request-Id header"),
            "both stop; bash without a word",
        ),
    ];
    let task = TaskRoot::new();
    let mut report = String::new();
    for (number, (case, (bash_does, rust_does, claim))) in cases.iter().zip(claims).enumerate() {
        let (text, bash, rust) = run_case(&task, number, case);
        harness::claim_eq(
            &format!("{}: {claim} (bash's status and output)", case.name),
            (bash.status, bash.stdout.as_str()),
            (bash_does.0, bash_does.1.as_str()),
        );
        match rust_does {
            Ok(()) => harness::claim_eq(
                &format!("{}: {claim} (Rust's status and output)", case.name),
                (rust.status, rust.stdout.as_str()),
                (0, printed("<request-id-1>").as_str()),
            ),
            Err(reason) => {
                harness::claim_eq(
                    &format!("{}: {claim} (Rust's status)", case.name),
                    rust.status,
                    1,
                );
                assert!(
                    rust.stderr.contains(reason),
                    "{}: Rust says why, with {reason:?}",
                    case.name
                );
            }
        }
        report.push_str(&text);
        report.push('\n');
    }
    let report = harness::normalise_output(&report);
    snapshot_settings().bind(|| insta::assert_snapshot!("request_id_pitfalls", report));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-05"));
    assert!(
        demo.stdout.starts_with("request id: <request-id-1>\n"),
        "{}",
        demo.stdout
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
