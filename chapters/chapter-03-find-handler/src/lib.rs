//! Chapter 3: finding the handler.
//!
//! `_HANDLER` is whatever the function's configuration says; what it means
//! is the runtime's business. The tutorial's runtime reads it as
//! `file.function`: load `file.sh` from the task root, then call `function`.
//! It cuts the string with `cut -d.`, which quietly accepts strings that mean
//! nothing (no dot, an empty part) and paths that leave the task root. Here
//! the same reading is done by a parser that says no.

use std::fmt;
use std::path::{Path, PathBuf};

// ANCHOR: types
/// The two halves of `_HANDLER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// The script's path under the task root, without `.sh`; may name a
    /// subfolder (`lib/function`), never a place outside.
    pub file: String,
    /// The shell function to call: everything after the first dot.
    pub function: String,
}

/// Why `_HANDLER` does not name a handler. Lambda calls this kind of init
/// failure `Runtime.NoSuchHandler` (Part II reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError {
    /// No dot: `cut` would use the whole string as both file and function.
    NoDot(String),
    /// A dot at the start or end, so the file or the function has no name.
    EmptyPart(String),
    /// The file part is not a plain relative path (`/etc/x`, `lib/`): the
    /// script must be a file inside the task root.
    NotRelative(String),
    /// The script is not where `_HANDLER` says.
    MissingScript(PathBuf),
}
// ANCHOR_END: types

impl fmt::Display for HandlerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::NoDot(handler) => {
                write!(
                    formatter,
                    "_HANDLER {handler:?} has no dot; expected file.function, such as function.handler"
                )
            }
            HandlerError::EmptyPart(handler) => {
                write!(
                    formatter,
                    "_HANDLER {handler:?} has an empty file or function name; expected file.function"
                )
            }
            HandlerError::NotRelative(handler) => write!(
                formatter,
                "_HANDLER {handler:?} does not name a file inside LAMBDA_TASK_ROOT"
            ),
            HandlerError::MissingScript(path) => {
                write!(formatter, "no handler script at {}", path.display())
            }
        }
    }
}

impl std::error::Error for HandlerError {}

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// Splits `_HANDLER` at its first dot into the script and the function.
pub fn parse_handler(handler: &str) -> Result<Handler, HandlerError> {
    let Some((file, function)) = handler.split_once('.') else {
        return Err(HandlerError::NoDot(handler.to_string()));
    };
    if file.is_empty() || function.is_empty() {
        return Err(HandlerError::EmptyPart(handler.to_string()));
    }
    // The file part holds no dot, so no `.` or `..`; an empty segment is a
    // leading `/` (absolute) or a trailing one (a folder, not a file).
    if file.split('/').any(str::is_empty) {
        return Err(HandlerError::NotRelative(handler.to_string()));
    }
    Ok(Handler {
        file: file.to_string(),
        function: function.to_string(),
    })
}
// ANCHOR_END: exercise

// The workbook's exercise 3: built with `--features exercise`, the reader's
// `parse_handler` (exercise/parse_handler.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/parse_handler.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::parse_handler;

impl Handler {
    /// Where the script should be: `<task root>/<file>.sh`.
    pub fn script_path(&self, task_root: &Path) -> PathBuf {
        self.script_path_with(task_root, "sh")
    }

    /// Where the script should be for a language whose files end in
    /// `.extension` (chapter 12's R runtime looks for `<file>.R`).
    pub fn script_path_with(&self, task_root: &Path, extension: &str) -> PathBuf {
        task_root.join(format!("{}.{extension}", self.file))
    }

    // ANCHOR: locate
    /// The script's path, if it is there; `source` would fail on a missing
    /// one too, but only the path tells a reader what to fix.
    pub fn locate(&self, task_root: &Path) -> Result<PathBuf, HandlerError> {
        self.locate_with(task_root, "sh")
    }
    // ANCHOR_END: locate

    /// [`Handler::locate`] for scripts ending in `.extension`.
    pub fn locate_with(&self, task_root: &Path, extension: &str) -> Result<PathBuf, HandlerError> {
        let path = self.script_path_with(task_root, extension);
        if path.is_file() {
            Ok(path)
        } else {
            Err(HandlerError::MissingScript(path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(handler: &str) -> Result<(String, String), HandlerError> {
        parse_handler(handler).map(|handler| (handler.file, handler.function))
    }

    #[test]
    fn the_tutorials_handler() {
        assert_eq!(
            parsed("function.handler"),
            Ok(("function".into(), "handler".into()))
        );
    }

    #[test]
    fn everything_after_the_first_dot_is_the_function() {
        assert_eq!(parsed("a.b.c"), Ok(("a".into(), "b.c".into())));
        assert_eq!(
            parsed("lib/tools.run"),
            Ok(("lib/tools".into(), "run".into()))
        );
    }

    #[test]
    fn refuses_what_cut_would_accept() {
        assert_eq!(
            parsed("handler"),
            Err(HandlerError::NoDot("handler".into()))
        );
        assert_eq!(
            parsed(".handler"),
            Err(HandlerError::EmptyPart(".handler".into()))
        );
        assert_eq!(
            parsed("function."),
            Err(HandlerError::EmptyPart("function.".into()))
        );
        // The first dot of `..` ends the file part: nothing is left of it.
        assert_eq!(
            parsed("../outside.handler"),
            Err(HandlerError::EmptyPart("../outside.handler".into()))
        );
        assert_eq!(
            parsed("/etc/passwd.x"),
            Err(HandlerError::NotRelative("/etc/passwd.x".into()))
        );
        assert_eq!(
            parsed("lib/.x"),
            Err(HandlerError::NotRelative("lib/.x".into()))
        );
    }

    #[test]
    fn the_script_lives_under_the_task_root() {
        let handler = parse_handler("function.handler").unwrap();
        assert_eq!(
            handler.script_path(Path::new("/var/task")),
            Path::new("/var/task/function.sh")
        );
        assert_eq!(
            handler.locate(Path::new("/nowhere")),
            Err(HandlerError::MissingScript("/nowhere/function.sh".into()))
        );
    }
}
