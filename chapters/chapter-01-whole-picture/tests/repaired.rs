//! Exercise 1: the tutorial's bash, repaired. Each test runs the tutorial's
//! bootstrap and the repaired one under a local Lambda, with the same files
//! and events, and checks what the repaired one must do where Part I shows
//! the tutorial's failing.
//!
//! The repaired files are the chapter's (`repaired/`), or, built with the
//! `exercise` feature, the reader's (`exercise/`).

use std::path::{Path, PathBuf};

use harness::{Run, TaskRoot, events, run, snapshot_settings};
use local_lambda::FunctionConfig;

/// The folder holding the repaired `bootstrap` and `function.sh`.
fn repaired_folder() -> PathBuf {
    let folder = if cfg!(feature = "exercise") {
        "exercise"
    } else {
        "repaired"
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(folder)
}

/// What the repaired side is called where it is shown: the reader's, in
/// the workbook's check.
fn repaired_side() -> &'static str {
    if cfg!(feature = "exercise") {
        "your bootstrap"
    } else {
        "repaired"
    }
}

/// A task root (the folder `name` in a fresh temporary folder) holding a
/// `bootstrap` and `function.sh` from `from`, and the cases' handlers.
struct Task {
    _root: TaskRoot,
    path: PathBuf,
}

impl Task {
    fn with_runtime_from(from: &Path, name: &str) -> Task {
        let root = TaskRoot::new();
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        for name in ["bootstrap", "function.sh"] {
            std::fs::copy(from.join(name), path.join(name)).unwrap();
        }
        let write = |name: &str, text: &str| std::fs::write(path.join(name), text).unwrap();
        // `unquoted` answers with the text of a JSON string event, its quotes
        // stripped: an event is JSON, so it never starts with `@`, but an
        // answer made from one can.
        write(
            "exact.sh",
            "unquoted() { local text=\"${1#\\\"}\"; printf '%s' \"${text%\\\"}\"; }\n",
        );
        write("notes.txt", "line one\nline two\n");
        // Fails on the event "fail" (a JSON string), answers any other.
        write(
            "moody.sh",
            "handler() {\n  if [ \"$1\" = '\"fail\"' ]; then echo 'asked to fail' >&2; return 3; fi\n  printf 'ok: %s' \"$1\"\n}\n",
        );
        Task { _root: root, path }
    }

    fn config(&self, handler: &str) -> FunctionConfig {
        let mut config = FunctionConfig::for_bootstrap(self.path.join("bootstrap"));
        config.handler = handler.to_string();
        config
    }
}

/// What a case runs: a handler, its events, and the task root's folder name.
struct Case<'a> {
    name: &'a str,
    handler: &'a str,
    sent: &'a [&'a str],
    folder: &'a str,
}

impl<'a> Case<'a> {
    fn new(name: &'a str, handler: &'a str, sent: &'a [&'a str]) -> Case<'a> {
        Case {
            name,
            handler,
            sent,
            folder: "task",
        }
    }

    /// Runs the case with the `bootstrap` and `function.sh` of `from`,
    /// `env` added to the function's environment.
    fn run_with(&self, from: &Path, env: &[(&str, &Path)]) -> Run {
        let task = Task::with_runtime_from(from, self.folder);
        let mut config = task.config(self.handler);
        for (name, value) in env {
            config
                .env
                .push((name.to_string(), value.display().to_string()));
        }
        run(config, &events(self.sent))
    }
}

/// Shows a case's two runs, for the workbook, before anything is judged.
fn exhibit(case: &Case, tutorial: &Run, repaired: &Run) {
    harness::exhibit(
        case.name,
        &tutorial.render("bash"),
        &repaired.render(repaired_side()),
    );
}

/// Runs a case under the tutorial's bootstrap and the repaired one, and
/// exhibits the two.
fn both(case: &Case) -> (Run, Run) {
    let tutorial = case.run_with(&local_lambda::bash_original(), &[]);
    let repaired = case.run_with(&repaired_folder(), &[]);
    exhibit(case, &tutorial, &repaired);
    (tutorial, repaired)
}

/// The answers of a run, each as text, or its error type.
fn answers(run: &Run) -> Vec<Result<String, String>> {
    run.outcomes
        .iter()
        .map(|outcome| {
            let outcome = outcome.as_ref().expect("the local Lambda took the event");
            match &outcome.result {
                Ok(body) => Ok(String::from_utf8_lossy(body).into_owned()),
                Err(error) => Err(error.error_type.clone()),
            }
        })
        .collect()
}

/// The record a snapshot keeps of one case: both sides, results and log.
fn shown(case: &str, tutorial: &Run, repaired: &Run) -> String {
    format!(
        "case: {case}\n\n{}\n{}",
        tutorial.render("bash"),
        repaired.render(repaired_side())
    )
}

/// A snapshot of the chapter's own repaired bash: the reader's may word its
/// log and errors otherwise, and is judged by the claims alone.
fn snapshot(name: &str, text: &str) {
    if !cfg!(feature = "exercise") {
        snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
    }
}

#[test]
fn the_tutorials_events_come_back_as_they_were_sent() {
    let sent = [
        r#"{"some": "request"}"#,
        r#"{"text": "two  spaces"}"#,
        r#""a * b""#,
    ];
    let case = Case {
        folder: "my task",
        ..Case::new(
            "the tutorial's events, in a task root with a space",
            "function.handler",
            &sent,
        )
    };
    let (tutorial, repaired) = both(&case);
    let expected: Vec<Result<String, String>> = sent
        .iter()
        .map(|event| Ok(format!("Echoing request: '{event}'")))
        .collect();
    harness::claim_eq(
        "each answer is the event, quoted: no word split, no glob, and the task root found",
        answers(&repaired),
        expected,
    );
    harness::claim_eq(
        "the tutorial's bootstrap cannot find function.sh in `my task`",
        answers(&tutorial)[0].clone(),
        Err("Runtime.ExitError".to_string()),
    );
    snapshot("repaired_events", &shown(case.name, &tutorial, &repaired));
}

#[test]
fn an_answer_starting_with_at_is_sent_as_it_is() {
    let case = Case::new(
        "exact.unquoted answering \"@notes.txt\" unquoted",
        "exact.unquoted",
        &[r#""@notes.txt""#],
    );
    let (tutorial, repaired) = both(&case);
    harness::claim_eq(
        "the answer is the text, where curl -d sent the file notes.txt",
        (answers(&tutorial), answers(&repaired)),
        (
            vec![Ok("line oneline two".to_string())],
            vec![Ok("@notes.txt".to_string())],
        ),
    );
}

#[test]
fn the_log_holds_only_what_the_function_wrote() {
    let case = Case::new(
        "the function's log for one event",
        "function.handler",
        &[r#"{"some": "request"}"#],
    );
    let (_, repaired) = both(&case);
    let log = repaired.log_text();
    let between: Vec<&str> = log
        .lines()
        .skip_while(|line| !line.starts_with("START "))
        .skip(1)
        .take_while(|line| !line.starts_with("END "))
        .collect();
    harness::claim_eq(
        "between START and END, only the event the handler logs: no curl progress meter, no {\"status\":\"OK\"}",
        between,
        vec![r#"{"some": "request"}"#],
    );
}

/// The names of the files in `folder`.
fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn no_temporary_files_are_left_behind() {
    let sent = [r#""one""#, r#""two""#, r#""three""#];
    let case = Case::new(
        "three events, each runtime with TMPDIR set to an empty folder of its own",
        "function.handler",
        &sent,
    );
    // Each side gets its own empty TMPDIR; the local Lambda kills each
    // runtime while it waits in its last `next`, as Lambda does.
    let (tutorial_temp, repaired_temp) = (TaskRoot::new(), TaskRoot::new());
    let tutorial = case.run_with(
        &local_lambda::bash_original(),
        &[("TMPDIR", tutorial_temp.path())],
    );
    let repaired = case.run_with(&repaired_folder(), &[("TMPDIR", repaired_temp.path())]);
    exhibit(&case, &tutorial, &repaired);
    harness::claim_eq(
        "every event answered",
        answers(&repaired),
        sent.iter()
            .map(|event| Ok(format!("Echoing request: '{event}'")))
            .collect(),
    );
    harness::claim_eq(
        "the tutorial's bootstrap leaves a header file per `next`, the last one's too (4 here)",
        files_in(tutorial_temp.path()).len(),
        4,
    );
    harness::claim_eq(
        "the repaired bootstrap leaves no file in TMPDIR, not even from the `next` it was killed in",
        files_in(repaired_temp.path()),
        Vec::<String>::new(),
    );
}

#[test]
fn a_failing_handler_is_reported_and_the_runtime_goes_on() {
    let case = Case::new(
        "moody.handler with \"fail\", then \"fine\"",
        "moody.handler",
        &[r#""fail""#, r#""fine""#],
    );
    let (tutorial, repaired) = both(&case);
    harness::claim_eq(
        "the failure is reported on /error as Runtime.HandlerFailed, and the same runtime answers the next event (each event's verdict, and whether it met a cold start)",
        repaired.verdicts(),
        vec![
            ("Runtime.HandlerFailed".to_string(), true),
            ("ok".to_string(), false),
        ],
    );
    harness::claim_eq(
        "the tutorial's bootstrap exits under set -e, and the next event needs a new one (each event's verdict, and whether it met a cold start)",
        tutorial.verdicts(),
        vec![
            ("Runtime.ExitError".to_string(), true),
            ("ok".to_string(), true),
        ],
    );
    snapshot("repaired_failure", &shown(case.name, &tutorial, &repaired));
}
