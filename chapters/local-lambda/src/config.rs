//! What a function is, as far as Lambda is concerned: where its code lives,
//! how it is started, and the settings Lambda turns into environment variables.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Lambda's payload limits, in bytes. They are exact: a payload of the limit
/// passes, one byte more fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest event a synchronous invoke accepts: 6 MiB.
    pub event_bytes: usize,
    /// Largest event an asynchronous invoke (`X-Amz-Invocation-Type:
    /// Event`) accepts: 1 MiB since 2025 (256 KiB before).
    pub async_event_bytes: usize,
    /// Largest response a runtime may POST: 6 MiB plus 100 bytes, the figure
    /// in Lambda's own "Exceeded maximum allowed payload size" error.
    pub response_bytes: usize,
    /// Largest answer a runtime may stream: 200 MiB.
    pub streamed_response_bytes: usize,
    /// How fast a streamed answer goes on to its caller: the first
    /// `burst_bytes` at full speed, then `bytes_per_second` (6 MiB, then
    /// 2 MiB/s, on Lambda); `None` passes bytes on as fast as they come,
    /// for measurements.
    pub stream_shaping: Option<StreamShaping>,
}

/// The pace Lambda keeps a streamed answer to (see [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamShaping {
    pub burst_bytes: u64,
    pub bytes_per_second: u64,
}

impl Default for StreamShaping {
    fn default() -> StreamShaping {
        StreamShaping {
            burst_bytes: 6 * 1024 * 1024,
            bytes_per_second: 2 * 1024 * 1024,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            event_bytes: 6 * 1024 * 1024,
            async_event_bytes: 1024 * 1024,
            response_bytes: 6 * 1024 * 1024 + 100,
            streamed_response_bytes: 200 * 1024 * 1024,
            stream_shaping: Some(StreamShaping::default()),
        }
    }
}

/// How `next` frames the event in its body. Lambda's Runtime API sends a
/// `Content-Length`; HTTP/1.1 lets any server send `Transfer-Encoding:
/// chunked` instead (RFC 9112, section 7.1), and a runtime's HTTP client
/// must read both. The chunked setting is for testing that it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventFraming {
    /// One body of `Content-Length` bytes, as Lambda sends it.
    #[default]
    ContentLength,
    /// Chunks of at most `chunk_bytes` bytes each, the first with a chunk
    /// extension and the last followed by a trailer field, so that a reader
    /// meets every part of the chunked form.
    Chunked { chunk_bytes: usize },
}

/// The level of a log record, as Lambda's logging controls name them, least
/// severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl LogLevel {
    /// The level named `text`, in any case (`WARN`, `warn`); `None` for
    /// anything else.
    pub fn parse(text: &str) -> Option<LogLevel> {
        let levels = [
            LogLevel::Trace,
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
            LogLevel::Fatal,
        ];
        levels
            .into_iter()
            .find(|level| level.name().eq_ignore_ascii_case(text))
    }

    /// The name Lambda gives it in `AWS_LAMBDA_LOG_LEVEL`.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }
}

/// A function's configuration, with Lambda's defaults.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// The runtime to start, or `None` when the caller is itself the runtime
    /// (a chapter's demo that asks the embedded API for work in-process).
    pub bootstrap: Option<PathBuf>,
    /// `LAMBDA_TASK_ROOT`: where the function package is unpacked (`/var/task` on Lambda).
    pub task_root: PathBuf,
    /// `_HANDLER`: its meaning is the runtime's business.
    pub handler: String,
    pub function_name: String,
    pub function_version: String,
    pub memory_mb: u32,
    /// The function timeout; Lambda allows 1 to 900 seconds and defaults to 3.
    pub timeout: Duration,
    /// How long a runtime may take to ask for its first event.
    pub init_timeout: Duration,
    pub region: String,
    /// Extra variables, set after Lambda's own (so they can override them).
    pub env: Vec<(String, String)>,
    /// The port for the Runtime API; 0 lets the system choose.
    pub runtime_api_port: u16,
    /// A path to serve the Runtime API under. Empty, as on Lambda, gives
    /// runtimes `host:port`; `/.rt`, as cargo-lambda does, gives them
    /// `host:port/.rt`, which a runtime meant to run anywhere must accept.
    pub runtime_api_prefix: String,
    /// Write `http://` before the address in `AWS_LAMBDA_RUNTIME_API`, as
    /// some local tools do (cargo-lambda: `http://host:port/.rt`); Lambda
    /// does not.
    pub runtime_api_scheme: bool,
    pub limits: Limits,
    /// Print the function's log to stderr as it happens, as well as recording it.
    pub echo_log: bool,
    /// Keep every exchange and log line for [`Recording`](crate::Recording):
    /// what the tests read. A long-running server turns it off, or it grows
    /// with every invocation.
    pub record: bool,
    /// How many execution environments may run at once, each with its own
    /// runtime process and Runtime API, created when needed and reused warm.
    /// Invocations beyond that wait their turn.
    pub concurrency: usize,
    /// Before each invocation, look for a changed file in the task root (or
    /// a changed bootstrap) and start the next invocation in a fresh environment if
    /// one has: an edited handler is what the next invocation runs.
    pub watch: bool,
    /// How `next` sends the event: with a `Content-Length`, as Lambda does,
    /// or chunked, to test a runtime's HTTP client.
    pub event_framing: EventFraming,
    /// Print every Runtime API exchange to stderr as it happens, with its
    /// time (see [`Recording::traced`](crate::Recording::traced)).
    pub trace: bool,
    /// The waits before each retry of an asynchronous invocation whose
    /// function failed: Lambda retries twice, after 1 minute and then 2
    /// (the function's `MaximumRetryAttempts`, 0 to 2, is how many).
    pub async_retry_delays: Vec<Duration>,
    /// A folder of external extensions, as a layer unpacks them into
    /// `/opt/extensions`: each executable in it is started before the
    /// runtime, in the same environment.
    pub extensions: Option<PathBuf>,
    /// Lambda's logging controls: `None` for plain text, as by default;
    /// `Some(level)` for the JSON log format, where Lambda writes its own
    /// lines as JSON records and drops the function's JSON records below
    /// `level`. The runtime learns both from `AWS_LAMBDA_LOG_FORMAT` and
    /// `AWS_LAMBDA_LOG_LEVEL`.
    pub json_logs: Option<LogLevel>,
    /// Lambda's system log level (`DEBUG`, `INFO`, `WARN`): with the JSON
    /// format, which of Lambda's own records go into the log. At `INFO`,
    /// the default, `platform.runtimeDone` (a `DEBUG` record) is left out;
    /// the Telemetry API's subscribers get every record whatever the level.
    pub system_log_level: LogLevel,
}

impl FunctionConfig {
    /// A function whose runtime is `bootstrap`, with its folder as the task
    /// root: the layout of a function package, where `bootstrap` sits at the
    /// root of the zip beside the handler files.
    pub fn for_bootstrap(bootstrap: impl Into<PathBuf>) -> FunctionConfig {
        let bootstrap = bootstrap.into();
        let task_root = bootstrap
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        FunctionConfig {
            bootstrap: Some(bootstrap),
            ..FunctionConfig::embedded(task_root)
        }
    }

    /// A function whose runtime is the calling process itself.
    pub fn embedded(task_root: impl Into<PathBuf>) -> FunctionConfig {
        FunctionConfig {
            bootstrap: None,
            task_root: task_root.into(),
            handler: "function.handler".to_string(),
            function_name: "step-by-step".to_string(),
            function_version: "$LATEST".to_string(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            init_timeout: Duration::from_secs(10),
            region: "us-east-1".to_string(),
            env: Vec::new(),
            runtime_api_port: 0,
            runtime_api_prefix: String::new(),
            runtime_api_scheme: false,
            limits: Limits::default(),
            echo_log: false,
            record: true,
            concurrency: 1,
            watch: false,
            event_framing: EventFraming::ContentLength,
            trace: false,
            async_retry_delays: vec![Duration::from_secs(60), Duration::from_secs(120)],
            extensions: None,
            json_logs: None,
            system_log_level: LogLevel::Info,
        }
    }

    /// The ARN a caller would use for this function, as sent in
    /// `Lambda-Runtime-Invoked-Function-Arn`. The account is AWS's documentation example.
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:123456789012:function:{}",
            self.region, self.function_name
        )
    }

    /// The environment Lambda gives an OS-only runtime, in the order Lambda's
    /// documentation lists it. `runtime_api` is the `host:port` of the Runtime API.
    pub fn lambda_environment(&self, runtime_api: &str, log_stream: &str) -> Vec<(String, String)> {
        let task_root = self.task_root.display().to_string();
        let mut env: Vec<(String, String)> = [
            ("_HANDLER", self.handler.clone()),
            ("AWS_DEFAULT_REGION", self.region.clone()),
            ("AWS_REGION", self.region.clone()),
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", self.function_name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", self.memory_mb.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", self.function_version.clone()),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", self.function_name)),
            ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.to_string()),
            ("LAMBDA_TASK_ROOT", task_root.clone()),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_string()),
            ("LANG", "en_US.UTF-8".to_string()),
            ("TZ", ":UTC".to_string()),
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".to_string()),
            (
                "LD_LIBRARY_PATH",
                format!("/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{task_root}:{task_root}/lib:/opt/lib"),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
        if let Some(level) = self.json_logs {
            env.push(("AWS_LAMBDA_LOG_FORMAT".to_string(), "JSON".to_string()));
            env.push(("AWS_LAMBDA_LOG_LEVEL".to_string(), level.name().to_string()));
        }
        for (name, value) in &self.env {
            env.retain(|(existing, _)| existing != name);
            env.push((name.clone(), value.clone()));
        }
        env
    }
}
