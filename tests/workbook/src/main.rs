//! `cargo run -p workbook`: where the reader stands in the book's exercises.
//!
//! ```text
//! workbook                 every exercise and its status
//! workbook check N         check exercise N: chapter N's tests, bash beside your code
//! workbook hint N [K]      exercise N's hint K (1 if not given)
//! workbook --watch [N]     check again each time an exercise file is saved
//! workbook mutants [N]     how well the checks catch wrong code (cargo-mutants)
//! ```
//!
//! Exit status: 0 when the command did its job (for `check`, when every
//! check passes; for `mutants`, when every mutant is caught or listed as
//! equivalent), 1 when a check fails or a mutant is missed, 2 for a
//! command it does not know or a tool it cannot run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use workbook::show::{Status, report, status_line};
use workbook::{EXERCISES, Exercise, check, exercise, find_root, hints, mutants, not_started};

const USAGE: &str = "usage: workbook [check N | hint N [K] | --watch [N] | mutants [N]]";

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
        ["mutants"] => mutants(&root, EXERCISES.iter().collect()),
        ["mutants", number] => with_exercise(number, |exercise| mutants(&root, vec![exercise])),
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

/// Runs cargo-mutants on each exercise's solution with the exercise's
/// check, and names every missed mutant that is not listed as equivalent.
fn mutants(root: &Path, exercises: Vec<&Exercise>) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or("cargo".into());
    let installed = std::process::Command::new(cargo)
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        return fail(
            "cargo-mutants is not installed; `cargo install cargo-mutants --locked` installs it",
        );
    }
    let equivalents = match mutants::equivalents(root) {
        Ok(list) => list,
        Err(error) => return fail(&format!("cannot read {}: {error}", mutants::EQUIVALENTS)),
    };
    let mut holes = 0;
    for exercise in exercises {
        match mutants_of(root, exercise, &equivalents) {
            Ok(found) => holes += found,
            Err(message) => return fail(&message),
        }
    }
    if holes == 0 {
        println!("\nevery mutant is caught, or listed as equivalent with its reason");
        ExitCode::SUCCESS
    } else {
        println!(
            "\n{holes} missed mutant(s): a check to add, or a reason to list in {}",
            mutants::EQUIVALENTS
        );
        ExitCode::FAILURE
    }
}

/// One exercise's run; returns how many missed mutants are not listed.
fn mutants_of(
    root: &Path,
    exercise: &Exercise,
    equivalents: &[(String, String)],
) -> Result<usize, String> {
    let heading = format!("exercise {}, {}", exercise.chapter, exercise.title);
    let names = mutants::functions(root, exercise).map_err(|error| error.to_string())?;
    if names.is_empty() {
        println!("{heading}: no Rust function to change (it is checked by its cases alone)");
        return Ok(0);
    }
    let out = mutants::output_folder(root, exercise.chapter);
    std::fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let status = mutants::command(root, exercise, &names, &out)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|error| format!("cannot run cargo mutants: {error}"))?;
    // cargo-mutants exits 2 when it missed a mutant, 3 when one timed out:
    // both are results, read below; anything else is a failure to run.
    if !matches!(status.code(), Some(0 | 2 | 3)) {
        return Err(format!(
            "cargo mutants failed on exercise {} ({status})",
            exercise.chapter
        ));
    }
    let tried = mutants::tried(&out).map_err(|error| error.to_string())?;
    let missed = mutants::missed(&out).map_err(|error| error.to_string())?;
    let plural = if tried == 1 { "" } else { "s" };
    println!(
        "{heading}: {tried} mutant{plural} of {}, {} missed",
        names.join(", "),
        missed.len()
    );
    for mutant in mutants::timed_out(&out).map_err(|error| error.to_string())? {
        println!("  timed out (the check fails only at its time limit): {mutant}");
    }
    let mut holes = 0;
    for mutant in missed {
        let name = mutants::without_position(&mutant);
        match equivalents.iter().find(|(listed, _)| *listed == name) {
            Some((_, why)) => println!("  equivalent: {mutant}\n    why: {why}"),
            None => {
                holes += 1;
                println!("  MISSED: {mutant}");
            }
        }
    }
    Ok(holes)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("workbook: {message}");
    ExitCode::from(2)
}
