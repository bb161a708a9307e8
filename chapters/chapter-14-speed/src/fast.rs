//! Chapter 10's `serve`, on the hand-written client of [`crate::minimal`]
//! instead of ureq. The handler, its context, its JSON and its errors are
//! chapter 10's (`rust_answer`), the turn is chapter 9's (`serve_one`);
//! only the HTTP underneath changes, and the benchmark shows what that is
//! worth: more than half of the runtime's own CPU per event.

use chapter_04::NextInvocation;
use chapter_07::RespondError;
use chapter_09::{ErrorReport, Fatal, RuntimeClient};
use chapter_10::{Context, HandlerFailure, rust_answer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::minimal::MinimalClient;

// ANCHOR: client
/// What chapter 9's turn asks of the Runtime API, over the hand-written client.
impl RuntimeClient for MinimalClient {
    fn next_event(&mut self) -> Result<NextInvocation, Fatal> {
        self.next_invocation()
            .map_err(|error| Fatal(format!("cannot get the next event: {error}")))
    }

    fn respond(&mut self, request_id: &str, response: &[u8]) -> Result<(), RespondError> {
        self.send_response(request_id, response)
    }

    fn report_error(&mut self, request_id: &str, report: &ErrorReport) -> Result<(), RespondError> {
        self.send_error(request_id, report)
    }
}
// ANCHOR_END: client

// ANCHOR: serve
/// Serves events with a Rust handler until the Runtime API cannot be
/// reached: chapter 10's `serve`, with another client underneath.
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
    match MinimalClient::connect(&address) {
        Ok(mut client) => chapter_09::serve(&mut client, &mut rust_answer(handler)),
        Err(error) => Fatal(format!(
            "cannot reach the Runtime API at {address}: {error}"
        )),
    }
}
// ANCHOR_END: serve
