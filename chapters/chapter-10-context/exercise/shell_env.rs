//! Exercise 10: the invocation context. Write `Context::shell_env`: what a
//! shell handler is told about its invocation, as variables in its own
//! environment, which the tutorial's bash never sets.
//!
//! Check it with `cargo run -p workbook -- check 10`: it runs chapter 10's
//! tests, the bash original beside your runtime, each as the bootstrap of
//! a local Lambda. Stuck? `cargo run -p workbook -- hint 10`.

use crate::Context;

impl Context {
    // ANCHOR: exercise
    /// The context as a shell handler receives it, as (name, value) pairs:
    /// the request id, deadline and function ARN as
    /// `LAMBDA_RUNTIME_AWS_REQUEST_ID`, `LAMBDA_RUNTIME_DEADLINE_MS` and
    /// `LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN`; and, only when Lambda sent
    /// them, the trace id as `_X_AMZN_TRACE_ID` and
    /// `LAMBDA_RUNTIME_TRACE_ID`, the client context as
    /// `LAMBDA_RUNTIME_CLIENT_CONTEXT` and the Cognito identity as
    /// `LAMBDA_RUNTIME_COGNITO_IDENTITY`.
    pub fn shell_env(&self) -> Vec<(String, String)> {
        todo!("the context of {} as variables", self.request_id)
    }
    // ANCHOR_END: exercise
}
