//! The R runtime of chapter 12, streaming: a handler that calls
//! `stream_text()` has each piece passed on to the caller as it comes, and
//! what it returns follows the last piece. Init and the handler's styles
//! and modes are chapter 12's (`_HANDLER`, `R_RUNTIME_MODE`,
//! `R_HANDLER_STYLE`); the answer's content type is `STREAM_CONTENT_TYPE`.
//!
//! Exit status: 1 when init fails (reported to Lambda) or Lambda cannot be
//! reached.

use std::io;
use std::process::ExitCode;

use chapter_09::{Fatal, report_init_error};
use chapter_10::Context;
use chapter_12::RHandler;
use chapter_17::{AnswerToBe, content_type_from_env, serve};

fn main() -> ExitCode {
    run().log();
    ExitCode::FAILURE
}

fn run() -> Fatal {
    let runtime_api = match chapter_08::runtime_api_from_env() {
        Ok(api) => api,
        Err(error) => return Fatal(error.to_string()),
    };
    let mut handler = match chapter_12::handler_from_env() {
        Ok(handler) => handler,
        Err(report) => {
            let _ = report_init_error(&chapter_04::agent(), &runtime_api, &report);
            return Fatal(format!("{}: {}", report.error_type, report.message));
        }
    };
    let content_type = content_type_from_env();
    serve(
        &runtime_api,
        &content_type,
        |answer, invocation| match Context::from_invocation(answer.id(), invocation) {
            Ok(context) => stream_from_r(&mut handler, answer, &invocation.body, &context),
            Err(report) => answer.fail(&report),
        },
    )
}

// ANCHOR: stream-from-r
/// Runs the R handler on `event`, each piece it streams sent on as it
/// comes, then what it returned; a failure goes where `answer` says it
/// must, before the first byte or after.
fn stream_from_r(
    handler: &mut RHandler,
    mut answer: AnswerToBe<'_>,
    event: &[u8],
    context: &Context,
) -> io::Result<()> {
    let mut unsent: Option<io::Error> = None;
    let result = handler.answer_streaming(event, context, &mut |piece| {
        if unsent.is_none() {
            unsent = answer.send(piece).err();
        }
    });
    if let Some(error) = unsent {
        return Err(error);
    }
    match result {
        Ok(rest) => {
            answer.send(&rest)?;
            answer.finish()
        }
        Err(report) => answer.fail(&report),
    }
}
// ANCHOR_END: stream-from-r
