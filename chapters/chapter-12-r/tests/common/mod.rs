//! What the chapter's test files share: finding R, and a task root with the
//! runtime and the example handlers.

// Each test file uses part of this module, and is compiled on its own.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use harness::{Run, TaskRoot};
use local_lambda::FunctionConfig;

/// Whether R can run here; in CI its absence is a failure, elsewhere a skip.
pub fn r_is_here(test: &str) -> bool {
    harness::have_r(test)
}

/// The chapter's folder.
pub fn chapter() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A task root with the example handlers and `bootstrap` (the Rust runtime,
/// or the tutorial's loop calling R).
pub fn task(tutorial_loop: bool) -> TaskRoot {
    let task = TaskRoot::new();
    let bootstrap = if tutorial_loop {
        chapter().join("r-bootstrap")
    } else {
        assert_cmd::cargo::cargo_bin!("chapter-12").to_path_buf()
    };
    std::fs::copy(bootstrap, task.path().join("bootstrap")).unwrap();
    for handler_file in ["function.R", "runtime.R", "raw.R"] {
        task.copy_in(&chapter().join("example").join(handler_file));
    }
    task
}

/// The function: `_HANDLER`, the handler style and the mode, and time
/// enough for R to start.
pub fn config(task: &TaskRoot, handler: &str, style: &str, mode: &str) -> FunctionConfig {
    let mut config = task.config("bootstrap");
    config.handler = handler.to_string();
    config.timeout = Duration::from_secs(30);
    config.env = vec![
        ("R_HANDLER_STYLE".to_string(), style.to_string()),
        ("R_RUNTIME_MODE".to_string(), mode.to_string()),
    ];
    config
}

/// What each invocation's caller received.
pub fn bodies(run: &Run) -> Vec<Vec<u8>> {
    run.outcomes
        .iter()
        .map(|outcome| outcome.as_ref().unwrap().body().to_vec())
        .collect()
}

/// An event from `tests/events/`.
pub fn event_file(name: &str) -> Vec<u8> {
    std::fs::read(chapter().join("tests/events").join(name)).expect("an event file")
}
