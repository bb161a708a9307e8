//! The chapter's binary: with `AWS_LAMBDA_RUNTIME_API` set, the streaming
//! runtime of `src/lib.rs`; without, `cargo run -p chapter-17` runs the
//! chapter's handler (`bash/function.sh`) under a local Lambda, first with
//! the bash bootstrap that streams through curl, then with this runtime,
//! and prints each piece of each answer as the caller got it, with when it
//! came; then a failure after the first byte, from both; then, from both,
//! an answer to an HTTP caller through a Function URL.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chapter_17::{Arrival, Arrivals};
use local_lambda::{FrontDoor, FunctionConfig, Invocation, LocalLambda, ResponseStream};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        chapter_17::run().log();
        return ExitCode::FAILURE;
    }
    let rust = std::env::current_exe().expect("this program");
    let task_root = TaskRoot::new();
    let bash = task_root.install("bash-bootstrap", BASH_BOOTSTRAP);
    for (name, bootstrap) in [("bash, through curl", &bash), ("Rust", &rust)] {
        println!("== streamed by {name} ==");
        print_answer(&invoke(&task_root, bootstrap, r#""two lines""#));
    }
    for (name, bootstrap) in [("bash", &bash), ("Rust", &rust)] {
        println!("== a failure after the first line, streamed by {name} ==");
        print_answer(&invoke(&task_root, bootstrap, r#""fail-late""#));
    }
    for (name, bootstrap) in [("bash", &bash), ("Rust", &rust)] {
        println!("== an HTTP caller, through a Function URL, streamed by {name} ==");
        function_url(&task_root, bootstrap);
    }
    ExitCode::SUCCESS
}

/// The chapter's bash bootstrap and handler, carried in the binary so that
/// the demo runs from anywhere.
const BASH_BOOTSTRAP: &str = include_str!("../bash/bootstrap");
const HANDLER: &str = include_str!("../bash/function.sh");

/// A temporary task root with the chapter's handler, removed when dropped.
struct TaskRoot(PathBuf);

impl TaskRoot {
    fn new() -> TaskRoot {
        let path = std::env::temp_dir().join(format!("step-by-step-ch17-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary task root");
        std::fs::write(path.join("function.sh"), HANDLER).expect("write function.sh");
        TaskRoot(path)
    }

    /// Writes an executable file into the task root.
    fn install(&self, name: &str, contents: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write the bootstrap");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
        path
    }

    fn config(&self, bootstrap: &Path) -> FunctionConfig {
        let mut config = FunctionConfig::for_bootstrap(bootstrap);
        config.task_root = self.0.clone();
        config
    }
}

impl Drop for TaskRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the caller of one invocation saw.
struct Answer {
    pieces: Vec<Arrival>,
    /// `None` for success, or the error type and message.
    error: Option<(String, String)>,
}

// ANCHOR: invoke
/// Runs `bootstrap` under a local Lambda for one event, read as it comes.
fn invoke(task_root: &TaskRoot, bootstrap: &Path, event: &str) -> Answer {
    let lambda = LocalLambda::start(task_root.config(bootstrap)).expect("a local Lambda");
    let arrivals = Arrivals::new();
    let mut invocation = Invocation::new(event);
    invocation.stream = Some(ResponseStream::new(arrivals.clone()));
    let outcome = lambda.invoke(invocation).expect("the event is taken");
    lambda.shutdown();
    let error = outcome.result.err().map(|error| {
        let document: serde_json::Value = serde_json::from_slice(&error.body).unwrap_or_default();
        let message = document["errorMessage"].as_str().unwrap_or_default();
        (error.error_type, message.to_string())
    });
    Answer {
        pieces: arrivals.pieces(),
        error,
    }
}
// ANCHOR_END: invoke

/// Prints each piece with the second it came in, then how the answer ended.
fn print_answer(answer: &Answer) {
    for (since, piece) in &answer.pieces {
        let text = String::from_utf8_lossy(piece);
        println!("after {since:.0} s: {:?}", text);
    }
    match &answer.error {
        None => println!("the answer ended: success"),
        Some((error_type, message)) => println!("the answer ended: {error_type}: {message}"),
    }
}

// ANCHOR: function-url
/// Serves the function at a Function URL, with the handler `page`, whose
/// answer begins with a prelude, and asks it for `/hello` over HTTP,
/// printing the response's status and type, then each piece of its body
/// as it comes.
fn function_url(task_root: &TaskRoot, bootstrap: &Path) {
    let mut config = task_root.config(bootstrap);
    config.handler = "function.page".to_string();
    config.env = vec![(
        "STREAM_CONTENT_TYPE".to_string(),
        local_lambda::PRELUDE_CONTENT_TYPE.to_string(),
    )];
    let lambda = Arc::new(LocalLambda::start(config).expect("a local Lambda"));
    let front = FrontDoor::start_function_url(lambda.clone(), 0).expect("a port on loopback");
    let asked = Instant::now();
    let mut response = ureq::get(&format!("http://{}/hello", front.address()))
        .call()
        .expect("an answer");
    println!(
        "HTTP {}, Content-Type: {}",
        response.status().as_u16(),
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
    );
    let mut body = response.body_mut().as_reader();
    let mut piece = [0; 1024];
    while let Ok(read @ 1..) = body.read(&mut piece) {
        let since = asked.elapsed().as_secs_f64();
        println!(
            "after {since:.0} s: {:?}",
            String::from_utf8_lossy(&piece[..read])
        );
    }
    drop(front);
    lambda.shutdown();
}
// ANCHOR_END: function-url
