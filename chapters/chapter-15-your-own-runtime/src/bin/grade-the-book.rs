//! `cargo run -p chapter-15 --bin grade-the-book`: every runtime of the
//! book, and AWS's Rust client, through `local-lambda check`, one after
//! another (a few minutes: each waits out the idle and deadline rows). With
//! `--write-book`, the table goes to `book/check-results.txt`, which the
//! book includes, headed by how and where it was made.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use chapter_15::{BOOK_RUNTIMES, grade_book_runtime, results_table, workspace_root};
use local_lambda::check::Settings;

fn main() -> ExitCode {
    let write_book = std::env::args().any(|arg| arg == "--write-book");
    let binaries = match build_runtimes() {
        Ok(binaries) => binaries,
        Err(message) => {
            eprintln!("grade-the-book: {message}");
            return ExitCode::from(2);
        }
    };
    let mut graded = Vec::new();
    for runtime in BOOK_RUNTIMES {
        eprintln!("grading {}", runtime.name);
        let task_root = std::env::temp_dir().join(format!(
            "grade-the-book-{}-{}",
            std::process::id(),
            runtime.column
        ));
        let _ = std::fs::remove_dir_all(&task_root);
        let rows = std::fs::create_dir_all(&task_root).and_then(|()| {
            grade_book_runtime(&runtime, &binaries, &task_root, &Settings::default())
        });
        let _ = std::fs::remove_dir_all(&task_root);
        match rows {
            Ok(rows) => graded.push((runtime, rows)),
            Err(error) => {
                eprintln!("grade-the-book: {}: {error}", runtime.name);
                return ExitCode::from(2);
            }
        }
    }
    let table = results_table(&graded);
    print!("{table}");
    if write_book {
        let header = format!(
            "cargo run -p chapter-15 --bin grade-the-book -- --write-book, on {}\n\n",
            chapter_14::measure::machine()
        );
        let path = workspace_root().join("book/check-results.txt");
        if let Err(error) = std::fs::write(&path, header + &table) {
            eprintln!("grade-the-book: {}: {error}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// Builds every runtime's binary and returns the folder they are in. A
/// program can only name its own package's binaries, so it asks cargo.
fn build_runtimes() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let packages = [
        "chapter-08",
        "chapter-09",
        "chapter-10",
        "chapter-11",
        "chapter-12",
        "chapter-13",
        "chapter-14",
        "peer-lambda-runtime",
    ];
    let status = Command::new(cargo)
        .args(["build", "--bins"])
        .args(packages.iter().flat_map(|package| ["-p", package]))
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !status.success() {
        return Err(format!("cargo build failed: {status}"));
    }
    let this = std::env::current_exe().map_err(|error| error.to_string())?;
    this.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "no folder for this program".to_string())
}
