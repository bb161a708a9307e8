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
    let mut function = FunctionConfig::for_bootstrap(folder.join("bootstrap"));
    function.handler = "check.handler".to_string();
    local_lambda::check::check(&function, settings)
}
