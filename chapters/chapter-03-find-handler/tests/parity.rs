//! Finding the handler, bash beside Rust, for every kind of `_HANDLER`.

use std::path::{Path, PathBuf};

use harness::{Ran, TaskRoot, clean_command, side_by_side, snapshot_settings};

/// A task root with the scripts the cases need.
fn task_root() -> TaskRoot {
    let task = TaskRoot::with_bash_original();
    task.write("a.sh", "b() { :; }\n");
    task.write("handler.sh", "handler() { :; }\n");
    task.write("lib/tools.sh", "run() { :; }\n");
    std::fs::create_dir_all(task.path().join("my task")).unwrap();
    std::fs::copy(
        task.path().join("function.sh"),
        task.path().join("my task/function.sh"),
    )
    .unwrap();
    task
}

/// Runs step.sh and the Rust step with `_HANDLER` and a task root.
fn both(handler: &str, task_root: &Path) -> (Ran, Ran) {
    both_with(Some(handler), task_root)
}

/// As [`both`], with `_HANDLER` left unset when `handler` is `None`.
fn both_with(handler: Option<&str>, task_root: &Path) -> (Ran, Ran) {
    let root = task_root.to_str().unwrap();
    let mut env = vec![("LAMBDA_TASK_ROOT", root)];
    env.extend(handler.map(|handler| ("_HANDLER", handler)));
    let step_sh = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("step.sh");
    let bash = Ran::run(&mut clean_command(&step_sh, &env));
    let step = assert_cmd::cargo::cargo_bin!("chapter-03-step");
    let rust = Ran::run(&mut clean_command(step, &env));
    let mut case = handler.map_or("_HANDLER unset".to_string(), |handler| {
        format!("_HANDLER={handler:?}")
    });
    if root.contains(' ') {
        case.push_str(", a task root with a space in it");
    }
    harness::exhibit_runs(&case, &bash, &rust);
    (bash, rust)
}

fn snapshot(name: &str, case: &str, bash: &Ran, rust: &Ran) {
    let text = side_by_side(case, bash, rust);
    snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn the_tutorials_handler_is_found_alike() {
    let task = task_root();
    let (bash, rust) = both("function.handler", task.path());
    assert_eq!(bash, rust, "the chapter says they agree here");
    harness::claim_eq(
        "both find function.sh",
        bash.stdout.as_str(),
        "file: <task-root>/function.sh\nfunction: handler\n",
    );
    snapshot(
        "handler_tutorial",
        "_HANDLER=function.handler",
        &bash,
        &rust,
    );
}

#[test]
fn a_subfolder_is_found_alike() {
    let task = task_root();
    let (bash, rust) = both("lib/tools.run", task.path());
    assert_eq!(bash, rust, "the chapter says they agree here");
    harness::claim_eq(
        "a subfolder is part of the file",
        rust.stdout.as_str(),
        "file: <task-root>/lib/tools.sh\nfunction: run\n",
    );
}

#[test]
fn with_two_dots_bash_drops_the_rest() {
    let task = task_root();
    let (bash, rust) = both("a.b.c", task.path());
    harness::claim_eq("cut -f2", bash.stdout.lines().last(), Some("function: b"));
    harness::claim_eq(
        "everything after the first dot is the function",
        rust.stdout.lines().last(),
        Some("function: b.c"),
    );
    snapshot("handler_two_dots", "_HANDLER=a.b.c", &bash, &rust);
}

#[test]
fn without_a_dot_bash_uses_the_word_twice() {
    let task = task_root();
    let (bash, rust) = both("handler", task.path());
    harness::claim_eq(
        "cut prints a line without the delimiter whole",
        bash.status,
        0,
    );
    harness::claim_eq(
        "bash uses the word as file and function",
        bash.stdout.as_str(),
        "file: <task-root>/handler.sh\nfunction: handler\n",
    );
    harness::claim_eq("Rust refuses a handler without a dot", rust.status, 1);
    assert!(
        rust.stderr.contains("has no dot"),
        "Rust says the dot is missing: {}",
        rust.stderr
    );
    snapshot("handler_no_dot", "_HANDLER=handler", &bash, &rust);
}

#[test]
fn empty_missing_and_dotted_paths_stop_both() {
    let task = task_root();
    let mut report = String::new();
    for handler in [
        None,
        Some(""),
        Some("missing.handler"),
        Some("../outside.handler"),
    ] {
        let (bash, rust) = both_with(handler, task.path());
        harness::claim_eq(
            &format!("both stop for {handler:?}"),
            (bash.status, rust.status),
            (1, 1),
        );
        harness::claim_eq(
            "neither prints a file",
            (bash.stdout.as_str(), rust.stdout.as_str()),
            ("", ""),
        );
        let case = handler.map_or("_HANDLER unset".to_string(), |handler| {
            format!("_HANDLER={handler:?}")
        });
        report.push_str(&side_by_side(&case, &bash, &rust));
        report.push('\n');
    }
    assert!(
        report.contains("<task-root>/.sh: No such file or directory"),
        "{report}"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("handler_failures", report));
}

#[test]
fn an_empty_function_name_is_refused() {
    let task = task_root();
    let (bash, rust) = both("function.", task.path());
    harness::claim_eq(
        "bash loads function.sh and has no function to call; Rust refuses",
        (bash.status, rust.status),
        (0, 1),
    );
    assert!(
        rust.stderr.contains("has an empty file or function name"),
        "Rust says the function's name is empty: {}",
        rust.stderr
    );
}

#[test]
fn names_and_paths_bash_takes_and_rust_refuses() {
    let task = task_root();
    // A hidden script `.sh` in a folder, which `lib/.handler` would load.
    task.write("lib/.sh", "handler() { :; }\n");
    let mut report = String::new();
    let cases = [
        (
            "lib/.handler",
            "does not name a file inside LAMBDA_TASK_ROOT",
        ),
        (
            "lib//tools.run",
            "does not name a file inside LAMBDA_TASK_ROOT",
        ),
    ];
    for (handler, refusal) in cases {
        let (bash, rust) = both(handler, task.path());
        report.push_str(&side_by_side(
            &format!("_HANDLER={handler:?}"),
            &bash,
            &rust,
        ));
        report.push('\n');
        harness::claim_eq(
            &format!("bash finds a script for {handler:?}; Rust refuses it"),
            (bash.status, rust.status),
            (0, 1),
        );
        assert!(
            rust.stderr.contains(refusal),
            "Rust says why {handler:?} is refused: {refusal}"
        );
    }
    snapshot_settings().bind(|| insta::assert_snapshot!("handler_refused", report));
}

#[test]
fn a_task_root_with_a_space_breaks_only_bash() {
    let task = task_root();
    let (bash, rust) = both("function.handler", &task.path().join("my task"));
    harness::claim_eq(
        "the unquoted $LAMBDA_TASK_ROOT splits in two",
        bash.status,
        1,
    );
    harness::claim_eq(
        "Rust finds the script",
        rust.stdout.as_str(),
        "file: <task-root>/my task/function.sh\nfunction: handler\n",
    );
    snapshot(
        "handler_space_in_root",
        "LAMBDA_TASK_ROOT=<task-root>/my task",
        &bash,
        &rust,
    );
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-03"));
    harness::claim_eq(
        "the demo refuses four handlers",
        demo.stdout.matches("refused").count(),
        4,
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("demo", demo.stdout));
}
