//! `workbook mutants`: does each exercise's check catch wrong code?
//!
//! A check that passes the chapter's solution must fail code that is
//! wrong. [cargo-mutants](https://mutants.rs) measures that: it changes the
//! chapter's own solution one small way at a time (a condition turned
//! around, a body replaced by a default value) and runs the exercise's
//! check against each change. A change the check does not notice is a
//! *missed* mutant: either a hole in the check, or a change that does not
//! alter what the function does (an *equivalent* mutant). The equivalent
//! ones are listed, each with the reason, in [`EQUIVALENTS`]; any other
//! missed mutant is a hole to fill.
//!
//! It builds and tests each mutant, so it takes minutes, and it is not
//! part of `cargo test`: run it after changing a check or a solution.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Exercise, anchor_region};

/// The list of equivalent mutants, from the workspace root: for each, the
/// mutant as cargo-mutants names it (without its line and column), and on
/// the next line, indented, `why:` and the reason.
pub const EQUIVALENTS: &str = "tests/workbook/equivalent-mutants.txt";

/// The functions an exercise's solution defines, in its `exercise` anchor:
/// the names cargo-mutants is told to change.
pub fn functions(root: &Path, exercise: &Exercise) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for file in exercise.files {
        let path = root.join(exercise.folder).join(file.solution);
        let text = fs::read_to_string(&path)?;
        let region = anchor_region(&text, "exercise").unwrap_or_default();
        names.extend(region.lines().filter_map(function_name));
    }
    Ok(names)
}

/// The name a line defines with `fn` (or `pub fn`), if it does.
fn function_name(line: &str) -> Option<String> {
    let code = line.trim_start();
    let rest = code
        .strip_prefix("pub fn ")
        .or_else(|| code.strip_prefix("fn "))?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The cargo-mutants run for `exercise`: the chapter's own solution
/// changed in place, one mutant at a time, each judged by the exercise's
/// check; its results go to `out`.
pub fn command(root: &Path, exercise: &Exercise, names: &[String], out: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()));
    command
        .current_dir(root)
        .args(["mutants", "--in-place", "--no-shuffle"])
        // A runtime that never asks for work fails its check only when the
        // local Lambda gives up on its Init (Lambda's 10 s, per event): a
        // minute, not the 20 s cargo-mutants would allow.
        .args(["--timeout", "120"])
        .args(["--package", &exercise.package()])
        .arg("--re")
        .arg(format!(r"\b({})\b", names.join("|")))
        .arg("--output")
        .arg(out);
    for file in exercise.files {
        command
            .arg("--file")
            .arg(Path::new(exercise.folder).join(file.solution));
    }
    command.arg("--");
    for test in exercise.tests {
        command.args(["--test", test]);
    }
    command
}

/// The mutants a finished run missed, as cargo-mutants lists them.
pub fn missed(out: &Path) -> io::Result<Vec<String>> {
    listed(out, "missed.txt")
}

/// The mutants whose check did not end before cargo-mutants' time limit:
/// caught, since the check did not pass, but a reader who wrote that code
/// would wait for the limit.
pub fn timed_out(out: &Path) -> io::Result<Vec<String>> {
    listed(out, "timeout.txt")
}

fn listed(out: &Path, file: &str) -> io::Result<Vec<String>> {
    let text = fs::read_to_string(out.join("mutants.out").join(file))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// How many mutants a finished run tried, from its outcomes file.
pub fn tried(out: &Path) -> io::Result<usize> {
    let text = fs::read_to_string(out.join("mutants.out").join("outcomes.json"))?;
    let outcomes: serde_json::Value = serde_json::from_str(&text).map_err(io::Error::other)?;
    Ok(outcomes["outcomes"].as_array().map_or(0, |all| {
        all.iter().filter(|o| o["scenario"] != "Baseline").count()
    }))
}

/// A mutant's name without its line and column, which move whenever the
/// file above it changes: `src/lib.rs: replace ...` from `src/lib.rs:61:22: replace ...`.
pub fn without_position(mutant: &str) -> String {
    let mut parts = mutant.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(file), Some(line), Some(column), Some(rest))
            if line.chars().all(|c| c.is_ascii_digit())
                && column.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{file}:{rest}")
        }
        _ => mutant.to_string(),
    }
}

/// The equivalent mutants and why each is equivalent.
pub fn equivalents(root: &Path) -> io::Result<Vec<(String, String)>> {
    let text = fs::read_to_string(root.join(EQUIVALENTS))?;
    Ok(parse_equivalents(&text))
}

fn parse_equivalents(text: &str) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(why) = line.trim_start().strip_prefix("why: ") {
            if let Some(last) = list.last_mut() {
                last.1 = why.to_string();
            }
        } else if !line.trim().is_empty() && !line.starts_with('#') {
            list.push((without_position(line.trim()), String::new()));
        }
    }
    list
}

/// Where `workbook mutants` keeps cargo-mutants' output for exercise `chapter`.
pub fn output_folder(root: &Path, chapter: u8) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("mutants").join(format!("exercise-{chapter}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_functions_an_exercise_defines() {
        let names: Vec<String> = [
            "/// Sends it.",
            "pub fn post_response(",
            "    let x = 1;",
            "    pub fn accepted(sent: X) -> Y {",
            "    // a fn in a comment",
        ]
        .into_iter()
        .filter_map(function_name)
        .collect();
        assert_eq!(names, ["post_response", "accepted"]);
    }

    #[test]
    fn a_mutant_is_named_without_its_place() {
        assert_eq!(
            without_position("chapters/a/src/lib.rs:61:22: replace match guard x with true in f"),
            "chapters/a/src/lib.rs: replace match guard x with true in f"
        );
        let list = parse_equivalents(
            "# comment\nchapters/a/src/lib.rs:9:5: replace == with != in f\n    why: never reached\n",
        );
        assert_eq!(
            list,
            [(
                "chapters/a/src/lib.rs: replace == with != in f".to_string(),
                "never reached".to_string()
            )]
        );
    }
}
