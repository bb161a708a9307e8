//! Chapter 1: the whole picture.
//!
//! A runtime's first question is where Lambda is. On Lambda the answer is in
//! `AWS_LAMBDA_RUNTIME_API`. On your machine, with that variable unset, the
//! chapters start a local Lambda inside their own process and play the
//! runtime against it, so `cargo run -p chapter-NN` needs no set-up.

use std::io;

use local_lambda::{FunctionConfig, Invocation, LocalLambda, Pending, Recording};

/// The variable through which Lambda tells a runtime where its API is.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

// ANCHOR: lambda
/// Where this process finds Lambda.
pub enum Lambda {
    /// `AWS_LAMBDA_RUNTIME_API` was set: a real Lambda, or a local one
    /// started elsewhere. Events come from whoever invokes the function.
    Given(String),
    /// Nothing was set, so a local Lambda runs inside this process, and this
    /// process can queue events for itself.
    Embedded(LocalLambda),
}

impl Lambda {
    /// The Lambda named by `AWS_LAMBDA_RUNTIME_API`, or else a new embedded one.
    pub fn from_env_or_embedded() -> io::Result<Lambda> {
        match std::env::var(RUNTIME_API_VAR) {
            Ok(api) if !api.is_empty() => Ok(Lambda::Given(api)),
            _ => {
                let config = FunctionConfig::embedded(std::env::current_dir()?);
                Ok(Lambda::Embedded(LocalLambda::start(config)?))
            }
        }
    }
}
// ANCHOR_END: lambda

impl Lambda {
    /// The Runtime API's address, in the form Lambda gives it (`host:port`).
    pub fn runtime_api(&self) -> String {
        match self {
            Lambda::Given(api) => api.clone(),
            Lambda::Embedded(lambda) => lambda
                .runtime_api()
                .expect("an embedded Lambda serves its API from the start"),
        }
    }

    /// Queues an event on an embedded Lambda, as if someone had invoked the
    /// function; `None` when Lambda is elsewhere and its events come from real invokes.
    pub fn invoke_later(&self, event: &str) -> Option<Pending> {
        match self {
            Lambda::Given(_) => None,
            Lambda::Embedded(lambda) => Some(lambda.submit(Invocation::new(event))),
        }
    }

    /// What an embedded Lambda recorded; nothing for one elsewhere.
    pub fn recording(&self) -> Option<&Recording> {
        match self {
            Lambda::Given(_) => None,
            Lambda::Embedded(lambda) => Some(lambda.recording()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_lambda_serves_on_loopback_at_once() {
        let lambda = Lambda::Embedded(LocalLambda::start(FunctionConfig::embedded(".")).unwrap());
        assert!(lambda.runtime_api().starts_with("127.0.0.1:"));
        assert!(lambda.recording().is_some());
    }

    #[test]
    fn a_given_lambda_is_taken_as_it_is() {
        let lambda = Lambda::Given("127.0.0.1:9001".to_string());
        assert_eq!(lambda.runtime_api(), "127.0.0.1:9001");
        assert!(lambda.invoke_later("{}").is_none());
    }
}
