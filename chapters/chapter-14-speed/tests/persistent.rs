//! The persistent worker against chapter 6's bash per event: the same
//! answers for the same events and context, and what persisting changes
//! (state kept; `exit` costs the worker), with every failure reported.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chapter_06::{HandlerError, ShellHandler};
use chapter_14::persistent::PersistentShell;
use harness::TaskRoot;

/// A handler that shows what it was given: the event, two context variables.
const ECHO: &str = r#"handler() {
  printf '%s|%s|%s' "$1" "${LAMBDA_RUNTIME_AWS_REQUEST_ID-unset}" "${_X_AMZN_TRACE_ID-unset}"
}
"#;

/// A handler for the ways a handler can go wrong, and one that counts. Its
/// events are JSON strings, as Lambda's events are JSON: quotes and all.
const MOODS: &str = r#"count=0
handler() {
  count=$((count + 1))
  case "$1" in
    '"exit"') exit 7 ;;
    '"fail"') return 5 ;;
    '"hang"') sleep 30 ;;
    '"stdin"') read -r line; echo "read: ${line-nothing}" ;;
    *) echo "event $count: $1" ;;
  esac
}
"#;

fn handler(task: &TaskRoot, name: &str, code: &str) -> ShellHandler {
    let script: PathBuf = task.write(name, code);
    ShellHandler::new(script, "handler")
}

fn context(id: &str, trace: Option<&str>) -> Vec<(String, String)> {
    let mut env = vec![("LAMBDA_RUNTIME_AWS_REQUEST_ID".to_string(), id.to_string())];
    if let Some(trace) = trace {
        env.push(("_X_AMZN_TRACE_ID".to_string(), trace.to_string()));
    }
    env
}

#[test]
fn answers_every_event_as_bash_per_event_does() {
    let task = TaskRoot::new();
    let per_event = handler(&task, "echo.sh", ECHO);
    let mut persistent = PersistentShell::start(&per_event).expect("the worker starts");
    // JSON, as every event from Lambda is, some of it with whitespace
    // (newlines, spaces, a tab) between or after its values.
    let one_mebibyte = format!("\"{}\"", "x".repeat((1 << 20) - 2)).into_bytes();
    let events: Vec<Vec<u8>> = vec![
        br#"{"some": "request"}"#.to_vec(),
        br#""$(touch pwned) `reboot` \"quoted\" 'single' \\back""#.to_vec(),
        "\"ünïcödé ✓\"".as_bytes().to_vec(),
        b"\"trailing newlines\"\n\n\n".to_vec(),
        b"  [\"leading spaces and\",\t\"tabs\"]".to_vec(),
        // What an invocation without a payload brings.
        b"{}".to_vec(),
        one_mebibyte,
    ];
    for (number, event) in events.iter().enumerate() {
        // Every other event has a trace id: one event's context must not leak into the next.
        let trace = (number % 2 == 0).then_some("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
        let env = context(&format!("id-{number}"), trace);
        let expected = per_event
            .run_with(event, &env, None)
            .expect("bash per event");
        let answered = persistent.run_with(event, &env, None).expect("the worker");
        assert_eq!(
            String::from_utf8_lossy(&answered),
            String::from_utf8_lossy(&expected),
            "event {number}"
        );
    }
    assert!(
        !task.path().join("pwned").exists(),
        "no event ran as shell code"
    );
}

#[test]
fn state_persists_until_the_handler_exits() {
    let task = TaskRoot::new();
    let mut shell = PersistentShell::start(&handler(&task, "moods.sh", MOODS)).unwrap();
    let mut answer = |event: &str| shell.run_with(event.as_bytes(), &[], None);
    assert_eq!(answer(r#""a""#).unwrap(), br#"event 1: "a""#);
    assert_eq!(
        answer(r#""b""#).unwrap(),
        br#"event 2: "b""#,
        "the worker kept count"
    );
    let failed = answer(r#""fail""#).unwrap_err();
    assert!(
        matches!(failed, HandlerError::Failed(status) if status.code() == Some(5)),
        "{failed:?}"
    );
    assert_eq!(
        answer(r#""c""#).unwrap(),
        br#"event 4: "c""#,
        "a failed event leaves the worker"
    );
    let exited = answer(r#""exit""#).unwrap_err();
    assert!(
        matches!(exited, HandlerError::Failed(status) if status.code() == Some(7)),
        "{exited:?}"
    );
    assert_eq!(
        answer(r#""d""#).unwrap(),
        br#"event 1: "d""#,
        "a new worker after exit"
    );
}

#[test]
fn a_handler_reading_stdin_reads_nothing_and_the_worker_goes_on() {
    let task = TaskRoot::new();
    let mut shell = PersistentShell::start(&handler(&task, "moods.sh", MOODS)).unwrap();
    assert_eq!(shell.run_with(br#""stdin""#, &[], None).unwrap(), b"read: ");
    assert_eq!(
        shell.run_with(br#""after""#, &[], None).unwrap(),
        br#"event 2: "after""#
    );
}

#[test]
fn a_handler_past_its_deadline_is_stopped_and_replaced() {
    let task = TaskRoot::new();
    let mut shell = PersistentShell::start(&handler(&task, "moods.sh", MOODS)).unwrap();
    let first = shell.worker_pid().expect("a worker");
    let started = Instant::now();
    let deadline = Some(started + Duration::from_millis(300));
    let outcome = shell.run_with(br#""hang""#, &[], deadline);
    assert!(
        matches!(outcome, Err(HandlerError::TimedOut)),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the sleep was not waited for"
    );
    assert_eq!(shell.worker_pid(), None, "the stopped worker is gone");
    assert!(
        !std::path::Path::new(&format!("/proc/{first}")).exists(),
        "the old worker was reaped"
    );
    assert_eq!(
        shell.run_with(br#""next""#, &[], None).unwrap(),
        br#"event 1: "next""#
    );
}

#[test]
fn a_bad_handler_file_is_an_init_error_as_in_chapter_9() {
    let task = TaskRoot::new();
    let missing = ShellHandler::new(task.write("empty.sh", "# no function here\n"), "handler");
    let broken = ShellHandler::new(task.write("broken.sh", "return 9\n"), "handler");
    let types: Vec<String> = [missing, broken]
        .iter()
        .map(|handler| match PersistentShell::start(handler) {
            Ok(_) => "started".to_string(),
            Err(report) => {
                assert_eq!(
                    chapter_09::check_handler(handler).unwrap_err(),
                    report,
                    "the same report as chapter 9's check"
                );
                report.error_type
            }
        })
        .collect();
    assert_eq!(
        types,
        ["Runtime.NoSuchHandler", "Runtime.ImportModuleError"]
    );
}

#[test]
fn an_event_with_a_nul_byte_is_refused_and_the_worker_stays() {
    let task = TaskRoot::new();
    let mut shell = PersistentShell::start(&handler(&task, "moods.sh", MOODS)).unwrap();
    // Not JSON, on purpose: Lambda spells NUL `\u0000`, so only a local
    // tool can send this byte; the runtime must still refuse it.
    assert!(matches!(
        shell.run_with(b"a\0b", &[], None),
        Err(HandlerError::NulInEvent)
    ));
    assert_eq!(
        shell.run_with(br#""a""#, &[], None).unwrap(),
        br#"event 1: "a""#
    );
}
