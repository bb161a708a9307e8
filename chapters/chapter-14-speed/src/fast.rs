//! Chapter 10's `serve`, on the hand-written client of [`crate::minimal`]
//! instead of ureq. The handler, its context, its JSON and its errors are
//! chapter 10's (`rust_answer`); only the HTTP underneath changes, and the
//! benchmark shows what that is worth: about half of the runtime's own CPU
//! per event.

use chapter_09::{ErrorReport, Fatal};
use chapter_10::{Context, HandlerFailure, rust_answer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::minimal::{MinimalClient, Sent};

// ANCHOR: serve
/// Serves events with a Rust handler until the Runtime API cannot be
/// reached. Each turn is chapter 9's: the next event, its request id
/// checked (chapter 5), then a response or an error report; an answer Lambda
/// refuses is logged, and the loop goes on.
pub fn serve<Event, Response, Handler>(handler: Handler) -> Fatal
where
    Event: DeserializeOwned,
    Response: Serialize,
    Handler: FnMut(Event, &Context) -> Result<Response, HandlerFailure>,
{
    let address = match chapter_08::runtime_api_from_env() {
        Ok(address) => address,
        Err(error) => return Fatal(error.to_string()),
    };
    let mut client = match MinimalClient::connect(&address) {
        Ok(client) => client,
        Err(error) => {
            return Fatal(format!(
                "cannot reach the Runtime API at {address}: {error}"
            ));
        }
    };
    let mut answer = rust_answer(handler);
    loop {
        let invocation = match client.next_invocation() {
            Ok(invocation) => invocation,
            Err(error) => return Fatal(format!("cannot get the next event: {error}")),
        };
        let id = match chapter_05::request_id(&invocation.headers) {
            Ok(id) => id,
            Err(error) => {
                eprintln!("bootstrap: {error}; the event cannot be answered");
                continue;
            }
        };
        let sent = match answer(&invocation, &id) {
            Ok(response) => client.respond(&id, &response),
            Err(report) => report_failure(&mut client, &id, &report),
        };
        match sent {
            Ok(Sent::Accepted) => {}
            Ok(Sent::Refused { status, body }) => eprintln!(
                "bootstrap: the Runtime API refused the answer with {status}: {}",
                body.trim_end()
            ),
            Err(error) => return Fatal(format!("cannot answer the event {id}: {error}")),
        }
    }
}
// ANCHOR_END: serve

fn report_failure(
    client: &mut MinimalClient,
    id: &str,
    report: &ErrorReport,
) -> std::io::Result<Sent> {
    eprintln!("bootstrap: {}: {}", report.error_type, report.message);
    client.report_error(id, report)
}
