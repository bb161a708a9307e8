//! `cargo run -p workbook`: where the reader stands in the book's exercises.
//!
//! ```text
//! workbook                 every exercise and its status
//! workbook check N         check exercise N: chapter N's tests, bash beside your code
//! workbook hint N [K]      exercise N's hint K (1 if not given)
//! workbook --watch [N]     check again each time an exercise file is saved
//! ```
//!
//! Exit status: 0 when the command did its job (for `check`, when every
//! check passes), 1 when a check fails, 2 for a command it does not know.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use workbook::show::{Status, report, status_line};
use workbook::{EXERCISES, Exercise, check, exercise, find_root, hints, not_started};

const USAGE: &str = "usage: workbook [check N | hint N [K] | --watch [N]]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let Some(root) = find_root(&here) else {
        eprintln!(
            "workbook: no book.toml and chapters/ in {} or above it; run this from the project's folder",
            here.display()
        );
        return ExitCode::from(2);
    };
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => list(&root),
        ["check", number] => with_exercise(number, |exercise| check_one(&root, exercise)),
        ["hint", number] => with_exercise(number, |exercise| hint(&root, exercise, "1")),
        ["hint", number, which] => with_exercise(number, |exercise| hint(&root, exercise, which)),
        ["--watch"] => watch(&root, EXERCISES.iter().collect()),
        ["--watch", number] => with_exercise(number, |exercise| watch(&root, vec![exercise])),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

/// Runs `then` with exercise `number`, or says which numbers there are.
fn with_exercise(number: &str, then: impl FnOnce(&'static Exercise) -> ExitCode) -> ExitCode {
    match number.parse().ok().and_then(exercise) {
        Some(exercise) => then(exercise),
        None => {
            let numbers: Vec<String> = EXERCISES.iter().map(|e| e.chapter.to_string()).collect();
            eprintln!(
                "workbook: there is no exercise {number:?}; the exercises are {}",
                numbers.join(", ")
            );
            ExitCode::from(2)
        }
    }
}

/// Every exercise's status, and the one to work on next; untouched
/// exercises are not built.
fn list(root: &Path) -> ExitCode {
    let mut next = None;
    for exercise in EXERCISES {
        let status = match status(root, exercise) {
            Ok(status) => status,
            Err(message) => return fail(&message),
        };
        println!("{}", status_line(exercise, &status));
        if status != Status::Done {
            next = next.or(Some(exercise.chapter));
        }
    }
    match next {
        Some(number) => println!("\nnext: cargo run -p workbook -- check {number}"),
        None => println!("\nevery exercise is done"),
    }
    ExitCode::SUCCESS
}

fn status(root: &Path, exercise: &Exercise) -> Result<Status, String> {
    checked_if_started(root, exercise).map(|(_, status)| status)
}

/// A fresh check: its full report, and the status it gives.
fn checked(root: &Path, exercise: &Exercise) -> Result<(String, Status), String> {
    let hints = hints(root, exercise).map_err(|error| error.to_string())?;
    let check = check::run(root, exercise).map_err(|error| format!("cannot run cargo: {error}"))?;
    Ok((report(exercise, &check, &hints), Status::of(&check)))
}

/// The check in full; exit status 0 when it passes.
fn check_one(root: &Path, exercise: &Exercise) -> ExitCode {
    match checked(root, exercise) {
        Ok((text, status)) => {
            print!("{text}");
            if status == Status::Done {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => fail(&message),
    }
}

fn hint(root: &Path, exercise: &Exercise, which: &str) -> ExitCode {
    let hints = match hints(root, exercise) {
        Ok(hints) => hints,
        Err(error) => return fail(&error.to_string()),
    };
    let Some(number) = which
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=hints.len()).contains(n))
    else {
        eprintln!(
            "workbook: exercise {} has hints 1 to {}, not {which:?}",
            exercise.chapter,
            hints.len()
        );
        return ExitCode::from(2);
    };
    println!(
        "exercise {}, hint {number} of {}:\n\n{}",
        exercise.chapter,
        hints.len(),
        hints[number - 1].text
    );
    if number < hints.len() {
        println!(
            "\n(next: cargo run -p workbook -- hint {} {})",
            exercise.chapter,
            number + 1
        );
    }
    ExitCode::SUCCESS
}

/// Checks each watched exercise now, then again each time its file changes.
fn watch(root: &Path, exercises: Vec<&Exercise>) -> ExitCode {
    let mut seen: Vec<Option<SystemTime>> = vec![None; exercises.len()];
    println!(
        "watching {} exercise file(s); save one to check it again, Ctrl-C to stop",
        exercises.len()
    );
    loop {
        for (exercise, seen) in exercises.iter().zip(seen.iter_mut()) {
            // The latest save of any of the exercise's files.
            let modified = exercise
                .paths()
                .iter()
                .filter_map(|path| std::fs::metadata(root.join(path)).ok())
                .filter_map(|meta| meta.modified().ok())
                .max();
            if modified == *seen {
                continue;
            }
            *seen = modified;
            match checked_if_started(root, exercise) {
                Ok((text, status)) => {
                    print!("{text}");
                    println!("{}\n", status_line(exercise, &status));
                }
                Err(message) => eprintln!("workbook: {message}"),
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A started exercise's report and status; an untouched one is not built,
/// and has no report.
fn checked_if_started(root: &Path, exercise: &Exercise) -> Result<(String, Status), String> {
    let files = exercise.paths().join(", ");
    let not_started =
        not_started(root, exercise).map_err(|error| format!("cannot read {files}: {error}"))?;
    if not_started {
        return Ok((String::new(), Status::NotStarted));
    }
    checked(root, exercise)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("workbook: {message}");
    ExitCode::from(2)
}
