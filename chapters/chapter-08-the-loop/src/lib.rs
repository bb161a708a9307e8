//! Chapter 8: the whole loop in Rust.
//!
//! The steps of chapters 2 to 7, put together into a runtime that can
//! stand in for the bash bootstrap: the same environment, the same handler
//! files, the same answers. One thing is added that the bash cannot do:
//! `AWS_LAMBDA_RUNTIME_API` is accepted in every form it takes in practice.

use std::fmt;
use std::path::Path;

use chapter_03::parse_handler;
use chapter_04::{agent, next_invocation};
use chapter_05::request_id;
use chapter_06::ShellHandler;
use chapter_07::post_response;

// ANCHOR: address
/// The Runtime API's address from `AWS_LAMBDA_RUNTIME_API`, as
/// `host:port[/prefix]` (the form the URLs of chapters 4 and 7 are built
/// from). Lambda gives `127.0.0.1:9001`; cargo-lambda gives
/// `http://127.0.0.1:9000/.rt`; both, and the forms between, are accepted.
pub fn runtime_api_address(value: &str) -> Result<String, RuntimeError> {
    let invalid =
        |why: &str| RuntimeError::Address(format!("AWS_LAMBDA_RUNTIME_API {value:?} {why}"));
    let value = value.trim();
    let without_scheme = match value.split_once("://") {
        None => value,
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(invalid(&format!(
                "uses {scheme}; the Runtime API speaks plain http"
            )));
        }
    };
    let address = without_scheme.trim_end_matches('/');
    let host = address.split('/').next().unwrap_or_default();
    if host.is_empty()
        || address
            .chars()
            .any(|character| character.is_whitespace() || "?#".contains(character))
    {
        return Err(invalid("is not [http://]host:port[/prefix]"));
    }
    Ok(address.to_string())
}
// ANCHOR_END: address

// ANCHOR: handler-from-env
/// The handler named by `_HANDLER` under `LAMBDA_TASK_ROOT` (chapters 2 and 3).
pub fn handler_from_env() -> Result<ShellHandler, RuntimeError> {
    let settings = chapter_02::settings().map_err(RuntimeError::Startup)?;
    let handler = parse_handler(&settings.handler).map_err(RuntimeError::Handler)?;
    let script = handler
        .locate(Path::new(&settings.task_root))
        .map_err(RuntimeError::Handler)?;
    Ok(ShellHandler::new(script, &handler.function))
}
// ANCHOR_END: handler-from-env

/// The Runtime API's address from `AWS_LAMBDA_RUNTIME_API`, in any form.
pub fn runtime_api_from_env() -> Result<String, RuntimeError> {
    let value =
        chapter_02::required_var("AWS_LAMBDA_RUNTIME_API").map_err(RuntimeError::Startup)?;
    runtime_api_address(&value)
}

// ANCHOR: types
/// Why the runtime stopped. Every one ends the process with exit status 1,
/// as `set -e` ends the bash; Part II turns the ones Lambda should hear
/// about into error reports.
#[derive(Debug)]
pub enum RuntimeError {
    Startup(chapter_02::StartupError),
    Handler(chapter_03::HandlerError),
    Address(String),
    Next(chapter_04::NextError),
    RequestId(chapter_05::RequestIdError),
    Run(chapter_06::HandlerError),
    Respond(chapter_07::RespondError),
}
// ANCHOR_END: types

impl fmt::Display for RuntimeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::Startup(error) => error.fmt(formatter),
            RuntimeError::Handler(error) => error.fmt(formatter),
            RuntimeError::Address(message) => formatter.write_str(message),
            RuntimeError::Next(error) => error.fmt(formatter),
            RuntimeError::RequestId(error) => error.fmt(formatter),
            RuntimeError::Run(error) => error.fmt(formatter),
            RuntimeError::Respond(error) => error.fmt(formatter),
        }
    }
}

impl std::error::Error for RuntimeError {}

// ANCHOR: runtime
/// A runtime ready to serve: the handler found, the Runtime API located.
pub struct Runtime {
    agent: ureq::Agent,
    runtime_api: String,
    handler: ShellHandler,
}
// ANCHOR_END: runtime

impl Runtime {
    // ANCHOR: init
    /// Init, once: what the bash does before its loop (chapters 2 and 3),
    /// plus reading the Runtime API's address.
    pub fn from_env() -> Result<Runtime, RuntimeError> {
        let handler = handler_from_env()?;
        Ok(Runtime {
            agent: agent(),
            runtime_api: runtime_api_from_env()?,
            handler,
        })
    }
    // ANCHOR_END: init

    #[cfg(not(feature = "exercise"))]
    // ANCHOR: exercise
    /// One turn of the loop: the next event (chapter 4), its request id
    /// (chapter 5), the handler's answer (chapter 6), sent back (chapter 7).
    pub fn serve_one(&self) -> Result<(), RuntimeError> {
        let invocation =
            next_invocation(&self.agent, &self.runtime_api).map_err(RuntimeError::Next)?;
        let id = request_id(&invocation.headers).map_err(RuntimeError::RequestId)?;
        let response = self
            .handler
            .run(&invocation.body)
            .map_err(RuntimeError::Run)?;
        post_response(&self.agent, &self.runtime_api, &id, &response).map_err(RuntimeError::Respond)
    }
    // ANCHOR_END: exercise

    /// The loop: turn after turn, until something goes wrong.
    pub fn run(&self) -> RuntimeError {
        loop {
            if let Err(error) = self.serve_one() {
                return error;
            }
        }
    }
}

// The workbook's exercise 8: built with `--features exercise`, the reader's
// `Runtime::serve_one` (exercise/serve_one.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/serve_one.rs"]
mod exercise;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_form_seen_in_practice() {
        for (value, address) in [
            ("127.0.0.1:9001", "127.0.0.1:9001"),
            ("http://127.0.0.1:9000/.rt", "127.0.0.1:9000/.rt"),
            (
                "HTTP://localhost:9000/.rt/my-function/",
                "localhost:9000/.rt/my-function",
            ),
            ("127.0.0.1:9000/.rt", "127.0.0.1:9000/.rt"),
        ] {
            assert_eq!(runtime_api_address(value).unwrap(), address, "{value}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for value in [
            "https://127.0.0.1:9001",
            "",
            "http://",
            "/.rt",
            "127.0.0.1:9001?x=1",
            "a b:1",
        ] {
            let error = runtime_api_address(value).unwrap_err().to_string();
            assert!(
                error.starts_with("AWS_LAMBDA_RUNTIME_API "),
                "{value:?}: {error}"
            );
        }
    }
}
