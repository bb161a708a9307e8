//! The chapter's two streaming runtimes, bash with curl and Rust, under the
//! local Lambda with the chapter's handler: the caller gets the same pieces
//! at the same moments from both; after a failure past the first byte only
//! the Rust runtime, which can send trailers, tells the caller; and an HTTP
//! caller of a Function URL gets the status and type of the prelude.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chapter_17::Arrivals;
use harness::{TaskRoot, snapshot_settings};
use local_lambda::{FrontDoor, Invocation, LocalLambda, ResponseStream};

fn chapter() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_runtime() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("chapter-17")
}

/// A task root with the chapter's handler and `bootstrap`.
fn task(bootstrap: &Path) -> TaskRoot {
    let task = TaskRoot::new();
    task.write_executable("bootstrap", std::fs::read(bootstrap).unwrap());
    task.copy_in(&chapter().join("bash/function.sh"));
    task
}

/// What a caller reading an answer as it comes got: each piece with the
/// second it came in, and the error type if the invocation failed.
type Answer = (Vec<(f64, String)>, Option<String>);

/// Invokes `event` on `lambda`, reading the answer as it comes.
fn read_answer(lambda: &LocalLambda, event: &str) -> Answer {
    let arrivals = Arrivals::new();
    let mut invocation = Invocation::new(event);
    invocation.stream = Some(ResponseStream::new(arrivals.clone()));
    let outcome = lambda.invoke(invocation).unwrap();
    let pieces = arrivals
        .pieces()
        .into_iter()
        .map(|(since, bytes)| (since, String::from_utf8_lossy(&bytes).into_owned()))
        .collect();
    (pieces, outcome.result.err().map(|error| error.error_type))
}

/// The answer to `event` from the chapter's handler run by `bootstrap`.
fn streamed(bootstrap: &Path, event: &str) -> Answer {
    let task = task(bootstrap);
    let lambda = LocalLambda::start(task.config("bootstrap")).unwrap();
    let answer = read_answer(&lambda, event);
    lambda.shutdown();
    answer
}

fn texts(pieces: &[(f64, String)]) -> Vec<&str> {
    pieces.iter().map(|(_, text)| text.as_str()).collect()
}

/// A chunk, as text a reader can compare.
fn chunk_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&chapter_17::chunk(bytes)).into_owned()
}

#[test]
fn a_chunk_begins_with_its_size_in_hexadecimal() {
    // The size is what comes before the first line end.
    let size = |bytes: &[u8]| {
        let text = chunk_text(bytes);
        text.split(['\r', '\n'])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    harness::claim_eq(
        "the size of 11 bytes, \"first line\\n\"",
        size(b"first line\n"),
        "b".to_string(),
    );
    harness::claim_eq(
        "the size of 300 bytes",
        size(&[b'x'; 300]),
        "12c".to_string(),
    );
}

#[test]
fn a_chunk_ends_each_line_with_cr_lf() {
    harness::claim_eq(
        "the chunk of \"first line\\n\"",
        chunk_text(b"first line\n"),
        "b\r\nfirst line\n\r\n".to_string(),
    );
}

#[test]
fn what_the_local_lambda_reads_back_is_what_was_framed() {
    let mut framed = chapter_17::chunk(b"hello, ");
    framed.extend(chapter_17::chunk(b"world"));
    framed.extend_from_slice(b"0\r\n\r\n");
    let read = local_lambda::http::read_chunked_body(&mut &framed[..], 1024)
        .map(|body| String::from_utf8_lossy(&body).into_owned())
        .map_err(|error| error.to_string());
    harness::claim_eq(
        "two chunks, then the last, read back",
        read,
        Ok("hello, world".to_string()),
    );
}

#[test]
fn bash_and_rust_stream_the_same_pieces_at_the_same_moments() {
    let bash = streamed(&chapter().join("bash/bootstrap"), r#""two lines""#);
    let rust = streamed(rust_runtime(), r#""two lines""#);
    for (side, (pieces, error)) in [("bash", &bash), ("rust", &rust)] {
        harness::claim_eq(
            &format!("the pieces the caller of {side} got, and its error"),
            (texts(pieces), error.clone()),
            (vec!["first line\n", "second line\n"], None),
        );
        let (first, second) = (pieces[0].0, pieces[1].0);
        assert!(
            first < 0.5,
            "{side}: the first byte at once, not after the handler: {first} s"
        );
        assert!(
            (0.9..1.5).contains(&(second - first)),
            "{side}: the second line a second later: {first} s, {second} s"
        );
    }
    let gap = (bash.0[0].0 - rust.0[0].0).abs();
    assert!(
        gap < 0.3,
        "the first byte about as soon from both: {gap} s apart"
    );
}

#[test]
fn after_the_first_byte_only_trailers_can_tell_the_caller_of_a_failure() {
    let (bash, bash_error) = streamed(&chapter().join("bash/bootstrap"), r#""fail-late""#);
    let (rust, rust_error) = streamed(rust_runtime(), r#""fail-late""#);
    harness::claim_eq(
        "what bash's caller got: curl ends the body as if all went well",
        (texts(&bash), bash_error.as_deref()),
        (vec!["first line\n"], None),
    );
    harness::claim_eq(
        "what the Rust runtime's caller got: the failure, from the trailers",
        (texts(&rust), rust_error.as_deref()),
        (vec!["first line\n"], Some("Runtime.HandlerFailed")),
    );
}

/// Asks the handler `page` for `/hello` through a Function URL, with
/// `bootstrap` as the runtime (and its handler in `file`): the status, the
/// content type, and the body with the moment its first line came.
fn through_a_function_url(bootstrap: &Path, file: &str) -> (u16, String, String, f64) {
    let task = task(bootstrap);
    task.copy_in(&chapter().join(file));
    let name = Path::new(file).file_stem().unwrap().to_str().unwrap();
    let mut config = task.config("bootstrap");
    config.handler = format!("{name}.page");
    config.timeout = std::time::Duration::from_secs(30);
    config.env = vec![
        (
            "STREAM_CONTENT_TYPE".to_string(),
            local_lambda::PRELUDE_CONTENT_TYPE.to_string(),
        ),
        ("R_HANDLER_STYLE".to_string(), "string".to_string()),
    ];
    let lambda = Arc::new(LocalLambda::start(config).unwrap());
    let front = FrontDoor::start_function_url(lambda.clone(), 0).unwrap();
    let asked = Instant::now();
    let mut response = ureq::get(&format!("http://{}/hello", front.address()))
        .call()
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let mut body = response.body_mut().as_reader();
    let mut first = vec![0; "<p>first line</p>\n".len()];
    body.read_exact(&mut first).unwrap();
    let first_at = asked.elapsed().as_secs_f64();
    let mut text = String::from_utf8(first).unwrap();
    body.read_to_string(&mut text).unwrap();
    drop(front);
    lambda.shutdown();
    (status, content_type, text, first_at)
}

#[test]
fn a_function_url_caller_gets_the_handlers_status_and_type_then_the_body_as_it_comes() {
    let r = Path::new(env!("CARGO_BIN_EXE_chapter-17-r")).to_path_buf();
    let with_r = harness::have_r(
        "a_function_url_caller_gets_the_handlers_status_and_type_then_the_body_as_it_comes",
    );
    let runtimes = [
        ("bash", chapter().join("bash/bootstrap"), "bash/function.sh"),
        ("rust", rust_runtime().to_path_buf(), "bash/function.sh"),
        ("R", r, "r/stream.R"),
    ];
    for (side, bootstrap, file) in runtimes
        .into_iter()
        .filter(|(side, _, _)| *side != "R" || with_r)
    {
        let (status, content_type, body, first_at) = through_a_function_url(&bootstrap, file);
        assert_eq!(
            (status, content_type.as_str()),
            (200, "text/html"),
            "{side}"
        );
        assert_eq!(
            body, "<p>first line</p>\n<p>second line</p>\n",
            "{side}: the body, without the prelude"
        );
        assert!(
            first_at < 0.5,
            "{side}: the first line before the handler is done: {first_at} s"
        );
    }
}

#[test]
fn the_demo_shows_both_streams_the_late_failure_and_the_http_answer() {
    let demo = harness::run_demo(rust_runtime());
    // Three parts, each a snapshot of its own for its place in the page.
    let (streams, rest) = demo
        .stdout
        .split_once("== a failure after the first line, streamed by bash ==")
        .expect("the failure part");
    let (failure, http) = rest
        .split_once("== an HTTP caller")
        .expect("the Function URL part");
    let failure = format!("== a failure after the first line, streamed by bash =={failure}");
    let http = format!("== an HTTP caller{http}");
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("demo_streams", streams);
        insta::assert_snapshot!("demo_late_failure", failure);
        insta::assert_snapshot!("demo_function_url", http);
    });
}

/// The R handler's answers to `events`, one invocation each, in one
/// environment.
fn streamed_by_r(events: &[&str]) -> Vec<Answer> {
    let task = task(Path::new(env!("CARGO_BIN_EXE_chapter-17-r")));
    task.copy_in(&chapter().join("r/stream.R"));
    let mut config = task.config("bootstrap");
    config.handler = "stream.handler".to_string();
    config.timeout = std::time::Duration::from_secs(30);
    config.env = vec![("R_HANDLER_STYLE".to_string(), "string".to_string())];
    let lambda = LocalLambda::start(config).unwrap();
    let answers = events
        .iter()
        .map(|event| read_answer(&lambda, event))
        .collect();
    lambda.shutdown();
    answers
}

#[test]
fn the_r_runtime_streams_too_and_reports_a_late_failure_in_the_trailers() {
    if !harness::have_r("the_r_runtime_streams_too_and_reports_a_late_failure_in_the_trailers") {
        return;
    }
    // The first invocation waits for R to start; the second is measured.
    let answers = streamed_by_r(&[r#""two lines""#, r#""two lines""#, r#""fail-late""#]);
    let (pieces, error) = &answers[1];
    assert_eq!(texts(pieces), ["first line\n", "second line\n"]);
    assert_eq!(*error, None);
    let (first, second) = (pieces[0].0, pieces[1].0);
    assert!(first < 0.5, "R's first line at once: {first} s");
    assert!(
        (0.9..1.5).contains(&(second - first)),
        "{first} s, then {second} s"
    );
    let (pieces, error) = &answers[2];
    assert_eq!(texts(pieces), ["first line\n"]);
    assert_eq!(
        error.as_deref(),
        Some("simpleError"),
        "R's condition, in the trailers"
    );
}
