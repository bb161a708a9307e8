//! The Rust side of `step.sh`: one `next`, then what came back. Exit status
//! 1 when `AWS_LAMBDA_RUNTIME_API` is missing or no event can be had.

use std::io::Write;
use std::process::ExitCode;

use chapter_04::{agent, next_invocation};

// ANCHOR: step
fn main() -> ExitCode {
    let runtime_api = match chapter_02::required_var("AWS_LAMBDA_RUNTIME_API") {
        Ok(runtime_api) => runtime_api,
        Err(error) => return fail(&error.to_string()),
    };
    match next_invocation(&agent(), &runtime_api) {
        Ok(invocation) => {
            println!("== headers, as ureq parsed them ==");
            for (name, value) in &invocation.headers {
                println!("{name}: {value}");
            }
            println!("== event ==");
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(&invocation.body);
            println!();
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("bootstrap: {message}");
    ExitCode::FAILURE
}
// ANCHOR_END: step
