//! Several execution environments at once, as `local-lambda --serve
//! --concurrency 4` runs them (the same `LocalLambda` behind the same
//! `FrontDoor`): eight callers send 150 events each, and every answer must
//! be its own event's, with nothing lost, nothing answered twice, and no
//! request id crossing from one environment to another.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use harness::TaskRoot;
use local_lambda::{FrontDoor, LocalLambda};

const CALLERS: usize = 8;
/// 1,200 events in all: each environment serves some 300, enough for the
/// callers to queue behind busy environments again and again, and few
/// enough that the bash original's two `curl` processes per event keep
/// this test to seconds, not minutes, on two cores.
const EVENTS_EACH: usize = 150;
const ENVIRONMENTS: usize = 4;

fn under_load(task: &TaskRoot) {
    let mut config = task.config("bootstrap");
    config.concurrency = ENVIRONMENTS;
    // Generous: two cores shared by four runtimes and eight callers.
    config.timeout = Duration::from_secs(30);
    let lambda = Arc::new(LocalLambda::start(config).expect("start"));
    let door = FrontDoor::start(lambda.clone(), 0).expect("listen");
    let url = door.invoke_url();
    std::thread::scope(|scope| {
        for caller in 0..CALLERS {
            let url = &url;
            scope.spawn(move || {
                for number in 0..EVENTS_EACH {
                    let event = format!(r#"{{"caller": {caller}, "number": {number}}}"#);
                    let answer = ureq::post(url)
                        .send(&event)
                        .expect("invoked")
                        .body_mut()
                        .read_to_string()
                        .expect("an answer");
                    assert_eq!(answer, format!("Echoing request: '{event}'"));
                }
            });
        }
    });
    lambda.shutdown();
    check_the_log(&lambda.recording().log());
}

/// Every invocation has one START, one END and one REPORT, all from the
/// environment that started it, and no request id appears twice.
fn check_the_log(log: &[String]) {
    let mut lines_per_id: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for line in log {
        let Some((environment, rest)) = line.split_once("] ") else {
            panic!("a log line without its environment: {line:?}");
        };
        for kind in ["START", "END", "REPORT"] {
            if let Some(after) = rest.strip_prefix(&format!("{kind} RequestId: ")) {
                let id = after.split(['\t', ' ']).next().expect("an id");
                lines_per_id
                    .entry(id)
                    .or_default()
                    .push((kind, environment));
            }
        }
    }
    assert_eq!(
        lines_per_id.len(),
        CALLERS * EVENTS_EACH,
        "one request id per event"
    );
    let mut environments = BTreeSet::new();
    for (id, lines) in &lines_per_id {
        let kinds: Vec<&str> = lines.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(kinds, ["START", "END", "REPORT"], "{id}");
        assert!(
            lines
                .iter()
                .all(|(_, environment)| *environment == lines[0].1),
            "{id} crossed environments: {lines:?}"
        );
        environments.insert(lines[0].1);
    }
    assert!(
        environments.len() > 1 && environments.len() <= ENVIRONMENTS,
        "environments used: {environments:?}"
    );
}

#[test]
fn the_bash_original_under_eight_callers_and_four_environments() {
    under_load(&TaskRoot::with_bash_original());
}

#[test]
fn this_chapters_runtime_under_eight_callers_and_four_environments() {
    under_load(&TaskRoot::with_bootstrap(assert_cmd::cargo::cargo_bin!(
        "chapter-11"
    )));
}
