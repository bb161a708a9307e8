//! The table of bad inputs and faults (chapter 11, and again chapter 14):
//! each row one case, run through a local Lambda with the bash original
//! and with a runtime of the book, two events per row (the fault, then an
//! ordinary event). Building the table checks, for every row, that the
//! runtime answered every event it was given exactly once, with a response
//! or an error report: no event lost.

use std::path::Path;
use std::time::Duration;

use local_lambda::Invocation;

use crate::{Run, TaskRoot, run};

struct Row {
    case: &'static str,
    handler: &'static str,
    event: Vec<u8>,
    timeout: Duration,
}

fn row(case: &'static str, event: impl Into<Vec<u8>>) -> Row {
    Row {
        case,
        handler: "faults.handler",
        event: event.into(),
        timeout: Duration::from_secs(3),
    }
}

/// A JSON string of `size` bytes in all, quotes included: `"xx…x"`.
fn json_string_of(size: usize) -> Vec<u8> {
    format!("\"{}\"", "x".repeat(size - 2)).into_bytes()
}

/// The events are JSON, as Lambda's always are (its Invoke API refuses
/// anything else), except the NUL byte's: only a local tool can send that.
fn rows() -> Vec<Row> {
    vec![
        Row {
            handler: "function.handler",
            ..row("the tutorial's event", r#"{"some": "request"}"#)
        },
        row(
            "shell syntax in the event",
            r#""$(touch pwned); rm -rf * `reboot`""#,
        ),
        // Not JSON, on purpose: a local tool can send a NUL byte, Lambda cannot.
        row("a NUL byte in the event", "before\0after"),
        row(
            "an event of 6 MiB, the limit",
            json_string_of(6 * 1024 * 1024),
        ),
        row("a response one byte over the limit", r#""huge""#),
        row("a handler that fails", r#""fail""#),
        row("a handler that kills itself", r#""crash""#),
        Row {
            timeout: Duration::from_secs(1),
            ..row("a handler past its deadline (1 s)", r#""hang""#)
        },
        row("a handler that prints nothing", r#""quiet""#),
        Row {
            handler: "faults.nope",
            ..row("a handler function that does not exist", "{}")
        },
    ]
}

fn task(bootstrap: Option<&std::path::Path>) -> TaskRoot {
    let task = match bootstrap {
        None => TaskRoot::with_bash_original(),
        Some(binary) => TaskRoot::with_bootstrap(binary),
    };
    task.write("faults.sh", include_str!("faults.sh"));
    task
}

/// How each event of a run ended, as a table cell.
fn cell(run: &Run) -> String {
    let verdicts: Vec<String> = run
        .outcomes
        .iter()
        .map(|outcome| {
            let outcome = outcome.as_ref().expect("accepted");
            let verdict = outcome.result.as_ref().map_or_else(
                |error| format!("`{}`", error.error_type),
                |_| "ok".to_string(),
            );
            let cold = if outcome.init_duration.is_some() {
                " (cold)"
            } else {
                ""
            };
            format!("{verdict}{cold}")
        })
        .collect();
    verdicts.join(", then ")
}

/// How many events the runtime itself answered exactly once (response,
/// error report, or init error), and whether it ever answered one twice.
fn answered_once(run: &Run) -> (usize, bool) {
    let handed_out: Vec<String> = run
        .exchanges
        .iter()
        .filter(|exchange| exchange.status == Some(200))
        .filter_map(|exchange| {
            exchange
                .response_headers
                .iter()
                .find(|(name, _)| name == "lambda-runtime-aws-request-id")
        })
        .map(|(_, id)| id.clone())
        .collect();
    let answers = |id: &str| {
        let prefix = format!("/2018-06-01/runtime/invocation/{id}/");
        run.exchanges
            .iter()
            .filter(|exchange| exchange.method == "POST" && exchange.path.starts_with(&prefix))
            .count()
    };
    let once = handed_out.iter().filter(|id| answers(id) == 1).count();
    let twice = handed_out.iter().any(|id| answers(id) > 1);
    let init_errors = run
        .exchanges
        .iter()
        .filter(|exchange| exchange.path.ends_with("/init/error"))
        .count();
    // An init error answers the event that was waiting for init; each event
    // meets a fresh runtime, which reports the init error again.
    (once + init_errors, twice)
}

/// The table as Markdown, for `runtime` beside the bash original. Panics
/// (failing the test) when the runtime loses an event or answers one twice,
/// or when an event was run as shell code.
pub fn table(runtime: &Path) -> String {
    let (bash_root, rust_root) = (task(None), task(Some(runtime)));
    let mut table = String::from(
        "| case | the bash original | this runtime | answered by the runtime (bash, Rust) |\n|---|---|---|---|\n",
    );
    for row in rows() {
        let sent = [
            Invocation::new(row.event.clone()),
            Invocation::new(r#""after""#),
        ];
        let config = |task: &TaskRoot| {
            let mut config = task.config("bootstrap");
            config.handler = row.handler.to_string();
            config.timeout = row.timeout;
            config
        };
        let bash = run(config(&bash_root), &sent);
        let rust = run(config(&rust_root), &sent);
        let (bash_answered, _) = answered_once(&bash);
        let (rust_answered, rust_twice) = answered_once(&rust);
        assert!(!rust_twice, "{}: an event answered twice", row.case);

        assert_eq!(
            rust_answered, 2,
            "{}: every event answered by the runtime, none lost",
            row.case
        );
        table.push_str(&format!(
            "| {} | {} | {} | {bash_answered} of 2, {rust_answered} of 2 |\n",
            row.case,
            cell(&bash),
            cell(&rust)
        ));
    }
    assert!(
        !bash_root.path().join("pwned").exists() && !rust_root.path().join("pwned").exists(),
        "no event was run as shell code"
    );

    table
}
