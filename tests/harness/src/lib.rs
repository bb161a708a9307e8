//! The test harness every chapter uses: run a bootstrap (bash or Rust)
//! against the local Lambda with given events and task files, and get back a
//! transcript in which everything that changes from run to run (request ids,
//! trace ids, deadlines, ports, durations, temp paths) is replaced by a
//! stable placeholder, ready for `insta` and for `assert_eq!`.

pub mod exhibit;
pub mod faults;
pub mod framing;

pub use exhibit::exhibit;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use local_lambda::{
    Exchange, FunctionConfig, Invocation, LocalLambda, Outcome, Rejection, render_exchanges,
    show_body,
};
use regex::Regex;

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The invoke URL that `local-lambda --serve` prints on stderr, read from
/// its lines up to the one that holds it.
pub fn invoke_url_in(lines: impl Iterator<Item = String>) -> Option<String> {
    lines
        .flat_map(|line| {
            line.split_whitespace()
                .find(|word| word.starts_with("http://"))
                .map(str::to_string)
        })
        .next()
}

/// A new, empty folder under the system's temp folder, named
/// `<prefix>-<process id>-<count>` so that tests running at once never share one.
pub fn new_temp_folder(prefix: &str) -> std::io::Result<PathBuf> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let path = std::env::temp_dir().join(name);
    let _ = fs::remove_dir_all(&path);
    fs::create_dir_all(&path)?;
    Ok(path)
}

/// A throwaway folder standing in for `/var/task`, removed when dropped.
pub struct TaskRoot {
    path: PathBuf,
}

impl TaskRoot {
    /// An empty task root under the system's temp folder.
    pub fn new() -> TaskRoot {
        let path = new_temp_folder("step-by-step-task").expect("create a task root");
        TaskRoot {
            path: path.canonicalize().expect("task root path"),
        }
    }

    /// A task root holding copies of the bash original's `bootstrap` and `function.sh`.
    pub fn with_bash_original() -> TaskRoot {
        let task = TaskRoot::new();
        task.copy_in(&local_lambda::bash_original().join("bootstrap"));
        task.copy_in(&local_lambda::bash_original().join("function.sh"));
        task
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A task root holding `binary` as its `bootstrap` and the tutorial's
    /// `function.sh` beside it: a Rust runtime packaged as Lambda would run it.
    pub fn with_bootstrap(binary: &Path) -> TaskRoot {
        let task = TaskRoot::new();
        fs::copy(binary, task.path.join("bootstrap"))
            .unwrap_or_else(|error| panic!("copy {}: {error}", binary.display()));
        task.copy_in(&local_lambda::bash_original().join("function.sh"));
        task
    }

    /// Writes a file, creating folders as needed; returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create folders in the task root");
        }
        fs::write(&path, contents).expect("write a task file");
        path
    }

    /// Writes an executable file, such as a `bootstrap`.
    pub fn write_executable(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.write(name, contents);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("make it executable");
        path
    }

    /// Copies a file in under its own name, keeping its permissions.
    pub fn copy_in(&self, source: &Path) -> PathBuf {
        let target = self.path.join(source.file_name().expect("a file name"));
        fs::copy(source, &target)
            .unwrap_or_else(|error| panic!("copy {}: {error}", source.display()));
        target
    }

    /// A function configuration that runs `bootstrap` (a file in this task root).
    pub fn config(&self, bootstrap: &str) -> FunctionConfig {
        FunctionConfig::for_bootstrap(self.path.join(bootstrap))
    }
}

impl Default for TaskRoot {
    fn default() -> TaskRoot {
        TaskRoot::new()
    }
}

impl Drop for TaskRoot {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Everything one run showed: the outcomes in order, the Runtime API
/// exchanges and the function's log.
pub struct Run {
    pub events: Vec<Invocation>,
    pub outcomes: Vec<Result<Outcome, Rejection>>,
    pub exchanges: Vec<Exchange>,
    pub log: Vec<String>,
    /// Raw values to hide, each with its placeholder, longest first.
    replacements: Vec<(String, String)>,
}

/// Runs `config`'s bootstrap with each event in turn, then shuts the local
/// Lambda down (the runtime is killed while it waits on its next `next`).
pub fn run(config: FunctionConfig, events: &[Invocation]) -> Run {
    exhibit::install_report_hook();
    let mut replacements = vec![(
        config.task_root.display().to_string(),
        "<task-root>".to_string(),
    )];
    if let Ok(real) = config.task_root.canonicalize() {
        replacements.push((real.display().to_string(), "<task-root>".to_string()));
    }
    let lambda = LocalLambda::start(config).expect("start the local Lambda");
    let outcomes: Vec<_> = events
        .iter()
        .map(|event| lambda.invoke(event.clone()))
        .collect();
    lambda.shutdown();
    let recording = lambda.recording();
    let mut run = Run {
        events: events.to_vec(),
        outcomes,
        exchanges: recording.exchanges(),
        log: recording.log(),
        replacements,
    };
    run.collect_replacements();
    run
}

/// Events from text, for the common case.
pub fn events(texts: &[&str]) -> Vec<Invocation> {
    texts.iter().map(|text| Invocation::new(*text)).collect()
}

/// Sets a shorter function timeout, for tests of timeouts.
pub fn with_timeout(mut config: FunctionConfig, timeout: Duration) -> FunctionConfig {
    config.timeout = timeout;
    config
}

impl Run {
    fn collect_replacements(&mut self) {
        let mut request_ids = Vec::new();
        for outcome in self.outcomes.iter().flatten() {
            push_unique(&mut request_ids, outcome.request_id.clone());
        }
        let mut trace_ids = Vec::new();
        for exchange in &self.exchanges {
            for (name, value) in &exchange.response_headers {
                match name.as_str() {
                    "lambda-runtime-aws-request-id" => push_unique(&mut request_ids, value.clone()),
                    "lambda-runtime-trace-id" => push_unique(&mut trace_ids, value.clone()),
                    _ => {}
                }
            }
        }
        for (number, id) in request_ids.into_iter().enumerate() {
            self.replacements
                .push((id, format!("<request-id-{}>", number + 1)));
        }
        for (number, id) in trace_ids.into_iter().enumerate() {
            self.replacements
                .push((id, format!("<trace-id-{}>", number + 1)));
        }
        self.replacements
            .sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
    }

    /// Replaces every run-specific value in `text` with its placeholder.
    pub fn normalise(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (raw, placeholder) in &self.replacements {
            text = text.replace(raw.as_str(), placeholder);
        }
        for (pattern, replacement) in patterns() {
            text = pattern.replace_all(&text, *replacement).into_owned();
        }
        text
    }

    /// How each invocation ended: its error type (`"ok"` for a success),
    /// and whether it met a cold start.
    pub fn verdicts(&self) -> Vec<(String, bool)> {
        self.outcomes
            .iter()
            .map(|outcome| {
                let outcome = outcome.as_ref().expect("no event was refused");
                let verdict = outcome
                    .result
                    .as_ref()
                    .map_or_else(|error| error.error_type.clone(), |_| "ok".to_string());
                (verdict, outcome.init_duration.is_some())
            })
            .collect()
    }

    /// The results as the caller saw them, one line each.
    pub fn results(&self) -> String {
        let mut out = String::new();
        for (number, (event, outcome)) in self.events.iter().zip(&self.outcomes).enumerate() {
            out.push_str(&format!(
                "invocation {}: {}\n",
                number + 1,
                show_body(&event.event)
            ));
            let line = match outcome {
                Ok(outcome) => match &outcome.result {
                    Ok(body) => format!("  ok: {}", show_body(body)),
                    Err(error) => {
                        format!("  error {}: {}", error.error_type, show_body(&error.body))
                    }
                },
                Err(rejection) => format!("  refused: {rejection}"),
            };
            out.push_str(&line);
            out.push('\n');
        }
        self.normalise(&out)
    }

    /// The Runtime API exchanges, in the order the requests arrived.
    pub fn api(&self) -> String {
        self.normalise(&render_exchanges(&self.exchanges))
    }

    /// The function's log, one line per line.
    pub fn log_text(&self) -> String {
        let mut out = String::new();
        for line in &self.log {
            out.push_str(line);
            out.push('\n');
        }
        self.normalise(&out)
    }

    /// One side of a comparison of two runs, as the workbook shows it: the
    /// results as the caller saw them, then the function's log.
    pub fn render(&self, side: &str) -> String {
        let indented =
            |text: String| -> String { text.lines().map(|line| format!("  {line}\n")).collect() };
        format!(
            "== {side} ==\nresults:\n{}log:\n{}",
            indented(self.results()),
            indented(self.log_text())
        )
    }

    /// The whole transcript: results, exchanges, log.
    pub fn transcript(&self) -> String {
        format!(
            "== results ==\n{}\n== runtime api ==\n{}\n== log ==\n{}",
            self.results(),
            self.api(),
            self.log_text()
        )
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// Normalises output that did not come through [`run`], such as a command's
/// stdout and stderr: UUIDs become `<request-id-N>` in order of appearance,
/// the workspace's path `<workspace>`, and the usual patterns apply.
pub fn normalise_output(text: &str) -> String {
    static UUID: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let uuid = UUID.get_or_init(|| {
        Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("valid")
    });
    let mut ids: Vec<String> = Vec::new();
    for found in uuid.find_iter(text) {
        push_unique(&mut ids, found.as_str().to_string());
    }
    let mut text = text.replace(&workspace_root().display().to_string(), "<workspace>");
    for (number, id) in ids.iter().enumerate() {
        text = text.replace(id.as_str(), &format!("<request-id-{}>", number + 1));
    }
    for (pattern, replacement) in patterns() {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

/// What varies between runs beyond the recorded ids, and how it is shown.
fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: std::sync::OnceLock<Vec<(Regex, &'static str)>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        // ANCHOR: patterns
        [
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<timestamp>"),
            (r"(?i)(lambda-runtime-deadline-ms: )\d+", "${1}<deadline>"),
            // curl's connection errors say how long they took.
            (r"after \d+ ms:", "after <ms> ms:"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
            (
                r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]",
                "<trace-id>",
            ),
            (r"Init Duration: [\d.]+ ms", "Init Duration: <ms>"),
            (r"Billed Duration: \d+ ms", "Billed Duration: <ms>"),
            (r"\bDuration: [\d.]+ ms", "Duration: <ms>"),
            (r"Max Memory Used: \d+ MB", "Max Memory Used: <mb>"),
            // AWS_LAMBDA_LOG_STREAM_NAME: the day, the version, a random id.
            (r"\d{4}/\d\d/\d\d/\[[^\]]*\][0-9a-f]{32}", "<log-stream>"),
            // curl's progress meter (shown when its output is not a terminal): its numbers are timings.
            (r"(?m)^.*--:--:--.*$", "<curl progress meter>"),
            (r"/tmp/tmp\.\w+", "<mktemp file>"),
            (r#"[^\s"']*/step-by-step-task-\d+-\d+"#, "<task-root>"),
        ]
        // ANCHOR_END: patterns
        .into_iter()
        .map(|(pattern, replacement)| (Regex::new(pattern).expect("a valid pattern"), replacement))
        .collect()
    })
}

/// insta settings shared by every snapshot: no expression in the header, so
/// the book can include a snapshot's body from a known line.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// What one command did, for side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// The exit status, or -1 when a signal ended the process.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Runs `command` to completion and keeps its normalised output.
    pub fn run(command: &mut std::process::Command) -> Ran {
        exhibit::install_report_hook();
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("run {command:?}: {error}"));
        Ran::from_output(&output)
    }

    /// The normalised record of a finished process's output.
    pub fn from_output(output: &std::process::Output) -> Ran {
        Ran {
            status: output.status.code().unwrap_or(-1),
            stdout: normalise_output(&String::from_utf8_lossy(&output.stdout)),
            stderr: normalise_output(&String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// The run under a title: status, then stdout and stderr, each line indented.
    pub fn render(&self, title: &str) -> String {
        let mut out = format!("== {title} ==\nexit status: {}\n", self.status);
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if text.is_empty() {
                out.push_str(&format!("{name}: (nothing)\n"));
                continue;
            }
            out.push_str(&format!("{name}:\n"));
            // Carriage returns are shown: they matter to the scripts that read these lines.
            for line in text.split_inclusive('\n') {
                let line = line.strip_suffix('\n').unwrap_or(line).replace('\r', "\\r");
                out.push_str(&format!("  {line}\n"));
            }
        }
        out
    }
}

/// A command for `program` with a clean environment: only a `PATH` and `env`,
/// so bash and Rust see exactly the same variables.
pub fn clean_command(program: &Path, env: &[(&str, &str)]) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .envs(env.iter().copied());
    command
}

/// Two runs of one case, bash first, as a snapshot shows them. The
/// comparison is also [exhibited](exhibit()): call this before asserting
/// anything about the two runs, so that the workbook can show a failure.
pub fn side_by_side(case: &str, bash: &Ran, rust: &Ran) -> String {
    let (bash, rust) = exhibit_runs(case, bash, rust);
    format!("case: {case}\n\n{bash}\n{rust}")
}

/// [Exhibits](exhibit()) two runs of a bootstrap under the local Lambda,
/// each [rendered](Run::render) with its results and its log.
pub fn exhibit_run_pair(case: &str, bash: &Run, rust: &Run) {
    exhibit(case, &bash.render("bash"), &rust.render("rust"));
}

/// [Exhibits](exhibit()) two runs of one case, rendered as
/// [`side_by_side`] shows them; returns the two renderings.
pub fn exhibit_runs(case: &str, bash: &Ran, rust: &Ran) -> (String, String) {
    let (bash, rust) = (bash.render("bash"), rust.render("rust"));
    exhibit(case, &bash, &rust);
    (bash, rust)
}

/// Runs a chapter's demo as `cargo run -p chapter-NN` would on a fresh
/// machine (no `AWS_LAMBDA_RUNTIME_API`, nothing else running), and checks
/// the promise every chapter makes: it exits 0.
pub fn run_demo(program: &Path) -> Ran {
    let demo = Ran::run(&mut clean_command(program, &[]));
    let name = program.file_name().unwrap_or_default().to_string_lossy();
    // A demo has no bash side: only the Rust run is shown.
    exhibit(&format!("the demo, {name}"), "", &demo.render("rust"));
    assert_eq!(demo.status, 0, "the demo exits 0");
    demo
}

/// The contents of a committed snapshot (`path` from the workspace root),
/// without insta's header: for checking that another chapter's runtime
/// gives exactly what an earlier chapter's snapshot shows.
pub fn committed_snapshot(path: &str) -> String {
    let text = fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|error| panic!("read the snapshot {path}: {error}"));
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("{path} has no insta header"));
    // insta stores the value with one newline at the end, and compares without it.
    body.trim_end_matches('\n').to_string()
}

/// For benchmarks: one invocation of `event`, which must succeed; a
/// failing one would make every figure measured with it meaningless.
pub fn invoke_successfully(lambda: &LocalLambda, event: &str) -> Outcome {
    let outcome = lambda
        .invoke(Invocation::new(event))
        .expect("the local Lambda accepts the event");
    assert!(
        outcome.is_success(),
        "an invocation failed: {}",
        String::from_utf8_lossy(outcome.body())
    );
    outcome
}

/// For benchmarks: times `count` invocations of `event`, after one untimed
/// warm-up (the cold start is measured elsewhere).
pub fn time_invocations(lambda: &LocalLambda, event: &str, count: usize) -> Duration {
    invoke_successfully(lambda, event);
    let started = std::time::Instant::now();
    for _ in 0..count {
        invoke_successfully(lambda, event);
    }
    started.elapsed()
}

/// Asserts one claim a chapter makes about its runs: `got` (what bash, the
/// Rust side, or both did) is `expected` (what the page says they do).
/// Unlike `assert_eq!`, a failure names its sides, so that the workbook
/// can show a reader which value came from the runs and which from the
/// chapter:
///
/// ```text
/// both stop
///      the runs gave: (1, 101)
///   the chapter says: (1, 1)
/// ```
#[track_caller]
pub fn claim_eq<T: PartialEq + std::fmt::Debug>(claim: &str, got: T, expected: T) {
    exhibit::install_report_hook();
    if got != expected {
        panic!("{claim}\n{GOT_LABEL}: {got:?}\n{EXPECTED_LABEL}: {expected:?}");
    }
}

/// How a failed [`claim_eq`] labels what the runs gave.
pub const GOT_LABEL: &str = "     the runs gave";
/// How a failed [`claim_eq`] labels what the chapter says.
pub const EXPECTED_LABEL: &str = "  the chapter says";

/// Says that `test` is skipped because `missing` is not on this machine, and
/// how to `install` it. In CI, where `.ci/run` installs everything the
/// tests need, a missing tool is a failure instead: nothing is skipped there.
pub fn skip_for_missing(test: &str, missing: &str, install: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have {missing}: .ci/run installs it"
    );
    eprintln!("skipped {test}: no {missing} here ({install})");
}

/// Whether `command` (a program and its arguments) runs and succeeds here;
/// when it does not, `test` is skipped as [`skip_for_missing`] says.
pub fn have(test: &str, missing: &str, command: &[&str], install: &str) -> bool {
    let found = std::process::Command::new(command[0])
        .args(&command[1..])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        skip_for_missing(test, missing, install);
    }
    found
}

/// Whether R with jsonlite can run here, for the R runtime's tests (chapters
/// 12 and 17); without it `test` is skipped, except in CI, where R must be
/// there.
pub fn have_r(test: &str) -> bool {
    have(
        test,
        "Rscript with jsonlite",
        &[
            "Rscript",
            "-e",
            "stopifnot(requireNamespace('jsonlite', quietly = TRUE))",
        ],
        "apt-get install r-base-core r-cran-jsonlite",
    )
}
