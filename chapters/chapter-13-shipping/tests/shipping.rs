//! Shipping: the commands of the chapter, run as the book shows them, and
//! what Lambda would do with their output, done under a local Lambda.

use std::fs::File;
use std::path::{Path, PathBuf};

use chapter_13::{glibc_needed, images_for, unpack};
use harness::{TaskRoot, events, run, snapshot_settings};
use local_lambda::{FunctionConfig, bash_original};

fn chapter_13() -> assert_cmd::Command {
    assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("chapter-13"))
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
    chapter_13()
        .arg("function")
        .arg(&zip)
        .arg(&function_sh)
        .assert()
        .success();
    assert_eq!(
        listing(&zip),
        [
            ("bootstrap".to_string(), 0o755),
            ("function.sh".to_string(), 0o644)
        ]
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
    chapter_13().arg("layer").arg(&zip).assert().success();
    assert_eq!(listing(&zip), [("bootstrap".to_string(), 0o755)]);
    let opt = work.path().join("opt");
    unpack(&zip, &opt).unwrap();
    // The function package holds only the handler; the runtime comes from the layer.
    let task = TaskRoot::new();
    task.copy_in(&bash_original().join("function.sh"));
    let mut config = FunctionConfig::for_bootstrap(opt.join("bootstrap"));
    config.task_root = task.path().to_path_buf();
    let answered = run(config, &events(&[r#"{"some": "request"}"#]));
    assert_eq!(
        answered.outcomes[0].as_ref().unwrap().body(),
        br#"Echoing request: '{"some": "request"}'"#
    );
}

#[test]
fn the_usual_build_runs_on_al2023() {
    let needed = glibc_needed(assert_cmd::cargo::cargo_bin!("chapter-13")).unwrap();
    assert!(
        images_for(needed).contains(&"provided.al2023"),
        "needs glibc {needed:?}"
    );
    let output = chapter_13()
        .arg("glibc")
        .arg(assert_cmd::cargo::cargo_bin!("chapter-13"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("runs on: provided.al2023"));
}

/// Where the chapter's static build command puts its binary.
fn static_build() -> PathBuf {
    harness::workspace_root().join("target/x86_64-unknown-linux-gnu/release/chapter-13")
}

#[test]
fn the_static_build_runs_on_every_image() {
    let binary = static_build();
    if !binary.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI builds it first: see .ci/run and the chapter"
        );
        eprintln!(
            "skipped: no static build at {} (the chapter's build command makes it)",
            binary.display()
        );
        return;
    }
    assert_eq!(
        glibc_needed(&binary).unwrap(),
        None,
        "statically linked: no glibc symbols needed"
    );
    assert_eq!(images_for(None), ["provided.al2023", "provided.al2"]);
    let output = chapter_13().arg("glibc").arg(&binary).output().unwrap();
    let report = harness::normalise_output(&String::from_utf8_lossy(&output.stdout));
    assert!(output.status.success());
    snapshot_settings().bind(|| insta::assert_snapshot!("shipping_static_glibc", report));
}

#[test]
fn a_binary_too_new_for_every_image_is_refused() {
    // This machine's own programs need the glibc they were built against;
    // the test only checks the verdict is consistent with the version found.
    let needed = glibc_needed(Path::new("/bin/sh")).unwrap();
    let output = chapter_13().arg("glibc").arg("/bin/sh").output().unwrap();
    assert_eq!(output.status.success(), !images_for(needed).is_empty());
    let not_elf = chapter_13()
        .arg("glibc")
        .arg(bash_original().join("bootstrap"))
        .output()
        .unwrap();
    assert_eq!(not_elf.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_elf.stderr).contains("is not a 64-bit ELF binary"));
}

#[test]
fn the_demo_runs_with_no_set_up() {
    let demo = harness::run_demo(assert_cmd::cargo::cargo_bin!("chapter-13"));
    assert!(
        demo.stdout.ends_with(
            "the unpacked bootstrap answered: Echoing request: '{\"some\": \"request\"}'\n"
        ),
        "{}",
        demo.stdout
    );
}
