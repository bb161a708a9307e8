//! Answering, bash beside Rust: each side POSTs the same response for a
//! real request id to a local Lambda, and the snapshot shows what Lambda
//! received and what the caller got.

use std::path::{Path, PathBuf};

use harness::{Ran, TaskRoot, clean_command, snapshot_settings};
use local_lambda::{FunctionConfig, Invocation, LocalLambda, show_body};

/// What one side did with one response.
struct Delivery {
    ran: Ran,
    /// The content type and body of the POST, as the Runtime API received it.
    received: Option<(String, Vec<u8>)>,
    /// What the invocation's caller got.
    caller_got: Vec<u8>,
}

/// Has the step at `program` answer one invocation with `response` on stdin.
fn deliver(program: &Path, task: &TaskRoot, response: &[u8]) -> Delivery {
    let lambda = LocalLambda::start(FunctionConfig::embedded(task.path())).unwrap();
    let runtime_api = lambda.runtime_api().unwrap();
    let pending = lambda.submit(Invocation::new("{}"));
    let next = ureq::get(&format!(
        "http://{runtime_api}/2018-06-01/runtime/invocation/next"
    ))
    .call()
    .unwrap();
    let id = next.headers()["lambda-runtime-aws-request-id"]
        .to_str()
        .unwrap()
        .to_string();

    let mut command = clean_command(program, &[("AWS_LAMBDA_RUNTIME_API", &runtime_api)]);
    command.arg(&id).current_dir(task.path());
    let output = assert_cmd::Command::from_std(command)
        .write_stdin(response.to_vec())
        .output()
        .unwrap();
    let ran = Ran::from_output(&output);

    if !output.status.success() {
        // Nothing was sent: answer for the step, so the invocation closes.
        ureq::post(&chapter_07::response_url(&runtime_api, &id))
            .send("(nothing was sent)")
            .unwrap();
    }
    let caller_got = pending.wait().unwrap().body().to_vec();
    let post = lambda
        .recording()
        .exchanges()
        .into_iter()
        .find(|exchange| exchange.method == "POST");
    let received = post.filter(|_| output.status.success()).map(|exchange| {
        let content_type = exchange
            .request_headers
            .iter()
            .find(|(name, _)| name == "content-type");
        (
            content_type.map_or("no content type".to_string(), |(_, value)| value.clone()),
            exchange.request_body,
        )
    });
    Delivery {
        ran,
        received,
        caller_got,
    }
}

fn both(task: &TaskRoot, response: &[u8]) -> (Delivery, Delivery) {
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let bash = deliver(&step_sh, task, response);
    let rust = deliver(
        assert_cmd::cargo::cargo_bin!("chapter-07-step"),
        task,
        response,
    );
    let case = format!("the response {}", show_body(response));
    harness::exhibit(
        &case,
        &render_side("bash", &bash),
        &render_side("rust", &rust),
    );
    (bash, rust)
}

fn render(case: &str, response: &[u8], bash: &Delivery, rust: &Delivery) -> String {
    format!(
        "case: {case}\nresponse on stdin: {}\n\n{}{}",
        show_body(response),
        render_side("bash", bash),
        render_side("rust", rust)
    )
}

/// One side's run, what Lambda received and what the caller got.
fn render_side(side: &str, delivery: &Delivery) -> String {
    let mut out = delivery.ran.render(side);
    match &delivery.received {
        Some((content_type, body)) => {
            out.push_str(&format!(
                "Lambda received ({content_type}): {}\n",
                show_body(body)
            ));
        }
        None => out.push_str("Lambda received: nothing\n"),
    }
    out.push_str(&format!(
        "the caller got: {}\n\n",
        show_body(&delivery.caller_got)
    ));
    harness::normalise_output(&out)
}

fn task_root() -> TaskRoot {
    let task = TaskRoot::new();
    task.write("notes.txt", "line one\nline two\n");
    task
}

#[test]
fn ordinary_responses_arrive_alike() {
    let task = task_root();
    let mut report = String::new();
    for response in [
        r#"Echoing request: '{"some": "request"}'"#,
        "quotes ' \" and a * star",
        "line one\nline two",
        "unicode: \u{e9}t\u{e9} \u{1F980}",
    ] {
        let (bash, rust) = both(&task, response.as_bytes());
        assert_eq!(
            bash.caller_got, rust.caller_got,
            "the chapter says they agree for {response:?}"
        );
        assert_eq!(
            rust.caller_got,
            response.as_bytes(),
            "the caller gets it whole"
        );
        assert_eq!(
            bash.received.as_ref().map(|(_, body)| body),
            rust.received.as_ref().map(|(_, body)| body),
            "Lambda receives the same bytes"
        );
        report.push_str(&render(
            &format!("{response:?}"),
            response.as_bytes(),
            &bash,
            &rust,
        ));
    }
    snapshot_settings().bind(|| insta::assert_snapshot!("respond_ordinary", report));
}

#[test]
fn where_curl_d_changes_the_response() {
    let task = task_root();
    let large = format!("Echoing request: '{}'", "x".repeat(1024 * 1024));
    let cases: [(&str, &[u8]); 4] = [
        (
            "a leading @ names a file, which curl sends instead, without its newlines",
            b"@notes.txt",
        ),
        (
            "a leading @ naming no file sends nothing at all",
            b"@missing.txt",
        ),
        ("a NUL byte cannot be in a shell variable", b"before\0after"),
        (
            "1 MiB: too long for one argument of a program",
            large.as_bytes(),
        ),
    ];
    let mut report = String::new();
    let mut results = Vec::new();
    for (case, response) in cases {
        let (bash, rust) = both(&task, response);
        assert_eq!(
            rust.caller_got, response,
            "Rust sends the response as it is: {case}"
        );
        results.push((bash.ran.status, bash.caller_got.clone()));
        report.push_str(&render(case, response, &bash, &rust));
    }
    // What the chapter says of each case, checked before the snapshot is.
    assert_eq!(
        results[0],
        (0, b"line oneline two".to_vec()),
        "curl sent the file"
    );
    assert_eq!(results[1], (0, b"".to_vec()), "curl sent nothing");
    assert_eq!(
        results[2],
        (0, b"beforeafter".to_vec()),
        "bash dropped the NUL"
    );
    assert_eq!(
        results[3],
        (126, b"(nothing was sent)".to_vec()),
        "bash cannot even start curl"
    );
    assert!(report.contains("Argument list too long"), "{report}");
    snapshot_settings().bind(|| insta::assert_snapshot!("respond_changed", report));
}

#[test]
fn an_unknown_request_id_is_refused_and_rust_says_so() {
    let lambda = LocalLambda::start(FunctionConfig::embedded(".")).unwrap();
    let env = [("AWS_LAMBDA_RUNTIME_API", lambda.runtime_api().unwrap())];
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let mut command = clean_command(assert_cmd::cargo::cargo_bin!("chapter-07-step"), &env);
    command.arg("no-such-request");
    let rust = Ran::from_output(
        &assert_cmd::Command::from_std(command)
            .write_stdin("x")
            .output()
            .unwrap(),
    );
    harness::exhibit("a request id Lambda never gave", "", &rust.render("rust"));
    assert_eq!(rust.status, 1, "a refusal is an error");
    assert_eq!(
        rust.stderr,
        "bootstrap: the Runtime API refused the response with 400: {\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}\n"
    );
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-07"));
    assert!(
        demo.stdout
            .ends_with("@answers are sent as they are:\n  newlines, a leading @, all of it\n")
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
