//! What the command's test files share: `local-lambda --serve` as a child
//! process, and its invoke URL.

// Each test file uses part of this module, and is compiled on its own.
#![allow(dead_code)]

/// `local-lambda --serve` running, with what it has written to stderr so far.
pub struct Server {
    pub child: std::process::Child,
    pub url: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// The root of its invoke URL, which AWS's clients call `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        self.url.split("/2015-03-31").next().unwrap().to_string()
    }

    /// Starts `local-lambda --serve` with `args`, in a process group of
    /// its own, as a shell starts a command: a signal to that group is what
    /// Ctrl-C sends, and it does not reach the test.
    pub fn start(args: &[&str]) -> Server {
        Server::start_with_env(args, &[])
    }

    /// The same, with `env` added to the command's own environment.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        use std::io::{BufRead, BufReader};
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};

        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("local-lambda"))
            .arg("--serve")
            .args(args)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let url = harness::invoke_url_in(lines.by_ref().map_while(Result::ok));
        let collected = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        Server {
            child,
            url: url.expect("serve mode prints the URL to invoke"),
            stderr,
        }
    }

    /// `local-lambda --serve` for the task root `task`, whose `bootstrap`
    /// it runs, with `args` after those.
    pub fn for_task(task: &std::path::Path, args: &[&str]) -> Server {
        let bootstrap = task.join("bootstrap");
        let mut all = vec![
            "--bootstrap",
            bootstrap.to_str().unwrap(),
            "--task-root",
            task.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        Server::start(&all)
    }

    /// Invokes the function with `event` and returns the answer's body.
    pub fn invoke(&self, event: &str) -> String {
        ureq::post(&self.url)
            .send(event)
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }

    /// What it has written to stderr, once `wanted` holds of it (END and
    /// REPORT come when the runtime is back on `next`, after the answer).
    pub fn stderr_once(&self, wanted: impl Fn(&str) -> bool) -> String {
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let text = self.stderr.lock().unwrap().clone();
            if wanted(&text) || std::time::Instant::now() > give_up {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    /// SIGTERM, which the local Lambda answers by ending every runtime
    /// before it exits; SIGKILL only if it has not exited after 5 s. Killed
    /// outright, it could not end them, and they would outlive the test.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SAFETY: kill(2) on a child this test started and has not reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < give_up {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The processes whose environment holds `MARK=mark`: their ids and names.
/// A function given `--env MARK=…` marks every process of its environments,
/// since the runtime and everything it starts inherit the variable.
pub fn marked(mark: &str) -> Vec<(u32, String)> {
    let wanted = format!("MARK={mark}");
    let mut names = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let path = entry.path();
        let Ok(environ) = std::fs::read(path.join("environ")) else {
            continue;
        };
        if environ
            .split(|&byte| byte == 0)
            .any(|variable| variable == wanted.as_bytes())
        {
            let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            let pid = entry.file_name().to_string_lossy().parse().unwrap_or(0);
            names.push((pid, name.trim().to_string()));
        }
    }
    names
}

/// Runs `script` (a Python file in `tests/`, driving one of AWS's clients)
/// with the endpoint of `server`, `calls` as JSON, and `options`, with
/// `env` added to its environment; what it printed, a JSON list of results.
pub fn python_results(
    script: &str,
    server: &Server,
    calls: &serde_json::Value,
    env: &[(&str, &str)],
    options: &[&str],
) -> Vec<serde_json::Value> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(server.endpoint())
        .arg(calls.to_string())
        .args(options)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON list of results")
}

/// Each write to a stream: when it came, and its bytes.
pub type Writes = std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, Vec<u8>)>>>;

/// Where a streamed answer's bytes land, with the moment each write came.
#[derive(Clone, Default)]
pub struct Received(pub Writes);

impl std::io::Write for Received {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push((std::time::Instant::now(), bytes.to_vec()));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Invokes `event` with a stream to read the answer from: the outcome,
/// what came through the stream, and when the invocation was sent.
pub fn streamed(
    lambda: &local_lambda::LocalLambda,
    event: &str,
) -> (local_lambda::Outcome, Received, std::time::Instant) {
    let received = Received::default();
    let mut invocation = local_lambda::Invocation::new(event);
    invocation.stream = Some(local_lambda::ResponseStream::new(received.clone()));
    let sent = std::time::Instant::now();
    let outcome = lambda.invoke(invocation).unwrap();
    (outcome, received, sent)
}

/// What a caller of a Function URL got: the status, the one header the
/// tests' preludes set (`x-greeting`), every `Set-Cookie`, and the body.
#[derive(Debug, PartialEq)]
pub struct UrlAnswer {
    pub status: u16,
    pub greeting: Option<String>,
    pub cookies: Vec<String>,
    pub body: String,
}

/// An HTTP client that hands back every status instead of failing on 4xx
/// and 5xx: the tests judge the status themselves.
pub fn agent_keeping_statuses() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// `GET path` on `local-lambda --serve --function-url`, as a browser
/// would ask a Function URL.
pub fn get_through_function_url(server: &Server, path: &str) -> UrlAnswer {
    let mut answer = agent_keeping_statuses()
        .get(&format!("{}{path}", server.endpoint()))
        .call()
        .unwrap();
    let header = |name: &str| -> Vec<String> {
        answer
            .headers()
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_string())
            .collect()
    };
    let (greeting, cookies) = (header("x-greeting").pop(), header("set-cookie"));
    UrlAnswer {
        status: answer.status().as_u16(),
        greeting,
        cookies,
        body: answer.body_mut().read_to_string().unwrap(),
    }
}

/// The page the tests' handlers describe in their preludes (201,
/// `x-greeting: hi`, the cookies `a=1` and `b=2`), with `body`.
pub fn greeting_page(body: &str) -> UrlAnswer {
    UrlAnswer {
        status: 201,
        greeting: Some("hi".to_string()),
        cookies: vec!["a=1".to_string(), "b=2".to_string()],
        body: body.to_string(),
    }
}
