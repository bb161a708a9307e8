//! Packaging, the chapter's exercise: the function package and the layer,
//! made by the chapter's command, listed with their modes, unpacked as
//! Lambda unpacks them and run under a local Lambda.

use std::fs::File;
use std::path::{Path, PathBuf};

use chapter_13::{package_function, unpack};
use harness::{TaskRoot, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, bash_original};

/// Runs the chapter's command with `args` and checks that it succeeds,
/// showing what it printed (for the workbook) before judging it.
fn chapter_13(args: &[&std::ffi::OsStr]) {
    let ran = harness::Ran::run(
        std::process::Command::new(assert_cmd::cargo::cargo_bin!("chapter-13")).args(args),
    );
    let words: Vec<String> = args
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let case = harness::normalise_output(&format!("chapter-13 {}", words.join(" ")));
    harness::exhibit(&case, "", &ran.render("rust"));
    harness::claim_eq("the command succeeds (exit status)", ran.status, 0);
}

/// The zip's entries with their Unix permission bits.
fn listing(zip_path: &Path) -> Vec<(String, u32)> {
    let mut archive = zip::ZipArchive::new(File::open(zip_path).unwrap()).unwrap();
    (0..archive.len())
        .map(|index| {
            let entry = archive.by_index(index).unwrap();
            (
                entry.name().unwrap().to_string(),
                entry.unix_mode().unwrap_or(0) & 0o777,
            )
        })
        .collect()
}

#[test]
fn the_function_package_unpacks_into_a_bootstrap_that_answers() {
    let work = TaskRoot::new();
    let zip = work.path().join("function.zip");
    let function_sh = bash_original().join("function.sh");
    chapter_13(&["function".as_ref(), zip.as_ref(), function_sh.as_ref()]);
    harness::claim_eq(
        "the zip holds bootstrap (0o755) and function.sh (0o644), by name, in that order",
        listing(&zip),
        vec![
            ("bootstrap".to_string(), 0o755),
            ("function.sh".to_string(), 0o644),
        ],
    );

    let task_root = work.path().join("var/task");
    unpack(&zip, &task_root).unwrap();
    let answered = run(
        FunctionConfig::for_bootstrap(task_root.join("bootstrap")),
        &events(&[r#"{"some": "request"}"#, "two  spaces"]),
    );
    assert!(
        answered
            .outcomes
            .iter()
            .all(|outcome| outcome.as_ref().unwrap().is_success())
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("shipping_unpacked", answered.results()));
}

#[test]
fn a_layer_puts_the_bootstrap_in_opt_for_functions_without_one() {
    let work = TaskRoot::new();
    let zip = work.path().join("layer.zip");
    chapter_13(&["layer".as_ref(), zip.as_ref()]);
    harness::claim_eq(
        "the layer holds bootstrap alone, 0o755",
        listing(&zip),
        vec![("bootstrap".to_string(), 0o755)],
    );
    let opt = work.path().join("opt");
    unpack(&zip, &opt).unwrap();
    // The function package holds only the handler; the runtime comes from the layer.
    let task = TaskRoot::new();
    task.copy_in(&bash_original().join("function.sh"));
    let mut config = FunctionConfig::for_bootstrap(opt.join("bootstrap"));
    config.task_root = task.path().to_path_buf();
    let answered = run(config, &events(&[r#"{"some": "request"}"#]));
    harness::claim_eq(
        "the runtime from the layer answers",
        answered.outcomes[0].as_ref().unwrap().body(),
        br#"Echoing request: '{"some": "request"}'"#,
    );
}

#[test]
fn a_path_that_names_no_file_is_refused_by_name() {
    let work = TaskRoot::new();
    let zip = work.path().join("function.zip");
    let bootstrap = bash_original().join("bootstrap");
    let refused = package_function(&bootstrap, &[PathBuf::from("..")], &zip);
    let message = refused.map_err(|error| error.to_string());
    harness::claim_eq(
        "`..` is a folder's name, not a file's: the package is refused, and the message names it",
        message,
        Err(".. names no file".to_string()),
    );
}
