//! The results table the book shows (`book/check-results.txt`, written by
//! `cargo run -p chapter-15 --bin grade-the-book -- --write-book`): every
//! runtime of the book and every row of the check, from one run. Grading
//! takes minutes, so it is not redone here; what was committed is checked.

use chapter_15::BOOK_RUNTIMES;
use local_lambda::FunctionConfig;
use local_lambda::check::{Settings, check};

fn committed() -> String {
    let path = chapter_15::workspace_root().join("book/check-results.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run cargo run -p chapter-15 --bin grade-the-book -- --write-book",
            path.display()
        )
    })
}

/// The check's row names, in order, from a run that starts nothing.
fn row_names() -> Vec<&'static str> {
    let nothing = FunctionConfig::for_bootstrap("/nonexistent/bootstrap");
    let instant = Settings {
        idle: std::time::Duration::ZERO,
        events_time: std::time::Duration::ZERO,
    };
    check(&nothing, &instant)
        .iter()
        .map(|row| row.name)
        .collect()
}

#[test]
fn the_table_grades_every_runtime_on_every_row() {
    let results = committed();
    let mut lines = results.lines();
    let how = lines.next().unwrap_or_default();
    assert!(
        how.starts_with("cargo run -p chapter-15 --bin grade-the-book -- --write-book, on "),
        "the first line says how and where: {how}"
    );
    let header: Vec<&str> = lines
        .find(|line| line.starts_with("row "))
        .expect("a header line")
        .split_whitespace()
        .skip(1)
        .collect();
    let columns: Vec<&str> = BOOK_RUNTIMES.iter().map(|runtime| runtime.column).collect();
    assert_eq!(header, columns, "a column per runtime, in the book's order");
    for name in row_names() {
        let line = results
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for the row {name}"));
        let verdicts: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert_eq!(verdicts.len(), columns.len(), "{line}");
        assert!(
            verdicts
                .iter()
                .all(|verdict| ["pass", "warn", "FAIL", "n/a"].contains(verdict)),
            "{line}"
        );
    }
    for runtime in BOOK_RUNTIMES {
        assert!(
            results.contains(&format!("{:<7} {}", runtime.column, runtime.name)),
            "{} is named under the table",
            runtime.name
        );
    }
}

#[test]
fn every_warning_and_failure_says_what_happened() {
    let results = committed();
    let (table, explained) = results.split_once("\n\n").map_or(("", ""), |(_, rest)| {
        rest.split_once("\n\n").unwrap_or((rest, ""))
    });
    let flagged = table
        .lines()
        .skip(1)
        .flat_map(str::split_whitespace)
        .filter(|word| ["warn", "FAIL", "n/a"].contains(word))
        .count();
    let said = explained
        .lines()
        .filter(|line| line.starts_with("        "))
        .count();
    assert_eq!(
        said, flagged,
        "one line of explanation per verdict but a pass"
    );
}
