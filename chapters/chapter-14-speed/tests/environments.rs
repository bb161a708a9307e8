//! Two execution environments, each with its own state: a handler that
//! counts its events, invoked in three waves of two events at once, so that
//! each wave keeps both environments busy. In this chapter's persistent
//! worker the count is kept from event to event, per environment; in the
//! bash original every event's handler runs in a subshell, so it starts
//! from nothing each time.

use harness::{TaskRoot, snapshot_settings};
use local_lambda::{Invocation, LocalLambda};

const COUNTER: &str = r#"count() {
  COUNT=$((${COUNT:-0} + 1))
  echo "event $COUNT of this environment"
}
"#;

const WAVES: usize = 3;
const ENVIRONMENTS: usize = 2;

/// Each environment's answers, in the order its events came.
fn answers_per_environment(task: &TaskRoot) -> Vec<Vec<String>> {
    task.write("counter.sh", COUNTER);
    let mut config = task.config("bootstrap");
    config.handler = "counter.count".to_string();
    config.concurrency = ENVIRONMENTS;
    let lambda = LocalLambda::start(config).expect("start");
    let mut answers = vec![Vec::new(); ENVIRONMENTS];
    for wave in 1..=WAVES {
        // Submitted before either is answered: the first goes to one idle
        // environment, the second finds it busy and goes to the other.
        let pending: Vec<_> = (1..=ENVIRONMENTS)
            .map(|caller| {
                let event = format!(r#"{{"wave": {wave}, "caller": {caller}}}"#);
                lambda.submit(Invocation::new(event))
            })
            .collect();
        for pending in pending {
            let outcome = pending.wait().expect("accepted");
            assert!(outcome.is_success(), "{outcome:?}");
            answers[outcome.environment - 1]
                .push(String::from_utf8_lossy(outcome.body()).into_owned());
        }
    }
    answers
}

fn render(title: &str, answers: &[Vec<String>]) -> String {
    let mut out = format!("{title}\n");
    for (index, answers) in answers.iter().enumerate() {
        out.push_str(&format!(
            "  environment {}: {}\n",
            index + 1,
            answers.join("; ")
        ));
    }
    out
}

#[test]
fn each_environment_keeps_its_own_count_in_the_persistent_worker_only() {
    let persistent = answers_per_environment(&TaskRoot::with_bootstrap(
        assert_cmd::cargo::cargo_bin!("chapter-14"),
    ));
    let bash = answers_per_environment(&TaskRoot::with_bash_original());
    let counted: Vec<String> = (1..=WAVES)
        .map(|number| format!("event {number} of this environment"))
        .collect();
    for environment in &persistent {
        assert_eq!(
            environment, &counted,
            "the persistent worker counts per environment"
        );
    }
    for environment in &bash {
        assert_eq!(
            environment.len(),
            WAVES,
            "each environment served one event per wave"
        );
        assert!(
            environment
                .iter()
                .all(|answer| answer == "event 1 of this environment"),
            "the bash original's subshell forgets: {environment:?}"
        );
    }
    let shown = format!(
        "{}\n{}",
        render("the bash original, two environments", &bash),
        render(
            "chapter 14's persistent worker, two environments",
            &persistent
        )
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("environments_counter", shown));
}
