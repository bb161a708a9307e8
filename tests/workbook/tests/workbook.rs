//! The workbook, used as a reader uses it: `cargo run -p workbook` in a
//! copy of this workspace, where the tests can write exercise files (a
//! starter, a half-done try, the chapter's solution) without touching the
//! reader's own.
//!
//! Both directions are checked for every exercise: the chapter's code
//! passes its checks, and an untouched exercise fails them with the
//! friendly report, so no exercise is solved by accident and no check is
//! one that cannot fail.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use harness::snapshot_settings;
use workbook::{EXERCISES, Exercise, find_root, not_started, solved_files};

/// A copy of the workspace, kept between runs so that its builds stay
/// incremental; one test at a time uses it.
struct Sandbox {
    root: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

fn sandbox() -> Sandbox {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let source = find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the workspace");
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workbook-sandbox");
    mirror(&source, &root);
    Sandbox { root, _turn: turn }
}

/// Copies every file of `from` (less `target`, `.git`, and the packages npm
/// installed for a test, in `node_modules`) that `to` does not already hold
/// as it is: an unchanged file keeps its time, and cargo
/// does not rebuild what did not change. What `from` no longer has goes
/// from `to` too: a file moved in the workspace must not stay behind in
/// the copy (a module left at both `http.rs` and `http/mod.rs` does not
/// compile).
fn mirror(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(to).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "node_modules" || from.join(&name).exists() {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            fs::remove_dir_all(entry.path()).unwrap();
        } else {
            fs::remove_file(entry.path()).unwrap();
        }
    }
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" || name == "node_modules" {
            continue;
        }
        let (source, copy) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            mirror(&source, &copy);
        } else if fs::read(&copy).ok() != Some(fs::read(&source).unwrap()) {
            fs::copy(&source, &copy).unwrap();
        }
    }
}

impl Sandbox {
    fn workbook(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_workbook"));
        // Its own build folder, whatever the caller's: the checks build the
        // chapters' binaries with exercise code, which must never land
        // where the workspace's own tests look for them.
        command
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", self.root.join("target"));
        command
    }

    fn run(&self, args: &[&str]) -> (i32, String) {
        let output: Output = self.workbook(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.is_empty(),
            "workbook {args:?} said on stderr: {stderr}"
        );
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8(output.stdout).unwrap(),
        )
    }

    fn write_exercise(&self, exercise: &Exercise, text: &str) {
        fs::write(self.root.join(exercise.file()), text).unwrap();
    }

    fn exercise_text(&self, exercise: &Exercise) -> String {
        fs::read_to_string(self.root.join(exercise.file())).unwrap()
    }

    /// `exercise` with its `todo!()` replaced by `body`.
    fn write_body(&self, exercise: &Exercise, body: &str) {
        let text = self.exercise_text(exercise);
        let start = text
            .find("        todo!(")
            .or_else(|| text.find("    todo!("));
        let start = start.expect("the starter's todo!()");
        let end = start + text[start..].find('\n').unwrap();
        let text = format!("{}{body}{}", &text[..start], &text[end..]);
        self.write_exercise(exercise, &text);
    }

    fn solve(&self, exercise: &Exercise) {
        for (path, text) in solved_files(&self.root, exercise).unwrap() {
            fs::write(self.root.join(path), text).unwrap();
        }
    }

    /// Snapshot files a check left behind: there must never be any.
    fn pending_snapshots(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for exercise in EXERCISES {
            let folder = self.root.join(exercise.folder).join("tests/snapshots");
            for entry in fs::read_dir(folder).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                    found.push(entry.path());
                }
            }
        }
        found
    }
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

#[test]
fn every_untouched_exercise_fails_with_the_friendly_report() {
    let sandbox = sandbox();
    let mut first_report = None;
    for exercise in EXERCISES {
        if !not_started(&sandbox.root, exercise).unwrap() {
            // A reader's own work, copied in: only the committed starters are judged here.
            assert!(
                !is_ci(),
                "the committed {} is not a starter",
                exercise.file()
            );
            eprintln!("skipped: {} is being worked on", exercise.file());
            continue;
        }
        let (status, report) = sandbox.run(&["check", &exercise.chapter.to_string()]);
        assert_eq!(status, 1, "{report}");
        let heading = format!("exercise {}, {}: ", exercise.chapter, exercise.title);
        assert!(report.starts_with(&heading), "{report}");
        for part in [
            "checks pass\n",
            "\n✗ ",
            "  the check: ",
            ", for this check:\n  ",
        ] {
            assert!(report.contains(part), "no {part:?} in:\n{report}");
        }
        if exercise.file().ends_with(".rs") {
            assert!(report.contains("not yet implemented"), "{report}");
        }
        for noise in ["stack backtrace", "RUST_BACKTRACE", "---- ", "test result:"] {
            assert!(!report.contains(noise), "{noise:?} in:\n{report}");
        }
        first_report.get_or_insert(report);
    }
    assert_eq!(sandbox.pending_snapshots(), Vec::<PathBuf>::new());
    if let Some(report) = first_report {
        snapshot_settings().bind(|| insta::assert_snapshot!("untouched_exercise_2", report));
    }
}

#[test]
fn the_chapters_code_passes_every_check() {
    let sandbox = sandbox();
    let mut verdicts = Vec::new();
    for exercise in EXERCISES {
        sandbox.solve(exercise);
        let (status, report) = sandbox.run(&["check", &exercise.chapter.to_string()]);
        assert_eq!(
            status, 0,
            "the solution of exercise {}:\n{report}",
            exercise.chapter
        );
        assert!(report.contains(": done, all "), "{report}");
        verdicts.push((format!("solved_exercise_{}", exercise.chapter), report));
    }
    // Each chapter's page shows its own, as what "done" looks like.
    for (name, report) in verdicts {
        snapshot_settings().bind(|| insta::assert_snapshot!(name, report));
    }
}

/// Exercise 3 done the way `cut` does it: the second field, not the rest.
const CUT_LIKE: &str = r#"let mut fields = handler.split('.');
    match (fields.next(), fields.next()) {
        (Some(file), Some(function)) if !file.is_empty() && !function.is_empty() => Ok(Handler {
            file: file.to_string(),
            function: function.to_string(),
        }),
        _ => Err(HandlerError::NoDot(handler.to_string())),
    }"#;

#[test]
fn a_half_done_exercise_is_shown_where_it_differs_and_listed_as_failing() {
    let sandbox = sandbox();
    let (two, three) = (
        workbook::exercise(2).unwrap(),
        workbook::exercise(3).unwrap(),
    );
    sandbox.solve(two);
    sandbox.write_body(three, CUT_LIKE);
    let (status, report) = sandbox.run(&["check", "3"]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains("✗ with_two_dots_bash_drops_the_rest\n  case: _HANDLER=\"a.b.c\"")
            && report.contains("  the check: everything after the first dot is the function\n"),
        "the two-dot case is the first to fail, in the check's words:\n{report}"
    );
    assert!(
        report.contains(
            "the chapter's code `bootstrap: _HANDLER \"../outside.handler\" has an empty"
        ),
        "a case judged by its snapshot is shown beside the chapter's output:\n{report}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("half_done_exercise_3", report));
    assert_eq!(sandbox.pending_snapshots(), Vec::<PathBuf>::new());

    let (status, list) = sandbox.run(&[]);
    assert_eq!(status, 0);
    assert!(
        list.contains("exercise  2  strict mode            done\n"),
        "{list}"
    );
    assert!(
        list.contains("exercise  3  finding the handler    failing: "),
        "{list}"
    );
    assert!(
        list.contains("exercise  4  asking for work        not started\n"),
        "{list}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("list", list));
}

/// Three mistakes a reader can make that the chapters' own step binaries
/// show to differ from the chapters' code: each must fail its check, with
/// the case that shows it named.
const WRONG_CODES: [(u8, &str, &str); 3] = [
    (
        2,
        // A variable that is set, but not UTF-8, taken for one not set.
        r#"match value {
        Ok(value) if value.is_empty() => Err(StartupError::Empty(name)),
        Ok(value) => Ok(value),
        Err(_) => Err(StartupError::Unset(name)),
    }"#,
        "✗ a_handler_that_is_not_utf8_is_named_not_taken_for_unset\n  case: _HANDLER not UTF-8\n",
    ),
    (
        3,
        // Refused only when it starts with `/`: `lib/` passes for a file.
        r#"let Some((file, function)) = handler.split_once('.') else {
        return Err(HandlerError::NoDot(handler.to_string()));
    };
    if file.is_empty() || function.is_empty() {
        return Err(HandlerError::EmptyPart(handler.to_string()));
    }
    if file.starts_with('/') {
        return Err(HandlerError::NotRelative(handler.to_string()));
    }
    Ok(Handler { file: file.to_string(), function: function.to_string() })"#,
        "✗ names_and_paths_bash_takes_and_rust_refuses\n  case: _HANDLER=\"lib/.handler\"\n",
    ),
    (
        5,
        // The same id sent twice taken for two ids.
        r#"let values: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(REQUEST_ID_HEADER))
        .map(|(_, value)| value.trim())
        .collect();
    match values.as_slice() {
        [] => Err(RequestIdError::Missing),
        [id] if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => Ok(id.to_string()),
        [id] => Err(RequestIdError::Invalid(id.to_string())),
        _ => Err(RequestIdError::Conflicting(values.iter().map(|v| v.to_string()).collect())),
    }"#,
        "✗ where_the_pipeline_goes_wrong\n  case: the same id twice\n",
    ),
];

#[test]
fn wrong_code_fails_its_check_at_the_case_that_shows_it() {
    let sandbox = sandbox();
    for (number, body, shown) in WRONG_CODES {
        let exercise = workbook::exercise(number).unwrap();
        sandbox.write_body(exercise, body);
        let (status, report) = sandbox.run(&["check", &number.to_string()]);
        assert_eq!(status, 1, "exercise {number}'s wrong code fails:\n{report}");
        assert!(report.contains(shown), "no {shown:?} in:\n{report}");
        assert!(
            report.contains(", for this check:\n  "),
            "the hint for that check:\n{report}"
        );
        assert!(
            !report.contains("left:"),
            "sides named, not left and right:\n{report}"
        );
    }
    assert_eq!(sandbox.pending_snapshots(), Vec::<PathBuf>::new());
}

#[test]
fn code_that_does_not_compile_is_shown_rustcs_errors() {
    let sandbox = sandbox();
    let five = workbook::exercise(5).unwrap();
    sandbox.write_body(five, "headers.len()");
    let (status, report) = sandbox.run(&["check", "5"]);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.starts_with("exercise 5, the request id: your code does not compile yet\n"),
        "{report}"
    );
    assert!(
        report.contains("error[E0308]: mismatched types"),
        "{report}"
    );
    assert!(
        report.contains("expected `Result<String, RequestIdError>`, found `usize`"),
        "rustc's expected/found line is kept:\n{report}"
    );
    assert!(
        report.contains("--> chapters/chapter-05-request-id/exercise/request_id.rs:"),
        "rustc names the reader's file:\n{report}"
    );
    assert!(
        !report.contains("Compiling"),
        "cargo's progress is left out:\n{report}"
    );
    let (_, list) = sandbox.run(&[]);
    assert!(
        list.contains("exercise  5  the request id         failing: does not compile\n"),
        "{list}"
    );
}

#[test]
fn watch_checks_again_when_the_file_is_saved() {
    let sandbox = sandbox();
    let two = workbook::exercise(2).unwrap();
    // Takes any value, empty or not: half of what set -u is for.
    sandbox.write_body(two, "value.map_err(|_| StartupError::Unset(name))");
    let mut watching = sandbox
        .workbook(&["--watch", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, read) = mpsc::channel();
    let stdout = watching.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let status_of = |read: &mpsc::Receiver<String>| loop {
        let line = read
            .recv_timeout(Duration::from_secs(300))
            .expect("the watch prints a status");
        if line.starts_with("exercise  2  ") {
            return line;
        }
    };
    let first = status_of(&read);
    sandbox.solve(two);
    let second = status_of(&read);
    let _ = watching.kill();
    let _ = watching.wait();
    assert!(first.contains("failing: _HANDLER empty"), "{first}");
    assert!(second.ends_with("done"), "{second}");
}

#[test]
fn hints_come_one_at_a_time_and_a_wrong_number_is_named() {
    let sandbox = sandbox();
    let (status, first) = sandbox.run(&["hint", "5"]);
    assert_eq!(status, 0);
    assert!(first.starts_with("exercise 5, hint 1 of 3:\n\n"), "{first}");
    assert!(
        first.ends_with("(next: cargo run -p workbook -- hint 5 2)\n"),
        "{first}"
    );
    let (_, last) = sandbox.run(&["hint", "5", "3"]);
    assert!(!last.contains("(next:"), "{last}");
    let output = sandbox.workbook(&["check", "14"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .starts_with("workbook: there is no exercise \"14\"; the exercises are 2, 3"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
