//! `cargo run -p chapter-04`: ask for one event and show it. With no
//! `AWS_LAMBDA_RUNTIME_API` set, a local Lambda in this process supplies it.

use chapter_01::Lambda;
use chapter_04::{agent, next_invocation};

// ANCHOR: demo
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lambda = Lambda::from_env_or_embedded()?;
    let runtime_api = lambda.runtime_api();
    // Someone invokes the function; on Lambda that someone is not us.
    let pending = lambda.invoke_later(r#"{"some": "request"}"#);
    println!("asking http://{runtime_api} for the next event (this waits until there is one)");

    let agent = agent();
    let invocation = next_invocation(&agent, &runtime_api)?;
    for (name, value) in &invocation.headers {
        println!("  {name}: {value}");
    }
    println!("event: {}", String::from_utf8_lossy(&invocation.body));

    if let Some(pending) = pending {
        // Answering is chapter 7's business; without an answer this
        // invocation would wait for its timeout before the program could end.
        let id = invocation
            .header("Lambda-Runtime-Aws-Request-Id")
            .unwrap_or_default();
        let url = format!("http://{runtime_api}/2018-06-01/runtime/invocation/{id}/response");
        agent.post(&url).send("thanks")?;
        pending.wait()?;
    }
    Ok(())
}
// ANCHOR_END: demo
