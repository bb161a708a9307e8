//! `cargo run -p chapter-07`: one whole turn of the loop, from chapters 4,
//! 5 and this one, with a fixed answer; then what the caller received.

use chapter_01::Lambda;
use chapter_04::{agent, next_invocation};
use chapter_05::request_id;
use chapter_07::post_response;

// ANCHOR: demo
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lambda = Lambda::from_env_or_embedded()?;
    let runtime_api = lambda.runtime_api();
    let pending = lambda.invoke_later(r#"{"some": "request"}"#);

    let agent = agent();
    let invocation = next_invocation(&agent, &runtime_api)?;
    let id = request_id(&invocation.headers)?;
    let answer = "@answers are sent as they are:\n  newlines, a leading @, all of it";
    post_response(&agent, &runtime_api, &id, answer.as_bytes())?;
    println!("sent the answer for {id}");

    if let Some(pending) = pending {
        let outcome = pending.wait()?;
        println!(
            "the caller received:\n{}",
            String::from_utf8_lossy(outcome.body())
        );
    }
    Ok(())
}
// ANCHOR_END: demo
