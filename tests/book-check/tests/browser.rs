//! The built book in a real browser: headless Chromium (Debian's
//! `chromium`, which `.ci/run` installs) opens the pages, runs their
//! JavaScript, and the test reads the resulting page. It also leaves a
//! screenshot in `target/book-screenshots/` for a person to look at.

use std::path::{Path, PathBuf};
use std::time::Duration;

use book_check::{build, build_folder};

/// The browser, if this machine has one.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names = ["chromium", "chromium-browser", "google-chrome"];
    std::env::split_paths(&path)
        .flat_map(|folder| names.map(|name| folder.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `url` with `action` (`--dump-dom` or
/// `--screenshot=...`) and returns its stdout. Scripts get 8 s of virtual time.
fn headless(browser: &Path, profile: &Path, action: &str, url: &str) -> String {
    let output = assert_cmd::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            // No connections anywhere: this machine has no network, and the book needs none.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1000",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(action)
        .arg(url)
        .timeout(Duration::from_secs(90))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_book_renders_highlights_code_and_finds_the_request_id() {
    let Some(browser) = chromium() else {
        harness::skip_for_missing(
            "the_book_renders_highlights_code_and_finds_the_request_id",
            "chromium",
            "apt-get install chromium",
        );
        return;
    };
    let root = harness::workspace_root();
    let site = build_folder(&root, "book-browser");
    build(&root, &site).expect("the book builds");
    let profile = build_folder(&root, "book-browser-profile");
    let page = |name: &str| format!("file://{}", site.join(name).display());

    let introduction = headless(&browser, &profile, "--dump-dom", &page("introduction.html"));
    assert!(
        introduction.contains("Bootstrap, Step by Step</h1>"),
        "the introduction's title is there"
    );

    let chapter = headless(&browser, &profile, "--dump-dom", &page("strict-mode.html"));
    let highlighted = chapter.matches("class=\"hljs-").count();
    assert!(
        highlighted > 20,
        "highlight.js marked up the code ({highlighted} spans)"
    );

    let search = headless(
        &browser,
        &profile,
        "--dump-dom",
        &format!("{}?search=request%20id", page("index.html")),
    );
    let results = search
        .split("<ul id=\"mdbook-searchresults\">")
        .nth(1)
        .expect("a search results list");
    let results = results.split("</ul>").next().unwrap_or_default();
    assert!(
        results.contains("href=\"request-id.html"),
        "searching for 'request id' finds its chapter:\n{results}"
    );

    let shots = build_folder(&root, "book-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("whole-picture.png");
    headless(
        &browser,
        &profile,
        &format!("--screenshot={}", shot.display()),
        &page("whole-picture.html"),
    );
    let size = std::fs::metadata(&shot)
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    assert!(
        size > 20_000,
        "a screenshot with something on it ({size} bytes)"
    );
    eprintln!("screenshot: {}", shot.display());
}
