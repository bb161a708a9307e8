//! The workbook: the book's exercises, and the checks that tell a reader
//! where they stand.
//!
//! Each exercise is one function of a chapter, in a file the reader edits
//! (`chapters/<chapter>/exercise/<function>.rs`). Built with the chapter's
//! `exercise` feature, the reader's function replaces the chapter's, and the
//! chapter's own tests, bash beside Rust, judge it. This crate runs those
//! tests, collects what the harness reports of each failure (see
//! `harness::exhibit`) and shows it: both sides in the chapter's rendering,
//! where they first differ, and a hint. The chapter's code is the solution;
//! the reader's progress is their edited files and nothing else.

pub mod check;
pub mod mutants;
pub mod show;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One exercise: a chapter's core function, for the reader to write.
#[derive(Debug)]
pub struct Exercise {
    /// The chapter's number, which is also the exercise's.
    pub chapter: u8,
    /// What the chapter is about, as its page's title says it.
    pub title: &'static str,
    /// The chapter's crate folder, from the workspace root.
    pub folder: &'static str,
    /// What the reader writes, as the page names it.
    pub function: &'static str,
    /// The files the reader edits, the first the one to start from.
    pub files: &'static [ExerciseFile],
    /// The chapter's integration tests that make up the check.
    pub tests: &'static [&'static str],
    /// The book's page, where "Your turn" explains the exercise.
    pub page: &'static str,
}

/// One file of an exercise.
#[derive(Debug)]
pub struct ExerciseFile {
    /// Its name in the chapter's `exercise/` folder.
    pub name: &'static str,
    /// The chapter's file, from the chapter's folder, that holds the
    /// solution in its `exercise` anchor.
    pub solution: &'static str,
}

/// Every exercise, in the book's order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        chapter: 2,
        title: "strict mode",
        folder: "chapters/chapter-02-strict-mode",
        function: "required_from",
        files: &[ExerciseFile {
            name: "required_from.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/strict-mode.md",
    },
    Exercise {
        chapter: 3,
        title: "finding the handler",
        folder: "chapters/chapter-03-find-handler",
        function: "parse_handler",
        files: &[ExerciseFile {
            name: "parse_handler.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/find-handler.md",
    },
    Exercise {
        chapter: 4,
        title: "asking for work",
        folder: "chapters/chapter-04-next-event",
        function: "next_invocation",
        files: &[ExerciseFile {
            name: "next_invocation.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/next-event.md",
    },
    Exercise {
        chapter: 5,
        title: "the request id",
        folder: "chapters/chapter-05-request-id",
        function: "request_id",
        files: &[ExerciseFile {
            name: "request_id.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/request-id.md",
    },
    Exercise {
        chapter: 6,
        title: "running the handler",
        folder: "chapters/chapter-06-run-handler",
        function: "run_with",
        files: &[ExerciseFile {
            name: "run_with.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/run-handler.md",
    },
    Exercise {
        chapter: 7,
        title: "answering",
        folder: "chapters/chapter-07-respond",
        function: "post_response",
        files: &[ExerciseFile {
            name: "post_response.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/respond.md",
    },
    Exercise {
        chapter: 8,
        title: "the whole loop",
        folder: "chapters/chapter-08-the-loop",
        function: "serve_one",
        files: &[ExerciseFile {
            name: "serve_one.rs",
            solution: "src/lib.rs",
        }],
        tests: &["parity"],
        page: "book/the-loop.md",
    },
    Exercise {
        chapter: 1,
        title: "repairing the bash",
        folder: "chapters/chapter-01-whole-picture",
        function: "bootstrap and function.sh",
        files: &[
            ExerciseFile {
                name: "bootstrap",
                solution: "repaired/bootstrap",
            },
            ExerciseFile {
                name: "function.sh",
                solution: "repaired/function.sh",
            },
        ],
        tests: &["repaired"],
        page: "book/repair-the-bash.md",
    },
    Exercise {
        chapter: 9,
        title: "when things go wrong",
        folder: "chapters/chapter-09-errors",
        function: "post_error",
        files: &[ExerciseFile {
            name: "post_error.rs",
            solution: "src/lib.rs",
        }],
        tests: &["errors"],
        page: "book/errors.md",
    },
    Exercise {
        chapter: 10,
        title: "the context",
        folder: "chapters/chapter-10-context",
        function: "shell_env",
        files: &[ExerciseFile {
            name: "shell_env.rs",
            solution: "src/lib.rs",
        }],
        tests: &["context"],
        page: "book/context.md",
    },
    Exercise {
        chapter: 11,
        title: "defending the loop",
        folder: "chapters/chapter-11-defending",
        function: "handler_deadline",
        files: &[ExerciseFile {
            name: "handler_deadline.rs",
            solution: "src/lib.rs",
        }],
        tests: &["defending", "deadline"],
        page: "book/defending.md",
    },
    Exercise {
        chapter: 12,
        title: "an R handler",
        folder: "chapters/chapter-12-r",
        function: "summarise",
        files: &[ExerciseFile {
            name: "stats.R",
            solution: "example/stats.R",
        }],
        tests: &["exercise"],
        page: "book/r-runtime.md",
    },
    Exercise {
        chapter: 13,
        title: "shipping",
        folder: "chapters/chapter-13-shipping",
        function: "package_function",
        files: &[ExerciseFile {
            name: "package_function.rs",
            solution: "src/lib.rs",
        }],
        tests: &["package"],
        page: "book/shipping.md",
    },
    Exercise {
        chapter: 17,
        title: "streaming the answer",
        folder: "chapters/chapter-17-streaming",
        function: "chunk",
        files: &[ExerciseFile {
            name: "chunk.rs",
            solution: "src/lib.rs",
        }],
        tests: &["streaming"],
        page: "book/streaming.md",
    },
];

impl Exercise {
    /// The crate's name, for `cargo -p`.
    pub fn package(&self) -> String {
        format!("chapter-{:02}", self.chapter)
    }

    /// The file the reader starts from, from the workspace root.
    pub fn file(&self) -> String {
        self.path_of(&self.files[0])
    }

    /// Every file the reader edits, from the workspace root.
    pub fn paths(&self) -> Vec<String> {
        self.files.iter().map(|file| self.path_of(file)).collect()
    }

    fn path_of(&self, file: &ExerciseFile) -> String {
        format!("{}/exercise/{}", self.folder, file.name)
    }

    /// The exercise's hints, from the workspace root.
    pub fn hints_file(&self) -> String {
        format!("{}/exercise/hints.md", self.folder)
    }
}

/// The attribute that leaves a chapter's own code out when the reader's
/// stands in for it.
pub const EXERCISE_SWITCH: &str = r#"#[cfg(not(feature = "exercise"))]"#;

/// The exercise for chapter `number`, if it has one.
pub fn exercise(number: u8) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|exercise| exercise.chapter == number)
}

/// The workspace the reader works in: the nearest folder, from `start`
/// upward, that holds `book.toml` and `chapters/`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|folder| folder.join("book.toml").is_file() && folder.join("chapters").is_dir())
        .map(Path::to_path_buf)
}

/// Whether an exercise's text is still as it was handed out: a body is
/// still the starter's `todo!()`.
pub fn untouched(text: &str) -> bool {
    text.lines()
        .any(|line| line.trim_start().starts_with("todo!("))
}

/// Whether the reader has not started `exercise`: every Rust file still
/// holds its `todo!()`, an R file its `stop("not yet implemented")`, and
/// every other file (exercise 1's bash) still has the code of the bash
/// original's file of the same name, comments aside.
pub fn not_started(root: &Path, exercise: &Exercise) -> io::Result<bool> {
    for path in exercise.paths() {
        let text = fs::read_to_string(root.join(&path))?;
        let as_handed_out = if path.ends_with(".rs") {
            untouched(&text)
        } else if path.ends_with(".R") {
            text.contains(R_STARTER)
        } else {
            let name = Path::new(&path).file_name().unwrap_or_default();
            let original = fs::read_to_string(root.join("chapters/bash-original").join(name))?;
            code_lines(&text) == code_lines(&original)
        };
        if !as_handed_out {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What an R exercise's starter body says until the reader replaces it.
const R_STARTER: &str = "stop(\"not yet implemented";

/// A shell script's lines that do something: not blank, not comments.
fn code_lines(script: &str) -> Vec<&str> {
    script
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, as mdBook
/// includes them (lines of other anchors left out).
pub fn anchor_region(text: &str, name: &str) -> Option<String> {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|line| anchor_named(line, "ANCHOR:") == Some(name))?;
    let mut region = String::new();
    for line in lines {
        if anchor_named(line, "ANCHOR_END:") == Some(name) {
            return Some(region);
        }
        if !line.contains("ANCHOR") {
            region.push_str(line);
            region.push('\n');
        }
    }
    None
}

/// The anchor a line opens or closes (`marker` is `ANCHOR:` or
/// `ANCHOR_END:`), read as mdBook reads it: the word after the marker.
fn anchor_named<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let (_, rest) = line.split_once(marker)?;
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `exercise_text` with its `exercise` region replaced by `solution`: the
/// exercise file as a reader who wrote the chapter's code would have it.
pub fn with_solution(exercise_text: &str, solution: &str) -> Option<String> {
    let starter = anchor_region(exercise_text, "exercise")?;
    Some(exercise_text.replacen(&starter, solution, 1))
}

/// Each of the exercise's files with the chapter's own code in it, built
/// from the files at `root`: (path from the root, text).
pub fn solved_files(root: &Path, exercise: &Exercise) -> io::Result<Vec<(String, String)>> {
    let missing = |what: &str| io::Error::other(format!("no `exercise` anchor in {what}"));
    let mut solved = Vec::new();
    for file in exercise.files {
        let path = exercise.path_of(file);
        let exercise_text = fs::read_to_string(root.join(&path))?;
        let solution_path = root.join(exercise.folder).join(file.solution);
        let chapter_text = fs::read_to_string(&solution_path)?;
        let solution = anchor_region(&chapter_text, "exercise")
            .ok_or_else(|| missing(&solution_path.display().to_string()))?;
        // The switch that takes the chapter's item out in exercise builds is
        // not part of the solution.
        let solution: String = solution
            .lines()
            .filter(|line| line.trim() != EXERCISE_SWITCH)
            .map(|line| format!("{line}\n"))
            .collect();
        let text = with_solution(&exercise_text, &solution).ok_or_else(|| missing(&path))?;
        solved.push((path, text));
    }
    Ok(solved)
}

/// One of an exercise's hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The hint, as the reader sees it.
    pub text: String,
    /// The checks (test functions of the chapter) it was written for: a
    /// failed check is shown the first hint that names it.
    pub for_tests: Vec<String>,
}

/// The line inside a hint's anchor that names the checks it is for; an
/// HTML comment, so the book, which includes the hints, does not show it.
const FOR_MARKER: &str = "<!-- for:";

/// The exercise's hints, in order, from `hint-1` on.
pub fn hints(root: &Path, exercise: &Exercise) -> io::Result<Vec<Hint>> {
    let text = fs::read_to_string(root.join(exercise.hints_file()))?;
    let hints: Vec<Hint> = (1..)
        .map_while(|number| anchor_region(&text, &format!("hint-{number}")))
        .map(|region| read_hint(&region))
        .collect();
    if hints.is_empty() {
        return Err(io::Error::other(format!(
            "{} has no hint-1 anchor",
            exercise.hints_file()
        )));
    }
    Ok(hints)
}

/// A hint's text and the checks its `<!-- for: a, b -->` line names.
fn read_hint(region: &str) -> Hint {
    let mut for_tests = Vec::new();
    let mut text = String::new();
    for line in region.lines() {
        match line.trim().strip_prefix(FOR_MARKER) {
            Some(names) => for_tests.extend(
                names
                    .trim_end_matches("-->")
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_string),
            ),
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    Hint {
        text: text.trim().to_string(),
        for_tests,
    }
}

/// The number (from 1) of the hint written for the failed check `test`:
/// the first that names it, or hint 1 when none does.
pub fn hint_for(hints: &[Hint], test: &str) -> usize {
    hints
        .iter()
        .position(|hint| hint.for_tests.iter().any(|name| name == test))
        .map_or(1, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXERCISE: &str = "// The body is `todo!()`.\nuse crate::X;\n\n// ANCHOR: exercise\npub fn f() -> X {\n    todo!()\n}\n// ANCHOR_END: exercise\n";

    #[test]
    fn a_region_leaves_out_the_anchor_lines_and_nested_anchors() {
        let text = "a\n// ANCHOR: outer\nb\n<!-- ANCHOR: inner -->\nc\n<!-- ANCHOR_END: inner -->\n// ANCHOR_END: outer\n";
        assert_eq!(anchor_region(text, "outer").as_deref(), Some("b\nc\n"));
        assert_eq!(anchor_region(text, "inner").as_deref(), Some("c\n"));
        assert_eq!(anchor_region(text, "missing"), None);
    }

    #[test]
    fn the_solution_replaces_only_the_starter() {
        let solved = with_solution(EXERCISE, "pub fn f() -> X {\n    X\n}\n").unwrap();
        assert_eq!(
            solved,
            "// The body is `todo!()`.\nuse crate::X;\n\n// ANCHOR: exercise\npub fn f() -> X {\n    X\n}\n// ANCHOR_END: exercise\n"
        );
        assert!(untouched(EXERCISE));
        assert!(!untouched(&solved));
    }

    fn is_ci() -> bool {
        std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
    }

    #[test]
    fn a_hint_names_its_checks_and_a_check_finds_its_hint() {
        let hint = read_hint("<!-- for: a_test, another -->\nLook at `x`.\n");
        assert_eq!(hint.text, "Look at `x`.");
        assert_eq!(hint.for_tests, ["a_test", "another"]);
        let hints = [
            read_hint("First.\n"),
            hint,
            read_hint("<!-- for: another -->\nThird.\n"),
        ];
        assert_eq!(hint_for(&hints, "another"), 2, "the first that names it");
        assert_eq!(hint_for(&hints, "unnamed"), 1);
    }

    #[test]
    fn every_exercise_is_in_the_tree_with_hints_and_a_solution() {
        let root = find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the workspace");
        for exercise in EXERCISES {
            assert!(
                not_started(&root, exercise).unwrap() || !is_ci(),
                "{}",
                exercise.file()
            );
            for (path, solved) in solved_files(&root, exercise).unwrap() {
                if path.ends_with(".rs") {
                    assert!(
                        solved.contains(&format!("pub fn {}", exercise.function)),
                        "{path}"
                    );
                    assert!(!untouched(&solved), "the solution has no todo!()");
                    assert!(!solved.contains(EXERCISE_SWITCH), "{path}");
                }
            }
            let hints = hints(&root, exercise).unwrap();
            assert!(hints.len() >= 2, "{}", exercise.hints_file());
            for test in check::test_order(&root, exercise) {
                assert!(
                    hints.iter().any(|hint| hint.for_tests.contains(&test)),
                    "no hint in {} is for the check {test}",
                    exercise.hints_file()
                );
            }
            for hint in &hints {
                for test in &hint.for_tests {
                    assert!(
                        check::test_order(&root, exercise).contains(test),
                        "{} names {test}, which is not one of its checks",
                        exercise.hints_file()
                    );
                }
            }
            let page = fs::read_to_string(root.join(exercise.page)).unwrap();
            assert!(page.contains("## Your turn"), "{}", exercise.page);
            assert!(
                page.contains(&format!("workbook -- check {}\n", exercise.chapter)),
                "{} gives the check command",
                exercise.page
            );
            let appendix = fs::read_to_string(root.join("book/workbook.md")).unwrap();
            assert!(
                appendix.contains(&exercise.file()),
                "the appendix lists {}",
                exercise.file()
            );
        }
    }
}
