//! The book builds, and nothing in it is silently wrong.

use book_check::{build_folder, chapter_folders, check};

#[test]
fn the_book_builds_and_passes_every_check() {
    let root = harness::workspace_root();
    let build_dir = build_folder(&root, "book-check");
    let problems = check(&root, &build_dir, &chapter_folders(&root));
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        listed.is_empty(),
        "the book has problems:\n{}",
        listed.join("\n")
    );
    assert!(
        build_dir.join("index.html").exists(),
        "the HTML build wrote index.html"
    );
}

#[test]
fn every_step_sh_is_the_bash_original_s_excerpt() {
    let problems = book_check::check_excerpts(&harness::workspace_root());
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(listed.is_empty(), "{}", listed.join("\n"));
}
