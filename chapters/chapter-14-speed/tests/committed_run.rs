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

/// The committed run's table, read back: a runtime's row, and its ratios.
struct Run {
    text: String,
}

impl Run {
    /// The fields after `runtime`'s name in the first table: events, then
    /// each figure with its unit as separate words.
    fn row(&self, runtime: &str) -> Vec<&str> {
        let line = self
            .text
            .lines()
            .find(|line| line.starts_with(runtime))
            .unwrap_or_else(|| panic!("{runtime} in the table"));
        line[runtime.len()..].split_whitespace().collect()
    }

    /// A figure of `runtime`'s row and its unit, as the page writes it:
    /// `field` counts the figures after the events (0 cold, 1 median, 2
    /// p99, 3 CPU per event).
    fn figure(&self, runtime: &str, field: usize) -> String {
        let row = self.row(runtime);
        format!("{} {}", row[1 + 2 * field], row[2 + 2 * field])
    }

    /// `runtime`'s ratio in column `column` (0 events/s vs bash, 1 CPU vs
    /// AWS's, 2 median vs AWS's), without its `x`.
    fn ratio(&self, runtime: &str, column: usize) -> String {
        let line = self
            .text
            .lines()
            .skip_while(|line| !line.contains("ev/s vs bash"))
            .find(|line| line.starts_with(runtime))
            .unwrap_or_else(|| panic!("{runtime} in the ratios"));
        let ratio = line[runtime.len()..]
            .split_whitespace()
            .nth(column)
            .unwrap();
        ratio.trim_end_matches('x').to_string()
    }

    /// The rest of the line that contains `before`, after it.
    fn rest_of_line(&self, before: &str) -> &str {
        let start = self
            .text
            .find(before)
            .unwrap_or_else(|| panic!("{before:?}"))
            + before.len();
        self.text[start..].lines().next().unwrap().trim()
    }

    /// The figure that follows `before`, up to the next space, `x` or `;`.
    fn after(&self, before: &str) -> String {
        let rest = self.rest_of_line(before);
        rest.split([' ', 'x', ';']).next().unwrap().to_string()
    }
}

/// 26064 as the pages write it: 26,064.
fn with_commas(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    let mut written = String::new();
    for (index, digit) in digits.iter().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            written.push(',');
        }
        written.push(*digit);
    }
    written
}

/// A page's text with its line breaks as spaces.
fn page(name: &str) -> String {
    committed(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_pages_quote_the_committed_run() {
    let run = Run {
        text: committed("speed-results.txt"),
    };
    let bash = "bash original (curl)";
    let persistent = "chapter 14: persistent bash";
    let own_http = "chapter 14: Rust, own HTTP";
    let spawn = run
        .rest_of_line("a bare process spawn (true, start to exit): ")
        .to_string();
    let peer = run.row("lambda_runtime (AWS)");
    // "floor: canned answers, hyper   34 µs  (1.18x the floor)": 1.18.
    let hyper_ratio = |line: &str| {
        run.rest_of_line(line)
            .split_once('(')
            .and_then(|(_, ratio)| ratio.split_once('x'))
            .map_or(String::new(), |(ratio, _)| ratio.to_string())
    };
    let quotes = [
        (
            "introduction.md",
            format!("({} times in the run", run.ratio(persistent, 0)),
        ),
        ("speed.md", format!("runtime takes {}", run.figure(bash, 1))),
        (
            "speed.md",
            format!("bash worker {}", run.figure(persistent, 1)),
        ),
        (
            "speed.md",
            format!("({} times the events per second)", run.ratio(persistent, 0)),
        ),
        (
            "speed.md",
            format!("HTTP client {}", run.figure(own_http, 1)),
        ),
        (
            "speed.md",
            format!("({} times the events per second)", run.ratio(own_http, 0)),
        ),
        (
            "speed.md",
            format!(
                "{} events per second, and a median {}",
                with_commas(&run.after("with the minimal runtime: ")),
                run.after("its median is ")
            ),
        ),
        ("where-the-time-goes.md", format!("spawn does, {spawn}")),
        (
            "where-the-time-goes.md",
            format!("({spawn}, under the table)"),
        ),
        (
            "where-the-time-goes.md",
            format!("all of the {} the bash", run.figure(bash, 1)),
        ),
        (
            "where-the-time-goes.md",
            format!("CPU ({})", run.figure(bash, 3)),
        ),
        (
            "where-the-time-goes.md",
            format!(
                "table's {} per event",
                run.figure("chapter 11: bash per event", 1)
            ),
        ),
        (
            "where-the-time-goes.md",
            format!(
                "({} times, the run's last line)",
                run.after("Rust on ureq ")
            ),
        ),
        (
            "where-the-time-goes.md",
            format!(
                "({} and {} times)",
                run.ratio(own_http, 2),
                run.ratio("minimal hand-written", 2)
            ),
        ),
        (
            "where-the-time-goes.md",
            format!(
                "AWS's crate ({} times)",
                run.ratio("chapter 10: Rust, ureq", 2)
            ),
        ),
        (
            "where-the-time-goes.md",
            format!(
                "from {} KiB after 1,000 events to {} KiB after 100,000",
                with_commas(peer[10]),
                with_commas(peer[12])
            ),
        ),
        (
            "where-the-time-goes.md",
            format!("can be ({})", run.figure("minimal hand-written", 0)),
        ),
        (
            "inside-local-lambda.md",
            format!(
                "an event takes {} times the floor, where the local Lambda takes {} with",
                hyper_ratio("events from another thread, hyper"),
                hyper_ratio("events from another thread, the local Lambda")
            ),
        ),
        (
            "inside-local-lambda.md",
            format!(
                "exchange in {} times the floor's time",
                hyper_ratio("floor: canned answers, hyper")
            ),
        ),
    ];
    let stale: Vec<String> = quotes
        .iter()
        .filter(|(name, words)| !page(name).contains(words.as_str()))
        .map(|(name, words)| format!("book/{name} should say {words:?}"))
        .collect();
    assert!(
        stale.is_empty(),
        "the pages quote another run than the committed one:\n{}",
        stale.join("\n")
    );
}
