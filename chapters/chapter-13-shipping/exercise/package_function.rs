//! Exercise 13: shipping. Write `package_function`, which makes the zip
//! Lambda unpacks into `/var/task`: `bootstrap` executable at its root, the
//! handler's files beside it.
//!
//! Check it with `cargo run -p workbook -- check 13`: it packages, unpacks
//! and runs the tutorial's function with your code. Stuck? `cargo run -p
//! workbook -- hint 13`.

// While the body is `todo!()`, the parameters and imports go unused.
#![allow(unused_imports, unused_variables)]

use std::io;
use std::path::{Path, PathBuf};

use crate::{Entry, write_zip};

// ANCHOR: exercise
/// Writes a function package at `zip_path`: `bootstrap` (from the file
/// `bootstrap`) with mode `0o755`, and each of `files` with mode `0o644`,
/// named in the zip by its file name alone, as Lambda unpacks them into
/// `/var/task`. A path in `files` that names no file (`..`, `/`) is an
/// error whose message is `<path> names no file`.
pub fn package_function(bootstrap: &Path, files: &[PathBuf], zip_path: &Path) -> io::Result<()> {
    todo!(
        "zip {} and {} files into {}",
        bootstrap.display(),
        files.len(),
        zip_path.display()
    )
}
// ANCHOR_END: exercise
