//! `cargo run -p chapter-02`: the strict reading of the bootstrap's two
//! settings, tried on the environments a runtime can meet.

use std::env::VarError;

use chapter_02::settings_from;

// ANCHOR: demo
fn main() {
    let environments: [(&str, &[(&str, &str)]); 4] = [
        (
            "on Lambda",
            &[
                ("_HANDLER", "function.handler"),
                ("LAMBDA_TASK_ROOT", "/var/task"),
            ],
        ),
        ("no _HANDLER", &[("LAMBDA_TASK_ROOT", "/var/task")]),
        (
            "an empty _HANDLER",
            &[("_HANDLER", ""), ("LAMBDA_TASK_ROOT", "/var/task")],
        ),
        ("no task root", &[("_HANDLER", "function.handler")]),
    ];
    for (name, variables) in environments {
        let lookup = |wanted: &str| {
            let found = variables.iter().find(|(key, _)| *key == wanted);
            found
                .map(|(_, value)| value.to_string())
                .ok_or(VarError::NotPresent)
        };
        match settings_from(lookup) {
            Ok(settings) => println!("{name}: starts with {settings:?}"),
            Err(error) => println!("{name}: stops: {error}"),
        }
    }
}
// ANCHOR_END: demo
