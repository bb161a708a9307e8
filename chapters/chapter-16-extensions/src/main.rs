//! The chapter's binary: with `AWS_LAMBDA_RUNTIME_API` set, chapter 11's
//! runtime, which says so when SIGTERM reaches it; without, `cargo run -p
//! chapter-16` runs that runtime under a local Lambda four times and prints
//! what each shows: alone, and with the chapter's bash extension (the
//! runtime hears SIGTERM only in the second); with the telemetry
//! subscriber; and with Lambda's JSON log format at level WARN.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use local_lambda::{FunctionConfig, Invocation, LocalLambda, LogLevel};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let fatal = chapter_11::run();
        fatal.log();
        return ExitCode::FAILURE;
    }
    shutdown_demo();
    telemetry_demo();
    json_logs_demo();
    ExitCode::SUCCESS
}

/// The chapter's bash extension, carried in the binary so that the demo
/// runs from anywhere.
const BASH_EXTENSION: &str = include_str!("../bash/logger");

/// The tutorial's echo handler.
const ECHO_HANDLER: &str = r#"handler() { echo "echo: $1"; }"#;

/// What one run of the demo puts in the function's task root, and how
/// the function is configured.
struct Setup<'a> {
    handler: &'a str,
    /// Each extension's file name, and its contents.
    extensions: Vec<(&'a str, Vec<u8>)>,
    env: Vec<(String, String)>,
    json_logs: Option<LogLevel>,
}

impl Setup<'_> {
    fn echo() -> Setup<'static> {
        Setup {
            handler: ECHO_HANDLER,
            extensions: Vec::new(),
            env: Vec::new(),
            json_logs: None,
        }
    }
}

// ANCHOR: run
/// Runs this program as the runtime under a local Lambda set up as
/// `setup` says, sends `events`, ends the environment, and returns the
/// function's log.
fn run(setup: &Setup<'_>, events: &[&str]) -> Vec<String> {
    let task_root = std::env::temp_dir().join(format!("step-by-step-ch16-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&task_root);
    std::fs::create_dir_all(task_root.join("extensions")).expect("a temporary task root");
    std::fs::write(task_root.join("function.sh"), setup.handler).expect("write function.sh");
    let mut config = FunctionConfig::for_bootstrap(std::env::current_exe().expect("this program"));
    config.task_root = task_root.clone();
    for (name, contents) in &setup.extensions {
        install(&task_root.join("extensions").join(name), contents);
        config.extensions = Some(task_root.join("extensions"));
    }
    config.env = setup.env.clone();
    config.json_logs = setup.json_logs;
    let lambda = LocalLambda::start(config).expect("a local Lambda starts on loopback");
    for event in events {
        lambda
            .invoke(Invocation::new(*event))
            .expect("the event is accepted");
    }
    lambda.shutdown();
    let log = lambda.recording().log();
    let _ = std::fs::remove_dir_all(&task_root);
    log
}
// ANCHOR_END: run

/// Writes an executable file.
fn install(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).expect("write the extension");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the extension executable");
}

fn print(lines: impl IntoIterator<Item = impl AsRef<str>>) {
    for line in lines {
        println!("{}", line.as_ref());
    }
}

// ANCHOR: shutdown-demo
/// One invocation of the echo handler alone, then with the bash extension:
/// the runtime hears SIGTERM only in the second.
fn shutdown_demo() {
    println!("== without an extension ==");
    print(run(&Setup::echo(), &[r#"{"n": 1}"#]));
    println!("== with an extension ==");
    let with_logger = Setup {
        extensions: vec![("logger", BASH_EXTENSION.as_bytes().to_vec())],
        ..Setup::echo()
    };
    print(run(&with_logger, &[r#"{"n": 1}"#]));
}
// ANCHOR_END: shutdown-demo

/// The chapter's telemetry subscriber, built beside this program by
/// `cargo build -p chapter-16` (`cargo run` builds only the program it runs).
fn telemetry_subscriber() -> Option<PathBuf> {
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name("chapter-16-telemetry");
    beside.exists().then_some(beside)
}

// ANCHOR: telemetry-demo
/// Two invocations with the telemetry subscriber installed: Lambda's
/// `REPORT` lines, then the subscriber's lines, which it wrote from the
/// `platform.report` records it was sent. (In the log the two kinds
/// interleave as the records arrive; apart, each is in its own order.)
fn telemetry_demo() {
    println!("== with a telemetry subscriber ==");
    let Some(subscriber) = telemetry_subscriber() else {
        println!("(build the subscriber first: cargo build -p chapter-16)");
        return;
    };
    let setup = Setup {
        extensions: vec![("telemetry", std::fs::read(subscriber).expect("read it"))],
        // Under the local Lambda, records are sent to 127.0.0.1.
        env: vec![(
            "TELEMETRY_LISTEN_ADDRESS".to_string(),
            "127.0.0.1:0".to_string(),
        )],
        ..Setup::echo()
    };
    let log = run(&setup, &[r#"{"n": 1}"#, r#"{"n": 2}"#]);
    println!("Lambda's REPORT lines:");
    print(log.iter().filter(|line| line.starts_with("REPORT")));
    println!("The subscriber's lines:");
    print(log.iter().filter(|line| line.starts_with("telemetry: ")));
}
// ANCHOR_END: telemetry-demo

/// The handler for the JSON logs part: `bash/function.sh`, which writes
/// a record at INFO and one at WARN, and fails on the event "fail".
const JSON_LOGGING_HANDLER: &str = include_str!("../bash/function.sh");

// ANCHOR: json-logs-demo
/// Two invocations, the second failing, with Lambda's JSON log format at
/// level WARN: every line is a JSON record, and those at INFO are gone.
fn json_logs_demo() {
    println!("== JSON logs at level WARN ==");
    let setup = Setup {
        handler: JSON_LOGGING_HANDLER,
        json_logs: Some(LogLevel::Warn),
        ..Setup::echo()
    };
    print(run(&setup, &[r#""fine""#, r#""fail""#]));
}
// ANCHOR_END: json-logs-demo
