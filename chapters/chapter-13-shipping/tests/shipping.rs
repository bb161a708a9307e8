//! Shipping: the chapter's glibc checks, run as the book shows them, and
//! its command line. The packages themselves are tested in `package.rs`,
//! and the R runtime's in `r_layer.rs`.

use std::path::{Path, PathBuf};

use chapter_13::{glibc_needed, images_for};
use harness::snapshot_settings;
use local_lambda::bash_original;

fn chapter_13() -> assert_cmd::Command {
    assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("chapter-13"))
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

/// Where the chapter's static build command puts a binary: this chapter's
/// runtime, or chapter 12's, the R runtime, which it also builds.
fn static_build(name: &str) -> PathBuf {
    harness::workspace_root()
        .join("target/x86_64-unknown-linux-gnu/release")
        .join(name)
}

#[test]
fn the_static_builds_run_on_every_image() {
    let mut reports = String::new();
    for name in ["chapter-13", "chapter-12"] {
        let binary = static_build(name);
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
            "{name} is statically linked: no glibc symbols needed"
        );
        let output = chapter_13().arg("glibc").arg(&binary).output().unwrap();
        assert!(output.status.success());
        reports.push_str(&harness::normalise_output(&String::from_utf8_lossy(
            &output.stdout,
        )));
    }
    assert_eq!(images_for(None), ["provided.al2023", "provided.al2"]);
    snapshot_settings().bind(|| insta::assert_snapshot!("shipping_static_glibc", reports));
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

#[test]
fn the_bootstrap_option_packages_another_runtime() {
    let work = harness::TaskRoot::new();
    let zip = work.path().join("layer.zip");
    let bash_bootstrap = bash_original().join("bootstrap");
    chapter_13()
        .arg("layer")
        .arg("--bootstrap")
        .arg(&bash_bootstrap)
        .arg(&zip)
        .assert()
        .success();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut entry = archive.by_name("bootstrap").unwrap();
    assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
    let mut packaged = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut packaged).unwrap();
    assert_eq!(
        packaged,
        std::fs::read(&bash_bootstrap).unwrap(),
        "the layer's bootstrap is the file named, not the chapter's binary"
    );
    // An option without its value, or without a zip after it, is a usage error.
    for args in [
        &["function", "--bootstrap"][..],
        &["layer", "--bootstrap", "x"],
    ] {
        let output = chapter_13().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).starts_with("usage: chapter-13"));
    }
}
