//! A local stand-in for AWS Lambda: the Runtime API a custom runtime talks to,
//! and the supervisor that starts that runtime, hands it events, enforces the
//! timeout and restarts it when it dies, the way Lambda does.
//!
//! It does the job of a Docker image that plays Lambda (once the archived
//! `lambci/lambda:provided`, today AWS's `public.ecr.aws/lambda/provided:al2023`
//! with its Runtime Interface Emulator), so every chapter of the book runs on
//! a plain machine, without Docker:
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

mod async_invoke;
pub mod check;
mod config;
mod connection;
mod dispatch;
mod environment;
mod extensions;
mod extensions_api;
mod front_door;
mod function_url;
pub mod http;
mod ids;
mod init;
mod invocation;
mod invoke;
mod invoke_request;
mod invoke_stream;
mod keeper;
mod lambda;
mod log;
mod process;
mod record;
mod report;
mod response_stream;
mod runtime_api;
mod sandbox;
mod shutdown;
mod supervisor;
mod telemetry;
mod telemetry_api;
mod watch;

pub use config::{EventFraming, FunctionConfig, Limits, LogLevel, StreamShaping};
pub use front_door::{Door, FrontDoor, INVOKE_PATH};
pub use function_url::PRELUDE_CONTENT_TYPE;
pub use invocation::{FunctionError, Invocation, Outcome, Rejection, check_json};
pub use invoke_request::Payloads;
pub use lambda::{Ended, LocalLambda, Pending};
pub use process::proc_kib;
pub use record::{Exchange, Recording, render_exchanges, show_body};
pub use response_stream::{AnswerWriter, ERROR_BODY_TRAILER, ERROR_TYPE_TRAILER, ResponseStream};
pub use runtime_api::API_VERSION;

/// A lock that outlives a panic elsewhere: the state it guards stays usable.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The folder of the book's bash original (`bootstrap` and `function.sh`) in
/// this source tree, for the tests.
pub fn bash_original() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bash-original")
}

/// The bash original's files, built into the command, so that an installed
/// `local-lambda` runs it from any folder, with or without this source tree.
const BASH_ORIGINAL: [(&str, &str); 2] = [
    ("bootstrap", include_str!("../../bash-original/bootstrap")),
    (
        "function.sh",
        include_str!("../../bash-original/function.sh"),
    ),
];

/// Writes the bash original into a folder of the system's temporary
/// directory, named after this build's copy of it, and returns its
/// `bootstrap`: the runtime `local-lambda` runs when given no other.
pub fn unpack_bash_original() -> std::io::Result<std::path::PathBuf> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::PermissionsExt;

    let mut hasher = std::hash::DefaultHasher::new();
    BASH_ORIGINAL.hash(&mut hasher);
    let folder = std::env::temp_dir().join(format!("local-lambda-bash-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&folder)?;
    for (name, text) in BASH_ORIGINAL {
        let path = folder.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|found| found == text) {
            continue;
        }
        // Written aside and renamed into place: two commands starting at once
        // never run a half-written script.
        let partial = folder.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&partial, text)?;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))?;
        std::fs::rename(&partial, &path)?;
    }
    folder.canonicalize().map(|folder| folder.join("bootstrap"))
}
