//! Running an exercise's check: the chapter's own tests, built with the
//! reader's code, with the harness asked to report each failure.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness::exhibit::{Exhibit, REPORT_DIR};

use crate::Exercise;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The reader's code does not compile: rustc's errors.
    DoesNotBuild(String),
    /// The build stopped, but at no line of code: the linker failed, or
    /// the disk is full. What cargo or the linker said, whole.
    BuildBroke(String),
    /// The tests ran.
    Ran {
        passed: Vec<String>,
        failures: Vec<Failure>,
    },
}

/// One test that failed with the reader's code in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The test's name, as the chapter's test file spells it.
    pub test: String,
    /// The failed assertion's message (the check's own words).
    pub message: String,
    /// The comparison the test was judging, when it had got that far.
    pub exhibit: Option<Exhibit>,
    /// When a snapshot failed: the chapter's own Rust side of that case,
    /// as the committed snapshot shows it.
    pub expected: Option<String>,
}

impl Check {
    /// Whether every test passed.
    pub fn is_done(&self) -> bool {
        matches!(self, Check::Ran { failures, .. } if failures.is_empty())
    }
}

/// Builds the exercise's chapter with the reader's code and runs its tests.
/// `Err` only when cargo itself cannot be run.
pub fn run(root: &Path, exercise: &Exercise) -> io::Result<Check> {
    let reports = ReportFolder::new()?;
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()));
    command
        .current_dir(root)
        // Cargo's messages as JSON: rustc's diagnostics come whole, each
        // in one `rendered` field, instead of mixed with cargo's progress.
        .args(["test", "--color", "never", "--message-format", "json"])
        .args(["--no-fail-fast", "-p"])
        .arg(exercise.package())
        .args(["--features", "exercise"]);
    for test in exercise.tests {
        command.args(["--test", test]);
    }
    // A check compares with the committed snapshots, as they are: it never
    // writes one, and no setting of the caller's (`cargo insta test` sets
    // INSTA_FORCE_PASS, for one) may make a mismatch pass.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("INSTA_") {
            command.env_remove(name);
        }
    }
    command
        .env("INSTA_UPDATE", "no")
        .env(REPORT_DIR, &reports.0)
        .env("RUST_BACKTRACE", "0");
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (passed, failed) = test_lines(&stdout);
    if passed.is_empty() && failed.is_empty() {
        return Ok(why_the_build_failed(&stdout, &stderr));
    }
    let snapshots = root.join(exercise.folder).join("tests/snapshots");
    let mut failures: Vec<Failure> = failed
        .into_iter()
        .map(|test| reports.failure(&test, &stdout, &snapshots))
        .collect();
    // libtest reports in the order tests finish; the chapter's order goes
    // from the plain case to the odd ones, which is the order to fix them in.
    let order = test_order(root, exercise);
    failures.sort_by_key(|failure| order.iter().position(|name| *name == failure.test));
    Ok(Check::Ran { passed, failures })
}

/// The exercise's test functions, in the order their files define them.
pub fn test_order(root: &Path, exercise: &Exercise) -> Vec<String> {
    let mut names = Vec::new();
    for test in exercise.tests {
        let path = root.join(exercise.folder).join(format!("tests/{test}.rs"));
        let text = fs::read_to_string(path).unwrap_or_default();
        let mut after_attribute = false;
        for line in text.lines() {
            let line = line.trim();
            if line == "#[test]" {
                after_attribute = true;
            } else if after_attribute && let Some(rest) = line.strip_prefix("fn ") {
                names.extend(rest.split('(').next().map(str::to_string));
                after_attribute = false;
            }
        }
    }
    names
}

/// The names of the tests libtest reported as passed and as failed.
fn test_lines(stdout: &str) -> (Vec<String>, Vec<String>) {
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            passed.push(name.to_string());
        } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
            failed.push(name.to_string());
        }
    }
    (passed, failed)
}

/// Why a build that ran no test failed: rustc's first error in the code,
/// whole (its message, the lines it points at, the expected/found notes and
/// its help), and how many more there are. An error that points at no line
/// (the linker's, or rustc's "No space left on device") is not the reader's
/// mistake and says so. When rustc reported nothing at all (cargo could not
/// resolve the package, say), cargo's own `stderr`, whole.
fn why_the_build_failed(stdout: &str, stderr: &str) -> Check {
    let messages: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-message")
        .map(|message| message["message"].clone())
        .filter(|message| message["level"] == "error")
        // rustc's closing summary ("aborting due to ...") says nothing new.
        .filter(|message| {
            !message["message"]
                .as_str()
                .is_some_and(|text| text.starts_with("aborting due to"))
        })
        .collect();
    let rendered = |message: &serde_json::Value| {
        message["rendered"]
            .as_str()
            .or(message["message"].as_str())
            .unwrap_or_default()
            .trim_end()
            .to_string()
    };
    let (in_code, elsewhere): (Vec<_>, Vec<_>) = messages.iter().partition(|message| {
        message["spans"]
            .as_array()
            .is_some_and(|spans| !spans.is_empty())
    });
    match (in_code.split_first(), elsewhere.first()) {
        (Some((first, [])), _) => Check::DoesNotBuild(rendered(first)),
        (Some((first, rest)), _) => Check::DoesNotBuild(format!(
            "{}\n\n(and {} more error{}; fix this one first, they often go with it)",
            rendered(first),
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        )),
        (None, Some(error)) => Check::BuildBroke(rendered(error)),
        (None, None) => Check::BuildBroke(stderr.trim_end().to_string()),
    }
}

/// A folder for the harness's failure reports, removed when dropped.
struct ReportFolder(PathBuf);

impl ReportFolder {
    fn new() -> io::Result<ReportFolder> {
        harness::new_temp_folder("workbook-reports").map(ReportFolder)
    }

    /// The failure of `test`: from its report when the harness wrote one,
    /// otherwise from what libtest printed of its panic.
    fn failure(&self, test: &str, stdout: &str, snapshots: &Path) -> Failure {
        let report = fs::read_to_string(self.0.join(format!("{}.json", test.replace("::", "-"))))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        let Some(report) = report else {
            return Failure {
                test: test.to_string(),
                message: panic_message(test, stdout),
                exhibit: None,
                expected: None,
            };
        };
        let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
        let exhibits: Vec<Exhibit> = report["exhibits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|exhibit| Exhibit {
                case: text(&exhibit["case"]),
                bash: text(&exhibit["bash"]),
                rust: text(&exhibit["rust"]),
            })
            .collect();
        let message = text(&report["message"]);
        let (exhibit, expected) = match failed_snapshot(&message) {
            Some(name) => judged_by_snapshot(&exhibits, &snapshots.join(format!("{name}.snap"))),
            None => (exhibits.last().cloned(), None),
        };
        Failure {
            test: test.to_string(),
            message,
            exhibit,
            expected,
        }
    }
}

/// The snapshot an insta failure names.
fn failed_snapshot(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("snapshot assertion for '")?;
    rest.split_once('\'').map(|(name, _)| name)
}

/// The first case whose Rust side is not what the committed snapshot
/// shows, with what it shows; the last case when none can be told apart.
/// A case counts only when its bash side is the snapshot's too: that
/// proves the test rendered it as the snapshot does.
fn judged_by_snapshot(exhibits: &[Exhibit], snapshot: &Path) -> (Option<Exhibit>, Option<String>) {
    let committed = fs::read_to_string(snapshot).unwrap_or_default();
    for exhibit in exhibits {
        let Some((bash, rust)) = sides(&committed, &exhibit.case) else {
            continue;
        };
        let same = |a: &str, b: &str| a.trim_end() == b.trim_end();
        if same(&bash, &exhibit.bash) && !same(&rust, &exhibit.rust) {
            return (Some(exhibit.clone()), Some(rust));
        }
    }
    (exhibits.last().cloned(), None)
}

/// In a snapshot of side-by-side cases, the `== bash ==` and `== rust ==`
/// parts of `case`.
fn sides(snapshot: &str, case: &str) -> Option<(String, String)> {
    let (_, after_case) = snapshot.split_once(&format!("\ncase: {case}\n"))?;
    let case_text = after_case.split("\ncase: ").next()?;
    let (_, both) = case_text.split_once("== bash ==\n")?;
    let (bash, rust) = both.split_once("== rust ==\n")?;
    Some((
        format!("== bash ==\n{}", bash.trim_end()),
        format!("== rust ==\n{}", rust.trim_end()),
    ))
}

impl Drop for ReportFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What libtest printed under `---- test stdout ----`, less the lines about backtraces.
fn panic_message(test: &str, stdout: &str) -> String {
    let heading = format!("---- {test} stdout ----");
    stdout
        .split_once(&heading)
        .map(|(_, rest)| {
            rest.lines()
                .skip(1)
                .take_while(|line| !line.starts_with("---- ") && !line.starts_with("failures:"))
                .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "(the test failed without a message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_case_a_snapshot_disagrees_with() {
        let snapshot = "---\nsource: t.rs\n---\ncase: one\n\n== bash ==\nexit status: 0\n\n== rust ==\nexit status: 0\n\ncase: two\n\n== bash ==\nexit status: 0\n\n== rust ==\nexit status: 1\n";
        let rust = |case: &str| sides(snapshot, case).map(|(_, rust)| rust);
        assert_eq!(rust("two").as_deref(), Some("== rust ==\nexit status: 1"));
        assert_eq!(rust("one").as_deref(), Some("== rust ==\nexit status: 0"));
        assert_eq!(rust("three"), None);
        let exhibit = |rust: &str| Exhibit {
            case: "two".to_string(),
            bash: "== bash ==\nexit status: 0\n".to_string(),
            rust: rust.to_string(),
        };
        let path = std::env::temp_dir().join(format!("workbook-{}.snap", std::process::id()));
        fs::write(&path, snapshot).unwrap();
        let differs = judged_by_snapshot(&[exhibit("== rust ==\nexit status: 101\n")], &path);
        assert_eq!(differs.1.as_deref(), Some("== rust ==\nexit status: 1"));
        let mut other_rendering = exhibit("== rust ==\nexit status: 101\n");
        other_rendering.bash = "== bash ==\nresults:\n".to_string();
        assert_eq!(judged_by_snapshot(&[other_rendering], &path).1, None);
        fs::remove_file(path).unwrap();
        assert_eq!(
            failed_snapshot("snapshot assertion for 'handler_failures' failed in line 9"),
            Some("handler_failures")
        );
    }

    #[test]
    fn reads_libtests_verdicts() {
        let stdout = "running 3 tests\ntest a ... ok\ntest b ... FAILED\ntest c ... ignored\n";
        assert_eq!(
            test_lines(stdout),
            (vec!["a".to_string()], vec!["b".to_string()])
        );
    }

    /// One of cargo's JSON lines carrying a rustc diagnostic.
    fn diagnostic(level: &str, rendered: &str, spans: &str) -> String {
        let first_line = rendered.lines().next().unwrap_or_default();
        let text = first_line
            .split_once(": ")
            .map_or(first_line, |(_, text)| text);
        serde_json::json!({
            "reason": "compiler-message",
            "message": {
                "level": level,
                "message": text,
                "rendered": rendered,
                "spans": serde_json::from_str::<serde_json::Value>(spans).unwrap(),
            },
        })
        .to_string()
    }

    #[test]
    fn keeps_rustcs_first_error_whole() {
        let first = "error[E0308]: mismatched types\n --> a.rs:2:5\n  |\n2 |     \"x\"\n  |     ^^^ expected `String`, found `&str`\n";
        let stdout = [
            r#"{"reason":"compiler-artifact"}"#.to_string(),
            diagnostic("warning", "warning: unused\n", "[{}]"),
            diagnostic("error", first, "[{}]"),
            diagnostic("error", "error[E0425]: cannot find value `y`\n", "[{}]"),
            diagnostic("error", "error: aborting due to 2 previous errors\n", "[]"),
            "running 0 tests".to_string(),
        ]
        .join("\n");
        let Check::DoesNotBuild(shown) = why_the_build_failed(&stdout, "   Compiling chapter-02\n")
        else {
            panic!("an error in the code is the reader's to fix");
        };
        assert!(shown.starts_with(first.trim_end()), "{shown}");
        assert!(shown.ends_with("(and 1 more error; fix this one first, they often go with it)"));
        assert!(
            !shown.contains("warning") && !shown.contains("aborting"),
            "{shown}"
        );
    }

    #[test]
    fn an_error_at_no_line_is_shown_as_not_the_readers() {
        let linker = "error: linking with `cc` failed: exit status: 1\n  = note: /usr/bin/ld: final link failed: No space left on device\n";
        let stdout = [
            diagnostic("error", linker, "[]"),
            diagnostic("error", "error: aborting due to 1 previous error\n", "[]"),
        ]
        .join("\n");
        assert_eq!(
            why_the_build_failed(&stdout, "error: could not compile `chapter-04`\n"),
            Check::BuildBroke(linker.trim_end().to_string()),
            "the linker's words, not cargo's summary"
        );
        assert_eq!(
            why_the_build_failed("", "error: package `x` not found\n"),
            Check::BuildBroke("error: package `x` not found".to_string()),
            "cargo's own words when rustc said nothing"
        );
    }

    #[test]
    fn a_panic_without_a_report_keeps_its_message() {
        let stdout = "failures:\n\n---- t stdout ----\n\nthread 't' panicked at x.rs:1:1:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    t\n";
        assert_eq!(
            panic_message("t", stdout),
            "thread 't' panicked at x.rs:1:1:\nboom"
        );
    }
}
