//! Chapter 15: your own runtime. A runtime in a language the book has not
//! used, Python with its standard library only, written from the chapter's
//! checklist, and graded by `local-lambda check` like every runtime of the
//! book.

use std::path::{Path, PathBuf};

use local_lambda::FunctionConfig;
use local_lambda::check::{Row, Settings};

/// The folder of the Python runtime: its `bootstrap` and the check handler
/// it runs, `check.py`.
pub fn python_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// Grades the runtime whose `bootstrap` and check handler are in `folder`
/// (the task root), with `_HANDLER=check.handler`: the check's rows, in order.
pub fn grade(folder: &Path, settings: &Settings) -> Vec<Row> {
    local_lambda::check::check(&check_function(folder, &[]), settings)
}

/// The function the check runs: the `bootstrap` in `task_root`, with
/// `_HANDLER=check.handler` and the variables `env`.
fn check_function(task_root: &Path, env: &[(&str, &str)]) -> FunctionConfig {
    let mut function = FunctionConfig::for_bootstrap(task_root.join("bootstrap"));
    function.handler = "check.handler".to_string();
    function.env = env
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    function
}

/// The workspace's root folder, where the runtimes' sources are.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace's root")
}

/// Where a runtime's `bootstrap` comes from.
#[derive(Debug, Clone, Copy)]
pub enum Bootstrap {
    /// A binary of the workspace, by name, from the build's target folder.
    Built(&'static str),
    /// A file of the workspace, by its path from the root.
    Source(&'static str),
}

/// A runtime of the book as the check grades it: its `bootstrap`, the
/// check handler it runs (a file from the workspace's root, copied beside
/// it), and the settings it needs.
#[derive(Debug, Clone, Copy)]
pub struct BookRuntime {
    pub name: &'static str,
    /// Its column in the results table: a few letters.
    pub column: &'static str,
    pub bootstrap: Bootstrap,
    pub check_handler: Option<&'static str>,
    pub env: &'static [(&'static str, &'static str)],
}

const CHECK_SH: Option<&str> = Some("chapters/local-lambda/check/check.sh");

/// Every runtime of the book, and AWS's Rust client, in the book's order.
pub const BOOK_RUNTIMES: [BookRuntime; 13] = [
    BookRuntime {
        name: "the tutorial's bash (chapter 1)",
        column: "bash",
        bootstrap: Bootstrap::Source("chapters/bash-original/bootstrap"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "the bash, repaired (exercise 1)",
        column: "fixed",
        bootstrap: Bootstrap::Source("chapters/chapter-01-whole-picture/repaired/bootstrap"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 8: the whole loop in Rust",
        column: "ch8",
        bootstrap: Bootstrap::Built("chapter-08"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 9: error reports",
        column: "ch9",
        bootstrap: Bootstrap::Built("chapter-09"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 10: the context, shell handlers",
        column: "ch10",
        bootstrap: Bootstrap::Built("chapter-10"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 10: Rust handlers",
        column: "ch10rs",
        bootstrap: Bootstrap::Built("chapter-10-check"),
        check_handler: None,
        env: &[],
    },
    BookRuntime {
        name: "chapter 11: defended",
        column: "ch11",
        bootstrap: Bootstrap::Built("chapter-11"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 12: R, string style",
        column: "R",
        bootstrap: Bootstrap::Built("chapter-12"),
        check_handler: Some("chapters/local-lambda/check/check.R"),
        env: &[("R_HANDLER_STYLE", "string")],
    },
    BookRuntime {
        name: "chapter 13: shipped",
        column: "ch13",
        bootstrap: Bootstrap::Built("chapter-13"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 14: persistent bash",
        column: "ch14",
        bootstrap: Bootstrap::Built("chapter-14"),
        check_handler: CHECK_SH,
        env: &[],
    },
    BookRuntime {
        name: "chapter 14: Rust, own HTTP",
        column: "ch14rs",
        bootstrap: Bootstrap::Built("chapter-14-check"),
        check_handler: None,
        env: &[],
    },
    BookRuntime {
        name: "chapter 15: Python",
        column: "py",
        bootstrap: Bootstrap::Source("chapters/chapter-15-your-own-runtime/python/bootstrap"),
        check_handler: Some("chapters/chapter-15-your-own-runtime/python/check.py"),
        env: &[],
    },
    BookRuntime {
        name: "AWS's lambda_runtime (Rust)",
        column: "aws",
        bootstrap: Bootstrap::Built("peer-check"),
        check_handler: None,
        env: &[],
    },
];

/// Grades `runtime`: its `bootstrap` (built ones from `binaries`) and its
/// check handler are copied into `task_root`, a folder of their own, and
/// the check runs there. Errors: a file that cannot be copied.
pub fn grade_book_runtime(
    runtime: &BookRuntime,
    binaries: &Path,
    task_root: &Path,
    settings: &Settings,
) -> std::io::Result<Vec<Row>> {
    let root = workspace_root();
    let bootstrap = match runtime.bootstrap {
        Bootstrap::Built(name) => binaries.join(name),
        Bootstrap::Source(path) => root.join(path),
    };
    // fs::copy keeps the executable bit.
    std::fs::copy(&bootstrap, task_root.join("bootstrap"))?;
    if let Some(handler) = runtime.check_handler {
        let source = root.join(handler);
        let name = source.file_name().expect("a handler file has a name");
        std::fs::copy(&source, task_root.join(name))?;
    }
    let function = check_function(task_root, runtime.env);
    Ok(local_lambda::check::check(&function, settings))
}

/// The results table: a line per row of the check, a column per runtime
/// (`pass`, `warn`, `FAIL`, `n/a`), then the runtimes' names, and what
/// each verdict but a pass was.
pub fn results_table(graded: &[(BookRuntime, Vec<Row>)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = write!(out, "{:<17}", "row");
    for (runtime, _) in graded {
        let _ = write!(out, " {:>6}", runtime.column);
    }
    out.push('\n');
    let rows = graded.first().map_or(0, |(_, rows)| rows.len());
    for index in 0..rows {
        let _ = write!(out, "{:<17}", graded[0].1[index].name);
        for (_, rows) in graded {
            let verdict = rows[index].verdict.name();
            let _ = write!(out, " {verdict:>6}");
        }
        out.push('\n');
    }
    out.push('\n');
    for (runtime, rows) in graded {
        let _ = writeln!(out, "{:<7} {}", runtime.column, runtime.name);
        for row in rows
            .iter()
            .filter(|row| row.verdict != local_lambda::check::Verdict::Pass)
        {
            let _ = writeln!(out, "        {}: {}", row.name, row.did);
        }
    }
    out
}
