//! The Rust side of `step.sh`: POST stdin, byte for byte, as the response
//! for the request id given as the argument. Exit status 1 when Lambda does
//! not accept it.

use std::io::Read;
use std::process::ExitCode;

use chapter_04::agent;
use chapter_07::post_response;

// ANCHOR: step
fn main() -> ExitCode {
    match respond() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bootstrap: {message}");
            ExitCode::FAILURE
        }
    }
}

fn respond() -> Result<(), String> {
    let runtime_api =
        chapter_02::required_var("AWS_LAMBDA_RUNTIME_API").map_err(|error| error.to_string())?;
    let request_id = std::env::args()
        .nth(1)
        .ok_or("usage: chapter-07-step REQUEST_ID")?;
    let mut response = Vec::new();
    std::io::stdin()
        .read_to_end(&mut response)
        .map_err(|error| format!("reading the response: {error}"))?;
    post_response(&agent(), &runtime_api, &request_id, &response).map_err(|error| error.to_string())
}
// ANCHOR_END: step
