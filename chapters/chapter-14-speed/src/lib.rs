//! Chapter 14: speed.
//!
//! Where a runtime spends its time, measured: the benchmark in
//! `benches/speed.rs` runs the bash original, chapter 11's runtime, this
//! chapter's runtime with a persistent shell handler, a native Rust
//! handler, a minimal hand-written client and AWS's own `lambda_runtime`
//! through the same local Lambda, in one run. This library holds what the
//! benchmark measures with, and the one runtime the chapter adds: chapter
//! 11's, with the shell handler kept in a long-lived bash process.

pub mod chart;
pub mod fast;
pub mod measure;
pub mod minimal;
pub mod persistent;

use chapter_04::NextInvocation;
use chapter_09::{Conversation, ErrorReport, Fatal, init_report, invocation_report};
use chapter_10::Context;
use persistent::PersistentShell;

// ANCHOR: answer
/// Chapter 11's answer, with the handler run by the persistent worker:
/// the same context in its environment, the same deadline.
pub fn persistent_answer(
    shell: &mut PersistentShell,
) -> impl FnMut(&NextInvocation, &str) -> Result<Vec<u8>, ErrorReport> + '_ {
    |invocation, id| {
        let context = Context::from_invocation(id, invocation)?;
        let deadline = chapter_11::handler_deadline(&context);
        let response = shell.run_with(&invocation.body, &context.shell_env(), Some(deadline));
        response.map_err(|error| invocation_report(&error))
    }
}
// ANCHOR_END: answer

// ANCHOR: run
/// The runtime of this chapter: chapter 11's, whose init starts the worker
/// (so the handler's file is sourced once, in the init phase, as the
/// tutorial's bootstrap does) and whose events go to that worker.
pub fn run() -> Fatal {
    if let Err(error) = chapter_11::exit_on_sigterm() {
        return Fatal(format!("cannot watch for SIGTERM: {error}"));
    }
    let talk = match Conversation::from_env() {
        Ok(talk) => chapter_11::conversation(talk),
        Err(fatal) => return fatal,
    };
    let started = chapter_08::handler_from_env()
        .map_err(|error| init_report(&error))
        .and_then(|handler| PersistentShell::start(&handler));
    match started {
        Ok(mut shell) => talk.run(&mut persistent_answer(&mut shell)),
        Err(report) => talk.fail_init(&report),
    }
}
// ANCHOR_END: run
