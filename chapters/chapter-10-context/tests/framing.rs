//! What chapter 10's runtimes do with an event sent chunked, which HTTP/1.1
//! allows any server to send, and with an event whose deadline header is
//! missing: the shell runtime and the greeter, a handler written in Rust.

use harness::{TaskRoot, framing};

fn shell_task() -> TaskRoot {
    TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-10"))
}

fn greeter_task() -> TaskRoot {
    TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!("chapter-10-greeter"))
}

#[test]
fn the_shell_runtime_reads_an_event_sent_chunked_whole() {
    framing::assert_tutorial_handler_reads_a_chunked_event(&shell_task());
}

#[test]
fn the_shell_runtime_reports_a_missing_deadline_by_name() {
    framing::assert_runtime_names_a_missing_deadline(shell_task().config("bootstrap"), "{}");
}

#[test]
fn the_greeter_reads_an_event_sent_chunked_whole() {
    framing::assert_greeter_reads_a_chunked_event(&greeter_task());
}

#[test]
fn the_greeter_reports_a_missing_deadline_by_name() {
    framing::assert_runtime_names_a_missing_deadline(
        greeter_task().config("bootstrap"),
        r#"{"name": "Ada"}"#,
    );
}
