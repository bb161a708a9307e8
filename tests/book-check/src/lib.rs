//! Checks the book the way a careful reviewer would, because mdBook itself
//! does not: a missing `{{#include}}` file is only logged (the raw directive
//! stays in the page), an unknown anchor renders as an empty block, and an
//! untagged code fence is taken for Rust.
//!
//! [`check`] loads and builds the book with mdBook's own library and returns
//! every problem it finds, each naming the page and what is wrong.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mdbook_driver::MDBook;
use mdbook_driver::builtin_renderers::MarkdownRenderer;
use regex::Regex;

mod lessons;

/// One thing wrong with the book.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The page, relative to the book's source folder.
    pub page: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.page, self.message)
    }
}

/// Languages whose blocks must come from tested files, not be typed into a page.
const TESTED_LANGUAGES: [&str; 3] = ["rust", "bash", "sh"];
/// The most lines a hand-written block of those languages may have.
const MAX_PASTED_LINES: usize = 3;

/// Loads, checks and builds the book at `root` (the folder with `book.toml`),
/// writing the HTML into `build_dir`. `crates` are folder names that must
/// each be named by some page (the chapters).
pub fn check(root: &Path, build_dir: &Path, crates: &[String]) -> Vec<Problem> {
    let mut book = match MDBook::load(root) {
        Ok(book) => book,
        Err(error) => {
            return vec![problem(
                "book.toml",
                format!("mdBook cannot load the book: {error:#}"),
            )];
        }
    };
    let source = book.source_dir();
    let mut problems = Vec::new();
    let lessons = lessons::teaching_pages(&book.book);
    let mut all_text = String::new();
    let mut pages = Vec::new();
    for chapter in book.book.chapters() {
        let Some(path) = &chapter.source_path else {
            continue;
        };
        let page = path.display().to_string();
        let raw = fs::read_to_string(source.join(path)).unwrap_or_default();
        let page_dir = source
            .join(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| source.clone());
        problems.extend(check_includes(&page, &raw, &page_dir));
        problems.extend(check_fences(&page, &raw));
        problems.extend(check_links(&page, &raw, &page_dir));
        problems.extend(check_answers_after_the_turn(&page, &raw, &page_dir));
        if lessons.contains(&page) {
            problems.extend(lessons::check_lesson(&page, &raw));
        }
        all_text.push_str(&raw);
        pages.push((page, raw));
    }
    for name in crates {
        if !all_text.contains(name.as_str()) {
            problems.push(problem(
                "SUMMARY.md",
                format!("no page names chapters/{name}"),
            ));
        }
    }
    match book.preprocess_book(&MarkdownRenderer::new()) {
        Ok((expanded, _)) => {
            for chapter in expanded.chapters() {
                let page = chapter
                    .source_path
                    .as_ref()
                    .map(|path| path.display().to_string())
                    .unwrap_or_default();
                // A directive escaped as `\{{#` is shown literally, on purpose.
                let raw = fs::read_to_string(source.join(&page)).unwrap_or_default();
                let escaped = raw.matches("\\{{#").count();
                if chapter.content.matches("{{#").count() > escaped {
                    problems.push(problem(
                        &page,
                        "a {{# directive was left unexpanded".to_string(),
                    ));
                }
            }
        }
        Err(error) => problems.push(problem("book", format!("preprocessing failed: {error:#}"))),
    }
    match build_into(&mut book, build_dir) {
        Ok(()) => {
            for (page, raw) in &pages {
                problems.extend(check_fragments(page, raw, build_dir));
                problems.extend(lessons::check_length(page, raw, build_dir));
                if lessons.contains(page) {
                    problems.extend(lessons::check_included_lab_notes(page, raw, build_dir));
                }
            }
        }
        Err(error) => problems.push(problem("book", error)),
    }
    problems.sort();
    problems
}

/// Builds the book at `root` into `build_dir`, as `mdbook build` would.
pub fn build(root: &Path, build_dir: &Path) -> Result<(), String> {
    let mut book =
        MDBook::load(root).map_err(|error| format!("mdBook cannot load the book: {error:#}"))?;
    build_into(&mut book, build_dir)
}

fn build_into(book: &mut MDBook, build_dir: &Path) -> Result<(), String> {
    book.config.build.build_dir = build_dir.to_path_buf();
    book.build()
        .map_err(|error| format!("the HTML build failed: {error:#}"))
}

fn problem(page: &str, message: String) -> Problem {
    Problem {
        page: page.to_string(),
        message,
    }
}

/// An `{{#include}}` or `{{#rustdoc_include}}` directive.
#[derive(Debug, PartialEq, Eq)]
struct Include {
    file: String,
    selector: Option<String>,
}

fn includes(raw: &str) -> Vec<Include> {
    includes_at(raw)
        .into_iter()
        .map(|(_, include)| include)
        .collect()
}

/// Each include of the page with the byte offset where its directive starts.
fn includes_at(raw: &str) -> Vec<(usize, Include)> {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(r"\{\{#(?:include|rustdoc_include)\s+([^}\s]+)\s*\}\}").expect("valid")
    });
    pattern
        .captures_iter(raw)
        .filter(|captures| !raw[..captures.get(0).expect("whole match").start()].ends_with('\\'))
        .map(|captures| {
            let at = captures.get(0).expect("whole match").start();
            let target = &captures[1];
            let include = match target.split_once(':') {
                Some((file, selector)) => Include {
                    file: file.to_string(),
                    selector: Some(selector.to_string()),
                },
                None => Include {
                    file: target.to_string(),
                    selector: None,
                },
            };
            (at, include)
        })
        .collect()
}

fn check_includes(page: &str, raw: &str, page_dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for include in includes(raw) {
        let path = page_dir.join(&include.file);
        let Ok(text) = fs::read_to_string(&path) else {
            problems.push(problem(
                page,
                format!("includes {}, which does not exist", include.file),
            ));
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let shown = match include.selector.as_deref() {
            None => lines.iter().map(|line| line.to_string()).collect(),
            Some(selector) if is_line_range(selector) => match line_range(selector, lines.len()) {
                Some((start, end)) => {
                    if include.file.ends_with(".snap") {
                        problems.extend(check_snapshot_include(page, &include.file, &lines, start));
                    }
                    lines[start..end]
                        .iter()
                        .map(|line| line.to_string())
                        .collect()
                }
                None => {
                    problems.push(problem(
                        page,
                        format!(
                            "includes {}:{selector}, past the file's {} lines",
                            include.file,
                            lines.len()
                        ),
                    ));
                    continue;
                }
            },
            Some(anchor) => anchor_region(&lines, anchor),
        };
        if shown.iter().all(|line: &String| line.trim().is_empty()) {
            let what = include
                .selector
                .map(|selector| format!("{}:{selector}", include.file))
                .unwrap_or(include.file);
            problems.push(problem(
                page,
                format!("includes {what}, which shows nothing (unknown anchor?)"),
            ));
        }
    }
    problems
}

fn is_line_range(selector: &str) -> bool {
    selector
        .chars()
        .all(|character| character.is_ascii_digit() || character == ':')
}

/// mdBook's line ranges: 1-based, inclusive, `N`, `N:`, `:M`, `N:M`. Returns 0-based `start..end`.
fn line_range(selector: &str, count: usize) -> Option<(usize, usize)> {
    let (start, end) = match selector.split_once(':') {
        None => {
            let line: usize = selector.parse().ok()?;
            (line, line)
        }
        Some((start, end)) => (
            if start.is_empty() {
                1
            } else {
                start.parse().ok()?
            },
            if end.is_empty() {
                count
            } else {
                end.parse().ok()?
            },
        ),
    };
    (start >= 1 && start <= end && end <= count).then_some((start - 1, end))
}

/// The lines of every region named `anchor`, without the marker lines.
fn anchor_region(lines: &[&str], anchor: &str) -> Vec<String> {
    included_lines(lines, Some(anchor))
        .into_iter()
        .map(|number| lines[number].to_string())
        .collect()
}

/// The heading under which a page hands its step to the reader as an exercise.
pub const YOUR_TURN: &str = "\n## Your turn\n";

/// An exercise comes before its answer. On a page with a [`YOUR_TURN`],
/// no include above the heading may show a line of an answer (the body of
/// an `exercise` anchor's function in a chapter's source; the starters in
/// `exercise/` folders hold only a `todo!()`), and an answer shown below it
/// must sit inside a `<details>` block, folded until the reader opens it.
fn check_answers_after_the_turn(page: &str, raw: &str, page_dir: &Path) -> Vec<Problem> {
    let Some(turn) = raw.find(YOUR_TURN) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (at, include) in includes_at(raw) {
        if include.file.contains("/exercise/") {
            continue;
        }
        let Ok(text) = fs::read_to_string(page_dir.join(&include.file)) else {
            continue; // check_includes names a missing file
        };
        let lines: Vec<&str> = text.lines().collect();
        let answer = answer_lines(&lines, include.file.ends_with(".rs"));
        let shown = included_lines(&lines, include.selector.as_deref());
        let Some(first) = shown.iter().find(|line| answer.contains(line)) else {
            continue;
        };
        let what = match &include.selector {
            Some(selector) => format!("{}:{selector}", include.file),
            None => include.file.clone(),
        };
        if at < turn {
            problems.push(problem(
                page,
                format!(
                    "includes {what} above \"Your turn\", which shows the exercise's answer (line {} of the file); show it after the turn, in a <details> block",
                    first + 1
                ),
            ));
        } else if !inside_details(&raw[turn..at]) {
            problems.push(problem(
                page,
                format!("includes the exercise's answer ({what}) outside a <details> block"),
            ));
        }
    }
    problems
}

/// Whether text ending at some point leaves a `<details>` block open there.
fn inside_details(before: &str) -> bool {
    before.matches("<details").count() > before.matches("</details>").count()
}

/// The 0-based numbers of the lines that answer an exercise: in each
/// `exercise` anchor of Rust, the lines after its first signature's `{`,
/// less the anchor markers and lines that hold only braces; in a script
/// (exercise 1's bash), every line of the anchor that is not a comment.
fn answer_lines(lines: &[&str], rust: bool) -> BTreeSet<usize> {
    let mut answer = BTreeSet::new();
    let mut inside = false;
    let mut in_body = !rust;
    for (number, line) in lines.iter().enumerate() {
        if anchor_marker(line, "ANCHOR_END:") == Some("exercise") {
            (inside, in_body) = (false, !rust);
        } else if anchor_marker(line, "ANCHOR:") == Some("exercise") {
            inside = true;
        } else if inside && !line.contains("ANCHOR") {
            let code = line.trim();
            let is_comment = if rust {
                code.starts_with("//") || code.starts_with("#[")
            } else {
                code.starts_with('#')
            };
            if in_body && (rust || !is_comment) && !code.chars().all(|c| "{}();, ".contains(c)) {
                answer.insert(number);
            } else if !is_comment && code.ends_with('{') {
                in_body = true;
            }
        }
    }
    answer
}

/// The anchor name after `marker` on a line, as mdBook reads it.
fn anchor_marker<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line.split_once(marker)?.1.trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The 0-based numbers of the lines an include with `selector` shows.
fn included_lines(lines: &[&str], selector: Option<&str>) -> BTreeSet<usize> {
    match selector {
        None => (0..lines.len()).collect(),
        Some(selector) if is_line_range(selector) => line_range(selector, lines.len())
            .map(|(start, end)| (start..end).collect())
            .unwrap_or_default(),
        Some(anchor) => {
            let mut inside = false;
            let mut shown = BTreeSet::new();
            for (number, line) in lines.iter().enumerate() {
                if anchor_marker(line, "ANCHOR_END:") == Some(anchor) {
                    inside = false;
                } else if anchor_marker(line, "ANCHOR:") == Some(anchor) {
                    inside = true;
                } else if inside && !line.contains("ANCHOR") {
                    shown.insert(number);
                }
            }
            shown
        }
    }
}

/// A snapshot shown in the book must start its body on line 4: the header is
/// exactly `---`, `source: ...`, `---` (no expression, no info), so a fixed
/// line range shows all of the body and nothing of the header.
fn check_snapshot_include(page: &str, file: &str, lines: &[&str], start: usize) -> Vec<Problem> {
    let header_ok = lines.len() > 3
        && lines[0] == "---"
        && lines[1].starts_with("source: ")
        && lines[2] == "---";
    if header_ok && start == 3 {
        return Vec::new();
    }
    vec![problem(
        page,
        format!(
            "includes {file} from line {}; snapshots must have a 3-line header and be included from line 4",
            start + 1
        ),
    )]
}

fn check_fences(page: &str, raw: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    let mut body_lines = 0;
    for (number, line) in raw.lines().enumerate() {
        let trimmed = line.trim_start();
        let Some(fence) = fence_marker(trimmed) else {
            if open.is_some() {
                body_lines += 1;
            }
            continue;
        };
        match &open {
            None => {
                let info = trimmed[fence.len()..].trim().to_string();
                let language = info
                    .split([',', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if language.is_empty() {
                    problems.push(problem(page, format!("line {}: a code block without a language (mdBook would test it as Rust)", number + 1)));
                }
                open = Some((fence, language, number + 1));
                body_lines = 0;
            }
            Some((opening, language, start))
                if trimmed.starts_with(opening.as_str())
                    && trimmed[opening.len()..].trim().is_empty() =>
            {
                if TESTED_LANGUAGES.contains(&language.as_str())
                    && body_lines > MAX_PASTED_LINES
                    && !block_is_included(raw, *start)
                {
                    problems.push(problem(
                        page,
                        format!("line {start}: a {language} block of {body_lines} lines typed into the page; include it from a tested file"),
                    ));
                }
                open = None;
            }
            Some(_) => body_lines += 1,
        }
    }
    if let Some((_, _, start)) = open {
        problems.push(problem(
            page,
            format!("line {start}: a code block that never closes"),
        ));
    }
    problems
}

fn fence_marker(trimmed: &str) -> Option<String> {
    for marker in ['`', '~'] {
        let count = trimmed
            .chars()
            .take_while(|&character| character == marker)
            .count();
        if count >= 3 {
            return Some(marker.to_string().repeat(count));
        }
    }
    None
}

/// Whether the block opened on line `start` (1-based) is made of include directives only.
fn block_is_included(raw: &str, start: usize) -> bool {
    raw.lines()
        .skip(start)
        .take_while(|line| fence_marker(line.trim_start()).is_none())
        .filter(|line| !line.trim().is_empty())
        .all(|line| line.trim_start().starts_with("{{#"))
}

/// The targets of a page's Markdown links that stay inside the book, once each.
fn internal_links(raw: &str) -> BTreeSet<String> {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| Regex::new(r"\]\(([^)\s]+)\)").expect("valid"));
    pattern
        .captures_iter(raw)
        .map(|captures| captures[1].to_string())
        .filter(|target| !target.contains("://") && !target.starts_with("mailto:"))
        .collect()
}

fn check_links(page: &str, raw: &str, page_dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for target in internal_links(raw) {
        if target.starts_with('#') {
            continue;
        }
        let file = target.split('#').next().unwrap_or_default();
        if !page_dir.join(file).exists() {
            problems.push(problem(
                page,
                format!("links to {target}, which does not exist"),
            ));
        }
    }
    problems
}

/// Links to a heading (`page.md#heading`, or `#heading` on the same page)
/// must name an id that the built HTML of that page has.
fn check_fragments(page: &str, raw: &str, build_dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for target in internal_links(raw) {
        let Some((file, fragment)) = target.split_once('#') else {
            continue;
        };
        let file = if file.is_empty() { page } else { file };
        let html_path = Path::new(page)
            .parent()
            .unwrap_or(Path::new(""))
            .join(file)
            .with_extension("html");
        let html = fs::read_to_string(build_dir.join(&html_path)).unwrap_or_default();
        if !html.contains(&format!("id=\"{fragment}\"")) {
            problems.push(problem(
                page,
                format!("links to {target}, but that page has no heading #{fragment}"),
            ));
        }
    }
    problems
}

/// Each chapter's `step.sh` studies an excerpt of the bash original. Its
/// `step` region must be the original's lines (up to indentation), so the
/// excerpt a reader runs is the code the book quotes. The file names its
/// source in a line `# excerpt of: <file>:<anchor>`.
pub fn check_excerpts(root: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for chapter in chapter_folders(root) {
        let step = root.join("chapters").join(&chapter).join("step.sh");
        let Ok(text) = fs::read_to_string(&step) else {
            continue;
        };
        let page = format!("chapters/{chapter}/step.sh");
        let Some(source) = text
            .lines()
            .find_map(|line| line.trim().strip_prefix("# excerpt of: "))
        else {
            problems.push(problem(
                &page,
                "has no `# excerpt of: <file>:<anchor>` line".to_string(),
            ));
            continue;
        };
        let Some((file, anchor)) = source.rsplit_once(':') else {
            problems.push(problem(
                &page,
                format!("cannot read the excerpt source {source:?}"),
            ));
            continue;
        };
        let original = fs::read_to_string(root.join(file)).unwrap_or_default();
        let expected = trimmed(&anchor_region(
            &original.lines().collect::<Vec<_>>(),
            anchor,
        ));
        let actual = trimmed(&anchor_region(&text.lines().collect::<Vec<_>>(), "step"));
        if expected.is_empty() || actual != expected {
            problems.push(problem(
                &page,
                format!("its step region differs from {file}:{anchor}"),
            ));
        }
    }
    problems
}

fn trimmed(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty())
        .collect()
}

/// The folders under `chapters/` of the workspace at `root`, each of which needs a page.
pub fn chapter_folders(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("chapters"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| entry.path().is_dir())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A fresh folder for a build, under the workspace's `target/`.
pub fn build_folder(root: &Path, name: &str) -> PathBuf {
    let folder = root.join("target").join(name);
    let _ = fs::remove_dir_all(&folder);
    folder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_problems(raw: &str, files: &[(&str, &str)]) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!(
            "book-check-unit-{}-{}",
            std::process::id(),
            raw.len()
        ));
        fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            fs::write(dir.join(name), text).unwrap();
        }
        let mut found: Vec<String> = check_includes("page.md", raw, &dir)
            .into_iter()
            .chain(check_fences("page.md", raw))
            .chain(check_links("page.md", raw, &dir))
            .chain(check_answers_after_the_turn("page.md", raw, &dir))
            .map(|problem| problem.message)
            .collect();
        found.sort();
        let _ = fs::remove_dir_all(&dir);
        found
    }

    #[test]
    fn a_good_page_has_no_problems() {
        let code = "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n";
        let raw = "```rust,ignore\n{{#include code.rs:main}}\n```\n\n```console\n$ a\n$ b\n$ c\n$ d\n```\n[next](code.rs)\n";
        assert_eq!(
            page_problems(raw, &[("code.rs", code)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_exercises_answer_above_the_turn_is_a_problem() {
        let code = "// ANCHOR: around\n/// Doc.\n// ANCHOR: exercise\n/// Adds.\npub fn add(a: u8, b: u8)\n    -> u8 {\n    a + b\n}\n// ANCHOR_END: exercise\n// ANCHOR_END: around\n";
        let fence = |what: &str| format!("```rust,ignore\n{{{{#include {what}}}}}\n```\n");
        let turn = "\n## Your turn\n\n";
        let folded = |what: &str| {
            format!(
                "<details>\n<summary>Solution</summary>\n\n{}\n</details>\n",
                fence(what)
            )
        };
        let good = format!("# P\n{turn}{}", folded("code.rs:exercise"));
        assert_eq!(
            page_problems(&good, &[("code.rs", code)]),
            Vec::<String>::new()
        );
        let above = format!("# P\n{}{turn}", fence("code.rs:around"));
        assert_eq!(
            page_problems(&above, &[("code.rs", code)]),
            [
                "includes code.rs:around above \"Your turn\", which shows the exercise's answer (line 7 of the file); show it after the turn, in a <details> block"
            ]
        );
        let by_lines = format!("# P\n{}{turn}", fence("code.rs:6:8"));
        assert_eq!(
            page_problems(&by_lines, &[("code.rs", code)]).len(),
            1,
            "a line range too"
        );
        let signature_only = format!("# P\n{}{turn}", fence("code.rs:4:5"));
        assert_eq!(
            page_problems(&signature_only, &[("code.rs", code)]),
            Vec::<String>::new()
        );
        let unfolded = format!("# P\n{turn}{}", fence("code.rs:exercise"));
        assert_eq!(
            page_problems(&unfolded, &[("code.rs", code)]),
            ["includes the exercise's answer (code.rs:exercise) outside a <details> block"]
        );
    }

    #[test]
    fn a_missing_file_or_anchor_is_a_problem() {
        let code = "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n";
        let raw = "```rust,ignore\n{{#include gone.rs}}\n```\n```rust,ignore\n{{#include code.rs:nope}}\n```\n";
        assert_eq!(
            page_problems(raw, &[("code.rs", code)]),
            [
                "includes code.rs:nope, which shows nothing (unknown anchor?)",
                "includes gone.rs, which does not exist"
            ]
        );
    }

    #[test]
    fn a_pasted_block_or_an_untagged_fence_is_a_problem() {
        let raw = "```bash\none\ntwo\nthree\nfour\n```\n```\nx\n```\n```rust\nshort\n```\n";
        assert_eq!(
            page_problems(raw, &[]),
            [
                "line 1: a bash block of 4 lines typed into the page; include it from a tested file",
                "line 7: a code block without a language (mdBook would test it as Rust)",
            ]
        );
    }

    #[test]
    fn snapshots_are_included_from_line_4_of_a_plain_header() {
        let good = "---\nsource: t.rs\n---\nbody\n";
        let with_expression = "---\nsource: t.rs\nexpression: x\n---\nbody\n";
        assert_eq!(
            page_problems(
                "```text\n{{#include s.snap:4:}}\n```\n",
                &[("s.snap", good)]
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            page_problems(
                "```text\n{{#include s.snap:4:}}\n```\n",
                &[("s.snap", with_expression)]
            ),
            [
                "includes s.snap from line 4; snapshots must have a 3-line header and be included from line 4"
            ]
        );
    }

    #[test]
    fn a_dead_link_is_a_problem() {
        assert_eq!(
            page_problems("see [there](nowhere.md#x)\n", &[]),
            ["links to nowhere.md#x, which does not exist"]
        );
    }

    #[test]
    fn a_link_to_a_missing_heading_is_a_problem() {
        let build =
            std::env::temp_dir().join(format!("book-check-fragments-{}", std::process::id()));
        fs::create_dir_all(&build).unwrap();
        fs::write(build.join("b.html"), r#"<h2 id="there">There</h2>"#).unwrap();
        fs::write(build.join("a.html"), r#"<h2 id="here">Here</h2>"#).unwrap();
        let raw = "[ok](b.md#there) [bad](b.md#nowhere) [self](#here) [self bad](#gone)";
        let found: Vec<String> = check_fragments("a.md", raw, &build)
            .into_iter()
            .map(|problem| problem.message)
            .collect();
        let _ = fs::remove_dir_all(&build);
        assert_eq!(
            found,
            [
                "links to #gone, but that page has no heading #gone",
                "links to b.md#nowhere, but that page has no heading #nowhere",
            ]
        );
    }

    #[test]
    fn line_ranges_follow_mdbook() {
        assert_eq!(line_range("4:", 10), Some((3, 10)));
        assert_eq!(line_range(":2", 10), Some((0, 2)));
        assert_eq!(line_range("5", 10), Some((4, 5)));
        assert_eq!(line_range("11", 10), None);
    }
}
