//! Chapter 2: strict mode.
//!
//! The bash bootstrap starts with `set -euo pipefail` so that a failure stops
//! it instead of running on with garbage. Rust gets the same guarantee
//! from its types: a fallible call returns a `Result`, and `?` passes the
//! failure up, so no failure goes unchecked by accident. What Rust adds is
//! the message: which variable, and what to do about it.

use std::env::VarError;
use std::fmt;

// ANCHOR: startup-error
/// Why the runtime cannot start, in words that say what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupError {
    /// A variable Lambda always sets is missing: we are not on Lambda, or
    /// whoever started us forgot it.
    Unset(&'static str),
    /// Set, but to nothing: `set -u` lets this through, and `cut` then
    /// finds no file and no function name.
    Empty(&'static str),
    /// Set, but to bytes that are not UTF-8: bash would take them as they
    /// are, and a Rust `String` cannot hold them.
    NotUnicode(&'static str),
}
// ANCHOR_END: startup-error

impl fmt::Display for StartupError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Unset(name) => {
                write!(
                    formatter,
                    "{name} is not set; Lambda sets it for every runtime, so set it yourself to run one elsewhere"
                )
            }
            StartupError::Empty(name) => write!(formatter, "{name} is set but empty"),
            StartupError::NotUnicode(name) => write!(formatter, "{name} is not valid UTF-8"),
        }
    }
}

impl std::error::Error for StartupError {}

// ANCHOR: required-var
/// Reads a variable the runtime cannot do without: the Rust counterpart of
/// `set -u`, which also refuses an empty value.
pub fn required_var(name: &'static str) -> Result<String, StartupError> {
    required_from(name, std::env::var(name))
}
// ANCHOR_END: required-var

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// The decision behind [`required_var`], given what the environment held.
pub fn required_from(
    name: &'static str,
    value: Result<String, VarError>,
) -> Result<String, StartupError> {
    match value {
        Ok(value) if value.is_empty() => Err(StartupError::Empty(name)),
        Ok(value) => Ok(value),
        Err(VarError::NotPresent) => Err(StartupError::Unset(name)),
        Err(VarError::NotUnicode(_)) => Err(StartupError::NotUnicode(name)),
    }
}
// ANCHOR_END: exercise

// ANCHOR: exercise-switch
// The workbook's exercise 2: built with `--features exercise`, the reader's
// `required_from` (exercise/required_from.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/required_from.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::required_from;
// ANCHOR_END: exercise-switch

/// What the bootstrap reads before anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub handler: String,
    pub task_root: String,
}

// ANCHOR: settings
/// Reads `_HANDLER` and `LAMBDA_TASK_ROOT`, stopping at the first problem, as
/// `set -u` stops the script at the first unset variable.
pub fn settings_from(
    mut lookup: impl FnMut(&'static str) -> Result<String, VarError>,
) -> Result<Settings, StartupError> {
    let handler = required_from("_HANDLER", lookup("_HANDLER"))?;
    let task_root = required_from("LAMBDA_TASK_ROOT", lookup("LAMBDA_TASK_ROOT"))?;
    Ok(Settings { handler, task_root })
}
// ANCHOR_END: settings

/// [`settings_from`] this process's environment.
pub fn settings() -> Result<Settings, StartupError> {
    settings_from(std::env::var)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup_in(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl FnMut(&'static str) -> Result<String, VarError> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
                .ok_or(VarError::NotPresent)
        }
    }

    #[test]
    fn reads_both_settings() {
        let settings = settings_from(lookup_in(&[
            ("_HANDLER", "function.handler"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
        ]));
        assert_eq!(
            settings,
            Ok(Settings {
                handler: "function.handler".into(),
                task_root: "/var/task".into()
            })
        );
    }

    #[test]
    fn names_the_first_missing_or_empty_variable() {
        assert_eq!(
            settings_from(lookup_in(&[])),
            Err(StartupError::Unset("_HANDLER"))
        );
        assert_eq!(
            settings_from(lookup_in(&[("_HANDLER", "")])),
            Err(StartupError::Empty("_HANDLER"))
        );
        assert_eq!(
            settings_from(lookup_in(&[("_HANDLER", "f.h")])),
            Err(StartupError::Unset("LAMBDA_TASK_ROOT"))
        );
    }

    #[test]
    fn the_message_says_what_to_do() {
        let message = StartupError::Unset("_HANDLER").to_string();
        assert!(message.starts_with("_HANDLER is not set;"), "{message}");
    }
}
