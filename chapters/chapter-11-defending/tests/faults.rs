//! Chapter 11's runtime through the table of faults (`harness::faults`).

use harness::snapshot_settings;

#[test]
fn the_table_of_faults() {
    let table = harness::faults::table(assert_cmd::cargo::cargo_bin!("chapter-11"));
    snapshot_settings().bind(|| insta::assert_snapshot!("faults_table", table));
}
