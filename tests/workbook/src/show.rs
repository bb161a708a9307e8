//! What the reader sees: a status line per exercise, and for a failed check
//! the first failure in full (both sides in the chapter's rendering, where
//! they first differ, the check's own words) and a hint.

use std::sync::OnceLock;

use regex::Regex;

use crate::check::{Check, Failure};
use crate::{Exercise, Hint, hint_for};

/// Where an exercise stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The starter's `todo!()` is still there.
    NotStarted,
    /// The reader's code does not compile, or a check fails: the first reason.
    Failing(String),
    /// Every check passes.
    Done,
}

impl Status {
    /// The status a check's outcome gives.
    pub fn of(check: &Check) -> Status {
        match check {
            Check::DoesNotBuild(_) => Status::Failing("does not compile".to_string()),
            Check::BuildBroke(_) => {
                Status::Failing("the build stopped (not your code)".to_string())
            }
            Check::Ran { failures, .. } => match failures.first() {
                None => Status::Done,
                Some(failure) => Status::Failing(summary(failure)),
            },
        }
    }
}

/// One line for the list: number, title, status.
pub fn status_line(exercise: &Exercise, status: &Status) -> String {
    let status = match status {
        Status::NotStarted => "not started".to_string(),
        Status::Failing(why) => format!("failing: {why}"),
        Status::Done => "done".to_string(),
    };
    format!(
        "exercise {:>2}  {:<22} {status}",
        exercise.chapter, exercise.title
    )
}

/// A failure in one line: the case and where the sides first differ, or the check's words.
fn summary(failure: &Failure) -> String {
    let (name, other) = match (&failure.expected, &failure.exhibit) {
        (Some(expected), _) => ("the chapter's code", expected.as_str()),
        (None, Some(exhibit)) if compares_the_runs(failure) => ("bash", exhibit.bash.as_str()),
        _ => ("", ""),
    };
    match &failure.exhibit {
        Some(exhibit) => match first_difference(name, other, &exhibit.rust) {
            Some(difference) => format!("{}: {difference}", exhibit.case),
            None => format!("{}: {}", exhibit.case, first_line(&failure.message)),
        },
        None => format!("{}: {}", failure.test, first_line(&failure.message)),
    }
}

/// The whole report of a check: the verdict, the first failure in full,
/// the other failures by name, and the hint written for the first failure.
pub fn report(exercise: &Exercise, check: &Check, hints: &[Hint]) -> String {
    let heading = format!("exercise {}, {}", exercise.chapter, exercise.title);
    let (passed, failures) = match check {
        Check::DoesNotBuild(errors) => {
            return format!(
                "{heading}: your code does not compile yet\n\n{}\nrustc's errors name the line in {}.\n",
                indent(&without_panic_noise(errors)),
                exercise.file()
            );
        }
        Check::BuildBroke(why) => {
            return format!(
                "{heading}: the build stopped before the checks could run\n\n{}\n\
                 This is not a mistake in {}: nothing above points at a line of code.\n\
                 The message says what stopped cargo (a full disk, a linker that failed);\n\
                 fix that, then check again.\n",
                indent(why),
                exercise.file()
            );
        }
        Check::Ran { passed, failures } => (passed.len(), failures),
    };
    let total = passed + failures.len();
    let Some((first, others)) = failures.split_first() else {
        return format!("{heading}: done, all {total} checks pass\n");
    };
    let mut out = format!("{heading}: {passed} of {total} checks pass\n\n");
    out.push_str(&show_failure(first));
    if !others.is_empty() {
        // The failure above ends with a blank line.
        out.push_str("also failing:\n");
        for failure in others {
            out.push_str(&format!("  {}\n", summary(failure)));
        }
    }
    out.push_str(&hint_lines(exercise, hints, &first.test));
    out
}

/// The hint for the failed check `test`, and where the others are.
fn hint_lines(exercise: &Exercise, hints: &[Hint], test: &str) -> String {
    let number = hint_for(hints, test);
    let Some(hint) = hints.get(number - 1) else {
        return String::new();
    };
    let others = match (number, hints.len()) {
        (_, 1) => String::new(),
        (1, _) => format!(
            "(more hints: cargo run -p workbook -- hint {} 2)\n",
            exercise.chapter
        ),
        (_, total) => format!(
            "(all {total} hints, from the first: cargo run -p workbook -- hint {} 1)\n",
            exercise.chapter
        ),
    };
    format!(
        "\nhint {number} of {}, for this check:\n  {}\n{others}",
        hints.len(),
        hint.text.replace('\n', "\n  ")
    )
}

/// One failure in full.
fn show_failure(failure: &Failure) -> String {
    let mut out = format!("✗ {}\n", failure.test);
    let Some(exhibit) = &failure.exhibit else {
        out.push_str(&format!(
            "  the check: {}\n",
            without_panic_noise(&check_words(&failure.message)).replace('\n', "\n  ")
        ));
        return out;
    };
    out.push_str(&format!("  case: {}\n", exhibit.case));
    if let Some(expected) = &failure.expected {
        let difference = first_difference("the chapter's code", expected, &exhibit.rust);
        out.push_str(&format!(
            "  the check: the chapter's snapshot of this case, and your code's output is not the same\n  they first differ at {}\n\n",
            difference.unwrap_or_default()
        ));
    } else {
        let difference = compares_the_runs(failure)
            .then(|| first_difference("bash", &exhibit.bash, &exhibit.rust))
            .flatten();
        if let Some(difference) = difference {
            out.push_str(&format!(
                "  bash and your code first differ at {difference}\n"
            ));
        }
        out.push_str(&format!(
            "  the check: {}\n\n",
            check_words(&failure.message)
        ));
    }
    if !exhibit.bash.is_empty() {
        out.push_str(&indent(&without_panic_noise(&exhibit.bash)));
        out.push('\n');
    }
    if let Some(expected) = &failure.expected {
        out.push_str(&indent(&expected.replacen(
            "== rust ==",
            "== rust (the chapter's code) ==",
            1,
        )));
        out.push('\n');
    }
    let rust = exhibit
        .rust
        .replacen("== rust ==", "== rust (your code) ==", 1);
    out.push_str(&indent(&without_panic_noise(&rust)));
    out.push('\n');
    out
}

/// Whether the failed check said bash and the Rust side should agree (a
/// bare `assert_eq!` of the two runs): only then is where they first
/// differ the mistake. A named claim may expect them to differ.
fn compares_the_runs(failure: &Failure) -> bool {
    failure
        .message
        .starts_with("assertion `left == right` failed")
}

/// An assertion's message without libtest's framing: the test's own words,
/// and, from a [`harness::claim_eq`], its two values, each under the label
/// that says whose it is, when they are short enough to read at a glance.
/// A bare `assert_eq!`'s `left` and `right` are left out: they do not say
/// which is the reader's, and the case's two runs are shown in full anyway.
fn check_words(message: &str) -> String {
    let mut lines = message.lines();
    let mut first = lines.next().unwrap_or_default();
    // A panic in the reader's own code reads `thread 't' panicked at
    // file:line:column:` and then its message: the message is what says
    // what went wrong, and the place goes after it.
    let mut place = None;
    if first.starts_with("thread '")
        && let Some((_, at)) = first.split_once(" panicked at ")
    {
        place = Some(at.trim_end_matches(':'));
        first = lines.next().unwrap_or_default();
    }
    let words = first
        .strip_prefix("assertion `left == right` failed: ")
        .or_else(|| first.strip_prefix("assertion failed: "))
        .unwrap_or(first);
    let labels = [harness::GOT_LABEL, harness::EXPECTED_LABEL];
    let values: Vec<&str> = lines
        .filter(|line| {
            labels
                .iter()
                .any(|label| line.starts_with(&format!("{label}: ")))
        })
        .collect();
    let mut out = words.to_string();
    if let Some(place) = place {
        out.push_str(&format!(" (at {place})"));
    }
    // Both or neither: one value alone says nothing.
    if values.len() == 2 && values.iter().all(|line| line.len() <= 120) {
        for line in values {
            out.push_str(&format!("\n  {line}"));
        }
    }
    out
}

/// Where two renderings of one case first differ, named as the rendering
/// names its parts: `exit status`, `stdout, line 2`, `log, line 3`. The
/// first is `name`'s (bash, or the chapter's Rust), the second the reader's.
pub fn first_difference(name: &str, bash: &str, rust: &str) -> Option<String> {
    if bash.is_empty() {
        return None;
    }
    // The first line is the side's title, which always differs.
    let bash: Vec<&str> = bash.lines().skip(1).collect();
    let rust: Vec<&str> = rust.lines().skip(1).collect();
    let mut part = String::new();
    let mut line_in_part = 0;
    for index in 0..bash.len().max(rust.len()) {
        let (left, right) = (bash.get(index).copied(), rust.get(index).copied());
        let here = left.or(right).unwrap_or_default();
        let is_heading = !here.starts_with(' ');
        if is_heading {
            part = heading_name(here);
            line_in_part = 0;
        } else {
            line_in_part += 1;
        }
        if left != right {
            if is_heading {
                // `exit status: 0`: the value after the part's name is what differs.
                return Some(format!(
                    "{part}: {name} {}, your code {}",
                    quoted(left.map(heading_value)),
                    quoted(right.map(heading_value))
                ));
            }
            return Some(format!(
                "{part}, line {line_in_part}: {name} {}, your code {}",
                quoted(left),
                quoted(right)
            ));
        }
    }
    None
}

/// `exit status` from `exit status: 0`, `runtime api` from `== runtime api ==`.
fn heading_name(line: &str) -> String {
    let name = line.trim_matches(|c: char| c == '=' || c == ' ');
    name.split_once(':')
        .map_or(name, |(name, _)| name)
        .to_string()
}

/// `0` from `exit status: 0`; the line itself when it has no value.
fn heading_value(line: &str) -> &str {
    line.split_once(": ").map_or(line, |(_, value)| value)
}

fn quoted(line: Option<&str>) -> String {
    match line {
        Some(line) => format!("`{}`", without_panic_noise(line.trim())),
        None => "(nothing)".to_string(),
    }
}

fn first_line(text: &str) -> String {
    check_words(text)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A panic or a compiler error as the reader needs it: which line of their
/// file, and why; not the thread's id or the advice about backtraces.
fn without_panic_noise(text: &str) -> String {
    static NOISE: OnceLock<[(Regex, &str); 3]> = OnceLock::new();
    let noise = NOISE.get_or_init(|| {
        [
            // The chapter's lib.rs names the exercise file as `../exercise/...`.
            (Regex::new(r"/src/\.\./").expect("valid"), "/"),
            (
                Regex::new(r"thread '([^']*)' \(\d+\) panicked").expect("valid"),
                "thread '$1' panicked",
            ),
            (
                Regex::new(r"(?m)^( *)note: run with `RUST_BACKTRACE=1`.*\n?").expect("valid"),
                "",
            ),
        ]
    });
    let mut text = text.to_string();
    for (pattern, replacement) in noise {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}").trim_end().to_string() + "\n")
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_the_readers_code_is_told_by_its_message_then_its_place() {
        let message =
            "thread 't' panicked at exercise/chunk.rs:14:5:\nnot yet implemented: frame 11 bytes";
        assert_eq!(
            check_words(message),
            "not yet implemented: frame 11 bytes (at exercise/chunk.rs:14:5)"
        );
    }

    #[test]
    fn names_the_part_and_line_that_differ() {
        let bash = "== bash ==\nexit status: 0\nstdout:\n  a\n  b\nstderr: (nothing)\n";
        let same_status = "== rust ==\nexit status: 0\nstdout:\n  a\n  c\nstderr: (nothing)\n";
        assert_eq!(
            first_difference("bash", bash, same_status).as_deref(),
            Some("stdout, line 2: bash `b`, your code `c`")
        );
        let other_status = "== rust ==\nexit status: 101\nstdout: (nothing)\n";
        assert_eq!(
            first_difference("bash", bash, other_status).as_deref(),
            Some("exit status: bash `0`, your code `101`")
        );
        assert_eq!(
            first_difference("bash", bash, &bash.replace("bash", "rust")),
            None
        );
    }

    #[test]
    fn keeps_the_checks_words_and_short_values() {
        let claimed = std::panic::catch_unwind(|| harness::claim_eq("both stop", (1, 101), (1, 1)))
            .expect_err("the claim fails");
        let message = claimed.downcast_ref::<String>().unwrap();
        assert_eq!(
            check_words(message),
            "both stop\n       the runs gave: (1, 101)\n    the chapter says: (1, 1)"
        );
        let bare = "assertion `left == right` failed: both stop\n  left: (1, 101)\n right: (1, 1)";
        assert_eq!(
            check_words(bare),
            "both stop",
            "left and right name no side"
        );
    }

    #[test]
    fn a_panic_keeps_its_place_and_reason_only() {
        let stderr = "thread 'main' (4242) panicked at exercise/f.rs:3:5:\nnot yet implemented\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            without_panic_noise(stderr),
            "thread 'main' panicked at exercise/f.rs:3:5:\nnot yet implemented\n"
        );
    }

    #[test]
    fn a_build_stopped_outside_the_code_is_not_called_the_readers_mistake() {
        let exercise = &crate::EXERCISES[0];
        let why =
            "error: linking with `cc` failed: exit status: 1\n  = note: No space left on device";
        let shown = report(exercise, &Check::BuildBroke(why.to_string()), &[]);
        assert!(
            shown.contains("the build stopped before the checks could run"),
            "{shown}"
        );
        assert!(
            shown.contains("    = note: No space left on device"),
            "{shown}"
        );
        assert!(!shown.contains("does not compile"), "{shown}");
    }
}
