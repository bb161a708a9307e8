//! The run the book shows (`book/speed-results.txt` and `book/speed.svg`,
//! written by `cargo bench -p chapter-14 -- --write-book`): complete, from
//! one run, and meeting every target. Timing is not tested here; what was
//! committed is.

use std::fs;

use harness::workspace_root;

const RUNTIMES: [&str; 8] = [
    "bash original (curl)",
    "chapter 11: bash per event",
    "chapter 14: persistent bash",
    "chapter 10: Rust, ureq",
    "chapter 14: Rust, own HTTP",
    "lambda_runtime (AWS)",
    "minimal hand-written",
    "floor: two round trips",
];

fn committed(name: &str) -> String {
    fs::read_to_string(workspace_root().join("book").join(name))
        .unwrap_or_else(|error| panic!("book/{name}: {error}; run the benchmark with --write-book"))
}

#[test]
fn the_table_and_the_chart_show_every_runtime_from_the_same_run() {
    let results = committed("speed-results.txt");
    let chart = committed("speed.svg");
    for runtime in RUNTIMES {
        assert!(
            results.lines().any(|line| line.starts_with(runtime)),
            "{runtime} is missing from the table"
        );
        assert!(
            chart.contains(&format!(">{runtime}<")),
            "{runtime} is missing from the chart"
        );
    }
    let machine = results
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("measured on: "))
        .expect("the table names its machine");
    assert!(
        chart.contains(machine),
        "the chart and the table are from different runs"
    );
    assert!(
        machine.contains("pinned"),
        "the committed run is the pinned one: {machine}"
    );
}

#[test]
fn the_committed_run_meets_every_target() {
    let results = committed("speed-results.txt");
    let targets: Vec<&str> = results
        .lines()
        .skip_while(|line| *line != "targets:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        // Lines in parentheses are figures for context, not targets.
        .filter(|line| !line.trim_start().starts_with('('))
        .collect();
    assert!(targets.len() >= 9, "{targets:#?}");
    for target in targets {
        assert!(target.ends_with(" met"), "a target missed: {target}");
    }
    // `local-lambda --serve` over 100,000 invocations, after the targets.
    let serve = results
        .lines()
        .find(|line| line.starts_with("RSS after 1000:"))
        .expect("the serve-memory lines");
    assert!(serve.contains("(met: within 8192 KiB)"), "{serve}");
    assert!(
        results.contains("local-lambda --serve, 100000 invocations"),
        "the committed run is the full one"
    );
}
