//! Checks that a teaching page reads as a lesson: it says at the top what
//! the reader will learn and at the bottom what they now know, it does not
//! tell the project's own history, and it stays short enough to read in one
//! sitting. The teaching pages are those of the book's parts (Part I to
//! Part III in `SUMMARY.md`); the introduction and the appendices are not.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use mdbook_driver::book::{Book, BookItem};
use regex::Regex;

use crate::{Problem, problem};

/// How a teaching page opens: the first block after its title.
const LEARN_OPENING: &str = "> **You will learn**";
/// How a teaching page ends: its last block.
const KNOW_CLOSING: &str = "> **You now know**";

/// Pages held to a length, in words, and how each is counted.
const LENGTH_LIMITS: [(&str, Measure, usize); 5] = [
    // Read right before Strict mode: it must not hold up the steps.
    ("local-lambda.md", Measure::Prose, 800),
    ("r-runtime.md", Measure::Rendered, 2_500),
    ("r-worker.md", Measure::Rendered, 2_500),
    ("r-lambdr.md", Measure::Rendered, 2_500),
    ("r-deploy.md", Measure::Rendered, 2_500),
];

/// What a page's length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// The words the page's author wrote: code blocks and includes left out.
    Prose,
    /// The words a reader sees in the built page, includes expanded.
    Rendered,
}

/// The source paths of the pages inside the book's parts, in book order:
/// every chapter after the first part title and before a separator.
pub fn teaching_pages(book: &Book) -> Vec<String> {
    let mut in_a_part = false;
    let mut pages = Vec::new();
    for item in book.iter() {
        match item {
            BookItem::PartTitle(_) => in_a_part = true,
            BookItem::Separator => in_a_part = false,
            BookItem::Chapter(chapter) if in_a_part => {
                if let Some(path) = &chapter.source_path {
                    pages.push(path.display().to_string());
                }
            }
            BookItem::Chapter(_) => {}
        }
    }
    pages
}

/// The problems of one teaching page's raw Markdown: its opening and
/// closing lines, and words that tell the code's history.
pub fn check_lesson(page: &str, raw: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let blocks = blocks(raw);
    let opening = blocks.iter().find(|block| !block.starts_with("# "));
    if !opening.is_some_and(|block| block.starts_with(LEARN_OPENING)) {
        problems.push(problem(
            page,
            format!("the first block after the title must start with `{LEARN_OPENING}`"),
        ));
    }
    if !blocks
        .last()
        .is_some_and(|block| block.starts_with(KNOW_CLOSING))
    {
        problems.push(problem(
            page,
            format!("the last block must start with `{KNOW_CLOSING}`"),
        ));
    }
    // Across lines: a sentence may break anywhere.
    for found in lab_note().find_iter(raw) {
        let line = raw[..found.start()].matches('\n').count() + 1;
        let words = found.as_str().split_whitespace().collect::<Vec<_>>();
        problems.push(problem(
            page,
            format!(
                "line {line}: \"{}\" tells the code's history; say what is true and why",
                words.join(" ")
            ),
        ));
    }
    problems
}

/// The problem, if any, with the length of `page`, whose raw Markdown is
/// `raw` and whose built HTML is in `build_dir`.
pub fn check_length(page: &str, raw: &str, build_dir: &Path) -> Vec<Problem> {
    let Some((_, measure, limit)) = LENGTH_LIMITS.iter().find(|(name, _, _)| *name == page) else {
        return Vec::new();
    };
    let words = match measure {
        Measure::Prose => prose_words(raw),
        Measure::Rendered => {
            let html =
                fs::read_to_string(build_dir.join(page).with_extension("html")).unwrap_or_default();
            rendered_words(&html)
        }
    };
    if words > *limit {
        let what = match measure {
            Measure::Prose => "words of prose",
            Measure::Rendered => "rendered words",
        };
        return vec![problem(
            page,
            format!("{words} {what}, more than its limit of {limit}"),
        )];
    }
    Vec::new()
}

/// Lab notes that reach a teaching page through an include (a committed
/// benchmark output, say), which the check of the raw page cannot see.
pub fn check_included_lab_notes(page: &str, raw: &str, build_dir: &Path) -> Vec<Problem> {
    let html = fs::read_to_string(build_dir.join(page).with_extension("html")).unwrap_or_default();
    let shown = visible_text(&html);
    let written: Vec<String> = lab_note()
        .find_iter(raw)
        .map(|found| one_line(found.as_str()))
        .collect();
    lab_note()
        .find_iter(&shown)
        .map(|found| one_line(found.as_str()))
        .filter(|note| !written.contains(note))
        .map(|note| {
            problem(
                page,
                format!("an included file shows \"{note}\", which tells the code's history; include only the part that teaches"),
            )
        })
        .collect()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Phrases of a lab notebook: the code's earlier states, and targets ticked off.
fn lab_note() -> &'static Regex {
    static LAB_NOTE: OnceLock<Regex> = OnceLock::new();
    LAB_NOTE.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)\b(an?\s+earlier\s+(version|run)|first\s+version|earlier\s+runs",
            // "the targets … are met", and a benchmark's "(at least 10x) met".
            r"|targets?\b[^.]{0,80}\bmet\b)|\(at\s+(least|most)\s[^)]*\)\s+met\b",
        ))
        .expect("the pattern is valid")
    })
}

/// The page's blocks (runs of lines between blank lines), outside code fences.
fn blocks(raw: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut fenced = false;
    for line in raw.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if line.trim().is_empty() && !fenced {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// Words outside code fences and `{{#include}}` lines.
fn prose_words(raw: &str) -> usize {
    let mut fenced = false;
    let mut words = 0;
    for line in raw.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.contains("{{#") {
            continue;
        }
        words += line.split_whitespace().count();
    }
    words
}

/// Words in the `<main>` of a page built by mdBook, tags removed.
fn rendered_words(html: &str) -> usize {
    visible_text(html).split_whitespace().count()
}

/// The text of the `<main>` of a page built by mdBook, tags removed.
fn visible_text(html: &str) -> String {
    static TAG: OnceLock<Regex> = OnceLock::new();
    let tag = TAG.get_or_init(|| Regex::new(r"<[^>]*>").expect("the pattern is valid"));
    let main = html
        .split_once("<main>")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map_or("", |(main, _)| main);
    tag.replace_all(main, " ").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(page: &str, raw: &str) -> Vec<String> {
        check_lesson(page, raw)
            .into_iter()
            .map(|problem| problem.message)
            .collect()
    }

    #[test]
    fn a_lesson_opens_and_closes_with_its_lines() {
        let good = "# Title\n\n> **You will learn** how.\n\nText.\n\n> **You now know** how.\n";
        assert_eq!(messages("p.md", good), Vec::<String>::new());
        let neither = "# Title\n\nText.\n\n> **You will learn** late.\n\nMore.\n";
        assert_eq!(
            messages("p.md", neither),
            [
                "the first block after the title must start with `> **You will learn**`",
                "the last block must start with `> **You now know**`",
            ]
        );
    }

    #[test]
    fn a_code_block_with_blank_lines_is_one_block() {
        let raw =
            "# T\n\n> **You will learn** x.\n\n```text\na\n\nb\n```\n\n> **You now know** x.\n";
        assert_eq!(messages("p.md", raw), Vec::<String>::new());
        assert_eq!(blocks(raw).len(), 4);
    }

    #[test]
    fn the_codes_history_is_a_problem() {
        let raw = "# T\n\n> **You will learn** x.\n\nAn earlier version of this chapter did it.\nIts first version used files.\nThe target this book set\nitself is met.\n\n> **You now know** x.\n";
        assert_eq!(
            messages("p.md", raw),
            [
                "line 5: \"An earlier version\" tells the code's history; say what is true and why",
                "line 6: \"first version\" tells the code's history; say what is true and why",
                "line 7: \"target this book set itself is met\" tells the code's history; say what is true and why",
            ]
        );
    }

    #[test]
    fn prose_leaves_out_code_and_includes() {
        let raw = "One two three.\n\n```rust\nfn main() {}\n```\n{{#include x.rs}}\nfour\n";
        assert_eq!(prose_words(raw), 4);
    }

    #[test]
    fn rendered_words_are_those_of_main() {
        let html = "<nav>menu words</nav><main><h1 id=\"t\">A title</h1><p>Some <code>code</code> here.</p></main><footer>x</footer>";
        assert_eq!(rendered_words(html), 5);
    }

    #[test]
    fn lab_notes_from_an_included_file_are_a_problem() {
        let dir = std::env::temp_dir().join(format!("book-check-lessons-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let html = "<main><p>Results.</p><pre>targets:\n  fast  2x (at least 1x) met\n  slow 1.5x (at most 2.0x) met</pre></main>";
        fs::write(dir.join("p.html"), html).unwrap();
        let found: Vec<String> = check_included_lab_notes("p.md", "Results.", &dir)
            .into_iter()
            .map(|problem| problem.message)
            .collect();
        assert_eq!(
            found,
            [
                "an included file shows \"targets: fast 2x (at least 1x) met\", which tells the code's history; include only the part that teaches",
                "an included file shows \"(at most 2.0x) met\", which tells the code's history; include only the part that teaches",
            ]
        );
        let written = "The targets: fast 2x (at least 1x) met. Slow (at most 2.0x) met.";
        assert!(
            check_included_lab_notes("p.md", written, &dir).is_empty(),
            "reported once, by the raw check"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_page_over_its_limit_is_a_problem() {
        let long = "word ".repeat(801);
        let found = check_length("local-lambda.md", &long, Path::new("/nonexistent"));
        assert_eq!(
            found.into_iter().map(|p| p.message).collect::<Vec<_>>(),
            ["801 words of prose, more than its limit of 800"]
        );
        assert!(check_length("local-lambda.md", "short", Path::new("/x")).is_empty());
        assert!(check_length("other.md", &long, Path::new("/x")).is_empty());
    }
}
