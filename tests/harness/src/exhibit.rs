//! What a test is about to judge, kept so that the workbook can show it.
//!
//! A chapter's tests run bash and the Rust step on the same input, render
//! both, and then assert. When a reader's exercise stands in for the
//! chapter's code, a failed assertion should show the reader those two
//! renderings, not a panic. So each test *exhibits* the comparison before
//! judging it, and when the workbook asked for reports (by setting
//! [`REPORT_DIR`]), a failed assertion writes one: the test, the cases with
//! both renderings, and the assertion's message. Without the variable, nothing
//! changes: the test panics as any test does.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Once;

/// The variable naming the folder where failure reports go; the workbook sets it.
pub const REPORT_DIR: &str = "WORKBOOK_REPORT_DIR";

/// One comparison, as the chapter renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhibit {
    /// The case, as the chapter names it (`_HANDLER=a.b.c`).
    pub case: String,
    /// What bash did, rendered; empty when the case has no bash side (a demo).
    pub bash: String,
    /// What the Rust side (the reader's code, in the workbook) did, rendered.
    pub rust: String,
}

thread_local! {
    // libtest runs each test on a thread of its own, so this is per test.
    static EXHIBITS: RefCell<Vec<Exhibit>> = const { RefCell::new(Vec::new()) };
}

/// Records a comparison the test is about to judge. A failed assertion on
/// this thread is reported with every comparison recorded so far: the last
/// is the one an assertion judged, and a snapshot of several cases is
/// judged on all of them.
pub fn exhibit(case: &str, bash: &str, rust: &str) {
    install_report_hook();
    EXHIBITS.with(|exhibits| {
        exhibits.borrow_mut().push(Exhibit {
            case: case.to_string(),
            bash: bash.to_string(),
            rust: rust.to_string(),
        })
    });
}

/// The comparisons exhibited on this thread, in order.
pub fn exhibits() -> Vec<Exhibit> {
    EXHIBITS.with(|exhibits| exhibits.borrow().clone())
}

/// Installs, once, the panic hook that writes a report when the workbook
/// asked for them. Everything in the harness that runs a side calls it, so
/// that a test failing before it exhibits anything is reported too.
pub(crate) fn install_report_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let Some(folder) = std::env::var_os(REPORT_DIR).map(PathBuf::from) else {
            return;
        };
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let test = thread.name().unwrap_or("unnamed test").to_string();
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
                .to_string();
            let exhibits: Vec<serde_json::Value> = exhibits()
                .into_iter()
                .map(|exhibit| {
                    serde_json::json!({
                        "case": exhibit.case,
                        "bash": exhibit.bash,
                        "rust": exhibit.rust,
                    })
                })
                .collect();
            let report = serde_json::json!({
                "test": test,
                "message": message,
                "exhibits": exhibits,
            });
            let file = folder.join(format!("{}.json", test.replace("::", "-")));
            if std::fs::write(&file, report.to_string()).is_err() {
                // Without a report the workbook falls back to cargo's output: keep it.
                previous(info);
            }
        }));
    });
}
