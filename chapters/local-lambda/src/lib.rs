//! A local stand-in for AWS Lambda: the Runtime API a custom runtime talks to,
//! and the supervisor that starts that runtime, hands it events, enforces the
//! timeout and restarts it when it dies, the way Lambda does.
//!
//! It replaces the Docker image (`lambci/lambda:provided`) that readers of
//! AWS's custom-runtime tutorial used, so every chapter of the book runs on a
//! plain machine:
//!
//! ```no_run
//! use local_lambda::{FunctionConfig, Invocation, LocalLambda};
//!
//! let config = FunctionConfig::for_bootstrap("path/to/task/bootstrap");
//! let lambda = LocalLambda::start(config).unwrap();
//! let outcome = lambda.invoke(Invocation::new(r#"{"some": "request"}"#)).unwrap();
//! println!("{}", String::from_utf8_lossy(outcome.body()));
//! ```
//!
//! Everything listens on 127.0.0.1 only, on ports the system picks unless
//! told otherwise, and every exchange is recorded for the tests.

mod config;
mod environment;
mod front_door;
pub mod http;
mod ids;
mod invocation;
mod log;
mod record;
mod report;
mod runtime_api;

pub use config::{FunctionConfig, Limits};
pub use environment::{LocalLambda, Pending};
pub use front_door::{FrontDoor, INVOKE_PATH};
pub use invocation::{FunctionError, Invocation, Outcome, Rejection};
pub use record::{Exchange, Recording, render_exchanges, show_body};
pub use runtime_api::API_VERSION;

/// The folder of the book's bash original (`bootstrap` and `function.sh`),
/// the runtime `local-lambda` runs when given no other.
pub fn bash_original() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bash-original")
}
