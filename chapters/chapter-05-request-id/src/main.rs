//! `cargo run -p chapter-05`: take one event from Lambda (a local one if
//! none is set) and find its request id among the parsed headers.

use chapter_01::Lambda;
use chapter_04::{agent, next_invocation};
use chapter_05::request_id;

// ANCHOR: demo
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lambda = Lambda::from_env_or_embedded()?;
    let runtime_api = lambda.runtime_api();
    let pending = lambda.invoke_later(r#"{"some": "request"}"#);

    let agent = agent();
    let invocation = next_invocation(&agent, &runtime_api)?;
    let id = request_id(&invocation.headers)?;
    println!("request id: {id}");
    let url = format!("http://{runtime_api}/2018-06-01/runtime/invocation/{id}/response");
    println!("the answer will go to {url}");

    // Answering is chapter 7's business; this closes the invocation.
    agent.post(&url).send("thanks")?;
    if let Some(pending) = pending {
        pending.wait()?;
    }
    Ok(())
}
// ANCHOR_END: demo
