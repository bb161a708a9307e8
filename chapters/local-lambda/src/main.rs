//! `local-lambda`: what `docker run` of an image that plays Lambda (AWS's
//! `public.ecr.aws/lambda/provided:al2023`, with its Runtime Interface
//! Emulator) does for a runtime's author, without Docker. It starts the
//! local Runtime API, runs a bootstrap against it, invokes it with each
//! event, prints each result on stdout and the function's log (with
//! `START`, `END` and `REPORT`) on stderr. `local-lambda check` grades a
//! runtime against Lambda's contract instead (see [`local_lambda::check`]).

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use local_lambda::{
    Door, EventFraming, FrontDoor, FunctionConfig, Invocation, LocalLambda, LogLevel, Outcome,
    Payloads, Rejection,
};

/// Runs a Lambda custom runtime locally and invokes it once per EVENT.
#[derive(Parser)]
#[command(
    version,
    // A JSON number is an event too: `local-lambda -- -1` is not needed for it.
    allow_negative_numbers = true,
    after_help = "exit status: 0 when every invocation succeeded, 1 when one failed,\n\
                  2 for a usage error or when the local Lambda cannot start,\n\
                  128+N when signal N ended it (130 after Ctrl-C, 143 after SIGTERM):\n\
                  it first ends every runtime and every process they started.",
    // `local-lambda check …` is the subcommand; anything else is events.
    args_conflicts_with_subcommands = true
)]
struct Options {
    #[command(subcommand)]
    command: Option<Command>,
    /// The events, in order. An EVENT of - is read from stdin; with no EVENT,
    /// stdin is the event (or {} when stdin is a terminal). Each must be JSON,
    /// as Lambda's Invoke API requires (see --allow-non-json); an empty one is {}.
    #[arg(value_name = "EVENT")]
    events: Vec<String>,
    /// The runtime to run [default: the book's bash original]
    #[arg(long, value_name = "PATH")]
    bootstrap: Option<PathBuf>,
    /// LAMBDA_TASK_ROOT [default: the bootstrap's folder]
    #[arg(long, value_name = "DIR")]
    task_root: Option<PathBuf>,
    /// _HANDLER
    #[arg(long, value_name = "NAME", default_value_t = lambda_default().handler)]
    handler: String,
    /// The function timeout, in seconds [default: 3, as on Lambda]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// The memory size reported, in MB
    #[arg(long, value_name = "MB", default_value_t = lambda_default().memory_mb)]
    memory: u32,
    /// An extra environment variable (repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Read stdin as one event per line
    #[arg(long)]
    lines: bool,
    /// Up to N invocations at once, each in its own execution environment
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Start a fresh environment when the bootstrap or a file in the task root has changed
    #[arg(long)]
    watch: bool,
    /// The log format, as a function's LoggingConfig sets it: text, or json
    /// (Lambda's lines as JSON records, the function's JSON records below
    /// --log-level dropped)
    #[arg(long, value_name = "FORMAT", value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    /// With --log-format json: the least level kept (TRACE, DEBUG, INFO,
    /// WARN, ERROR, FATAL) [default: INFO]
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    log_level: Option<LogLevel>,
    /// With --log-format json: the least level of Lambda's own records
    /// kept (DEBUG, INFO, WARN); at INFO, platform.runtimeDone is left out
    /// [default: INFO]
    #[arg(long, value_name = "LEVEL", value_parser = parse_system_level)]
    system_log_level: Option<LogLevel>,
    /// A folder of external extensions, as a layer puts them in
    /// /opt/extensions: each executable there starts before the runtime
    #[arg(long, value_name = "DIR")]
    extensions: Option<PathBuf>,
    /// Send each event chunked (Transfer-Encoding: chunked), BYTES at most a
    /// chunk (--chunked-events=BYTES; 16384 without), to test the runtime's HTTP
    /// client; Lambda sends a Content-Length
    #[arg(long, value_name = "BYTES", num_args = 0..=1, require_equals = true,
          default_missing_value = "16384",
          value_parser = clap::value_parser!(u32).range(1..))]
    chunked_events: Option<u32>,
    /// Print each Runtime API request and answer to stderr as it happens,
    /// with its time in milliseconds since the start
    #[arg(long)]
    trace: bool,
    /// Pass events that are not JSON to the runtime as they are. Lambda
    /// refuses them (InvalidRequestContentException) before any runtime sees
    /// them: this is for experiments with what a runtime makes of such bytes
    #[arg(long)]
    allow_non_json: bool,
    /// With --serve: send every request outside Lambda's API paths to the
    /// function, as a Function URL in streaming mode does (payload format
    /// 2.0; a prelude in the answer gives the status, headers and cookies)
    #[arg(long)]
    function_url: bool,
    /// Pass a streamed answer on as fast as it comes, instead of at
    /// Lambda's pace (the first 6 MiB at once, then 2 MiB/s): for
    /// measurements
    #[arg(long)]
    no_stream_shaping: bool,
    /// Print each answer as the runtime sends it, as a caller of
    /// InvokeWithResponseStream reads it, instead of once it is whole
    #[arg(long)]
    stream: bool,
    /// Stay up and take invocations over HTTP instead: Lambda's Invoke API,
    /// for curl, the AWS CLI and AWS's SDKs (--endpoint-url)
    #[arg(long)]
    serve: bool,
    /// With --serve: how often a failed asynchronous invocation
    /// (X-Amz-Invocation-Type: Event) is retried, 0 to 2, as the function's
    /// MaximumRetryAttempts says on Lambda
    #[arg(long, value_name = "N", default_value_t = 2, requires = "serve",
          value_parser = clap::value_parser!(u8).range(0..=2))]
    async_retries: u8,
    /// With --serve: the wait before each such retry, in seconds
    /// [default: 60, then 120, as on Lambda]
    #[arg(long, value_name = "SECONDS", requires = "serve", value_parser = parse_seconds)]
    async_retry_delay: Option<Duration>,
    /// Start no runtime; print the Runtime API's address for one you start yourself
    #[arg(long, requires = "serve", conflicts_with_all = ["bootstrap", "concurrency", "watch"])]
    no_bootstrap: bool,
    /// The port for --serve [default: any free port]
    #[arg(
        long,
        requires = "serve",
        default_value_t = 0,
        hide_default_value = true
    )]
    port: u16,
}

#[derive(Subcommand)]
enum Command {
    /// Grade a runtime against Lambda's contract, one row per point, with
    /// its check handler (see the book's "Your own runtime")
    #[command(
        after_help = "exit status: 0 when no row fails, 1 when one does, 2 for a usage error."
    )]
    Check(CheckOptions),
}

#[derive(Args)]
struct CheckOptions {
    /// The runtime to grade
    #[arg(long, value_name = "PATH")]
    bootstrap: PathBuf,
    /// LAMBDA_TASK_ROOT, holding the check handler [default: the bootstrap's folder]
    #[arg(long, value_name = "DIR")]
    task_root: Option<PathBuf>,
    /// _HANDLER: the check handler, in the runtime's own form
    #[arg(long, value_name = "NAME", default_value = "check.handler")]
    handler: String,
    /// An extra environment variable (repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Print the rows as JSON, for CI
    #[arg(long)]
    json: bool,
    /// How long the idle-next row leaves the runtime waiting in next, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "12", value_parser = parse_seconds)]
    idle: Duration,
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with status 2.
    let options = Options::parse();
    if let Some(Command::Check(check)) = &options.command {
        return run_check(check).unwrap_or_else(|message| {
            eprintln!("local-lambda check: {message}");
            ExitCode::from(2)
        });
    }
    let result = function_config(&options).and_then(|config| {
        if options.serve {
            let door = Door {
                payloads: payloads(&options),
                function_url: options.function_url,
            };
            serve(config, options.port, door)
        } else if options.function_url {
            Err("--function-url needs --serve: a Function URL takes requests over HTTP".into())
        } else {
            invoke_all(config, &options)
        }
    });
    result.unwrap_or_else(|message| {
        eprintln!("local-lambda: {message}");
        ExitCode::from(2)
    })
}

fn function_config(options: &Options) -> Result<FunctionConfig, String> {
    let bootstrap = match &options.bootstrap {
        Some(bootstrap) => bootstrap.clone(),
        None => local_lambda::unpack_bash_original()
            .map_err(|error| format!("cannot unpack the bash original: {error}"))?,
    };
    let mut config = function_at(&bootstrap, options.task_root.as_deref())?;
    config.handler = options.handler.clone();
    config.timeout = options.timeout.unwrap_or(config.timeout);
    config.memory_mb = options.memory;
    config.env = options.env.clone();
    config.concurrency = usize::from(options.concurrency);
    config.watch = options.watch;
    if options.no_stream_shaping {
        config.limits.stream_shaping = None;
    }
    config.json_logs = match (options.log_format.as_str(), options.log_level) {
        ("json", level) => Some(level.unwrap_or(LogLevel::Info)),
        (_, None) => None,
        (_, Some(_)) => {
            return Err(
                "--log-level needs --log-format json: Lambda filters only JSON logs".into(),
            );
        }
    };
    config.system_log_level = match (config.json_logs, options.system_log_level) {
        (_, None) => LogLevel::Info,
        (Some(_), Some(level)) => level,
        (None, Some(_)) => {
            return Err(
                "--system-log-level needs --log-format json: Lambda filters only JSON logs".into(),
            );
        }
    };
    if let Some(folder) = &options.extensions {
        let folder = folder
            .canonicalize()
            .map_err(|error| format!("extensions {}: {error}", folder.display()))?;
        config.extensions = Some(folder);
    }
    if let Some(chunk_bytes) = options.chunked_events {
        config.event_framing = EventFraming::Chunked {
            chunk_bytes: chunk_bytes as usize,
        };
    }
    config.trace = options.trace;
    config.echo_log = true;
    config.env.extend(caller_credentials(&options.env));
    let delays = match options.async_retry_delay {
        Some(delay) => vec![delay; 2],
        None => config.async_retry_delays.clone(),
    };
    config.async_retry_delays = delays
        .into_iter()
        .take(usize::from(options.async_retries))
        .collect();
    if options.no_bootstrap {
        config.bootstrap = None;
    }
    Ok(config)
}

/// The AWS credentials in the local Lambda's own environment that the
/// function's `--env` does not set: passed on to the function, as AWS's
/// Runtime Interface Emulator passes them, so that a handler can call AWS
/// services with the caller's identity. On Lambda the function gets its
/// execution role's credentials in the same three variables instead.
fn caller_credentials(given: &[(String, String)]) -> Vec<(String, String)> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .into_iter()
    .filter(|name| !given.iter().any(|(set, _)| set == name))
    .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
    .collect()
}

/// The function whose runtime is `bootstrap`, in `task_root` or else the
/// bootstrap's folder, both made absolute: Lambda's task root is absolute
/// (/var/task), and the runtime runs inside it. Errors name the path.
fn function_at(bootstrap: &Path, task_root: Option<&Path>) -> Result<FunctionConfig, String> {
    let bootstrap = bootstrap
        .canonicalize()
        .map_err(|error| format!("bootstrap {}: {error}", bootstrap.display()))?;
    let mut config = FunctionConfig::for_bootstrap(bootstrap);
    if let Some(task_root) = task_root {
        config.task_root = task_root
            .canonicalize()
            .map_err(|error| format!("task root {}: {error}", task_root.display()))?;
    }
    Ok(config)
}

/// Lambda's defaults, as the library keeps them, for the help text.
fn lambda_default() -> FunctionConfig {
    FunctionConfig::embedded(".")
}

fn parse_level(text: &str) -> Result<LogLevel, String> {
    LogLevel::parse(text)
        .ok_or_else(|| "expected TRACE, DEBUG, INFO, WARN, ERROR or FATAL".to_string())
}

/// Lambda's system log levels are three of the six.
fn parse_system_level(text: &str) -> Result<LogLevel, String> {
    LogLevel::parse(text)
        .filter(|level| [LogLevel::Debug, LogLevel::Info, LogLevel::Warn].contains(level))
        .ok_or_else(|| "expected DEBUG, INFO or WARN".to_string())
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|timeout| !timeout.is_zero())
        .ok_or_else(|| "expected a number of seconds above 0, such as 3 or 0.5".to_string())
}

/// `local-lambda check`: the report card, as a table (coloured on a
/// terminal) or as JSON; 1 when a row fails.
fn run_check(options: &CheckOptions) -> Result<ExitCode, String> {
    let mut config = function_at(&options.bootstrap, options.task_root.as_deref())?;
    config.handler = options.handler.clone();
    config.env = options.env.clone();
    let settings = local_lambda::check::Settings {
        idle: options.idle,
        ..local_lambda::check::Settings::default()
    };
    let rows = local_lambda::check::check(&config, &settings);
    if options.json {
        println!("{}", local_lambda::check::json(&rows));
    } else {
        print!(
            "{}",
            local_lambda::check::table(&rows, io::stdout().is_terminal())
        );
    }
    Ok(if local_lambda::check::all_kept(&rows) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err("expected NAME=VALUE".to_string()),
    }
}

/// The events to send, in order: arguments, `-` for stdin, or stdin itself.
fn collect_events(options: &Options) -> Result<Vec<Vec<u8>>, String> {
    let mut stdin = None;
    let mut read_stdin = || -> Result<Vec<u8>, String> {
        let mut buffer = Vec::new();
        io::stdin()
            .read_to_end(&mut buffer)
            .map_err(|error| format!("reading stdin: {error}"))?;
        Ok(stdin.get_or_insert(buffer).clone())
    };
    let mut events = Vec::new();
    if options.events.is_empty() {
        if io::stdin().is_terminal() {
            events.push(b"{}".to_vec());
        } else {
            events.extend(split_stdin(read_stdin()?, options.lines));
        }
    }
    for event in &options.events {
        if event == "-" {
            events.extend(split_stdin(read_stdin()?, options.lines));
        } else {
            events.push(event.as_bytes().to_vec());
        }
    }
    Ok(events)
}

fn split_stdin(input: Vec<u8>, lines: bool) -> Vec<Vec<u8>> {
    if !lines {
        return vec![input];
    }
    input
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

// ANCHOR: signals
/// Ends every environment when a signal would end this process: Ctrl-C
/// (SIGINT), SIGTERM, or the terminal closing (SIGHUP). Each runtime runs
/// in a process group of its own, so the terminal's Ctrl-C never reaches
/// it: without this, a runtime and its handler would outlive the local
/// Lambda. Exits with 128 + the signal's number, as a shell reports a
/// process a signal ended.
fn end_on_signals(lambda: Arc<LocalLambda>) -> Result<(), String> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|error| format!("cannot handle signals: {error}"))?;
    thread::Builder::new()
        .name("signals".to_string())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let ended = lambda.end_now();
                eprintln!("local-lambda: {}", stopped(signal, &ended));
                std::process::exit(128 + signal);
            }
        })
        .map_err(|error| format!("cannot handle signals: {error}"))?;
    Ok(())
}
// ANCHOR_END: signals

/// What a signal stopped, as the line printed before exiting says it.
fn stopped(signal: i32, ended: &[local_lambda::Ended]) -> String {
    let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
    if ended.is_empty() {
        return format!("{name}: no runtime was running");
    }
    let runtimes: Vec<String> = ended
        .iter()
        .map(|runtime| {
            format!(
                "environment {}: runtime {} and {} process{} it started",
                runtime.environment,
                runtime.pid,
                runtime.started,
                if runtime.started == 1 { "" } else { "es" }
            )
        })
        .collect();
    format!("{name}: ended {}", runtimes.join("; "))
}

fn invoke_all(config: FunctionConfig, options: &Options) -> Result<ExitCode, String> {
    if options.stream && config.concurrency > 1 {
        return Err(
            "--stream prints each answer as it comes, one invocation at a time: leave out --concurrency"
                .into(),
        );
    }
    let stream = options.stream;
    let events: Vec<Result<Vec<u8>, Rejection>> = collect_events(options)?
        .into_iter()
        .map(|event| invoke_api_event(event, payloads(options)))
        .collect();
    let workers = config.concurrency.max(1).min(events.len().max(1));
    let lambda =
        Arc::new(LocalLambda::start(config).map_err(|error| format!("cannot start: {error}"))?);
    end_on_signals(lambda.clone())?;
    let mut all_succeeded = true;
    // With --concurrency N, N callers take the events in order and run them
    // side by side; the results are printed in the events' order.
    let next_event = AtomicUsize::new(0);
    let (finished, results) = mpsc::channel();
    thread::scope(|scope| -> Result<(), String> {
        for _ in 0..workers {
            let finished = finished.clone();
            let (lambda, events, next_event) = (&*lambda, &events, &next_event);
            scope.spawn(move || {
                loop {
                    let index = next_event.fetch_add(1, Ordering::SeqCst);
                    let Some(event) = events.get(index) else {
                        return;
                    };
                    let outcome = match event {
                        Err(refusal) => Err(refusal.clone()),
                        Ok(event) => lambda.invoke(invocation(event, stream)),
                    };
                    if finished.send((index, outcome)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(finished);
        let mut waiting = BTreeMap::new();
        let mut printed = 0;
        // Not locked for the whole loop: with --stream, the callers write
        // answers to stdout as they come.
        let mut stdout = io::stdout();
        for (index, outcome) in results {
            waiting.insert(index, outcome);
            while let Some(outcome) = waiting.remove(&printed) {
                all_succeeded &= print_outcome(&mut stdout, outcome, stream)?;
                printed += 1;
            }
        }
        Ok(())
    })?;
    lambda.shutdown();
    Ok(if all_succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// An event as Lambda's Invoke API takes it: an empty one is `{}`, and one
/// that is not JSON is refused unless `payloads` allows it.
fn invoke_api_event(event: Vec<u8>, payloads: Payloads) -> Result<Vec<u8>, Rejection> {
    if event.is_empty() {
        return Ok(b"{}".to_vec());
    }
    if payloads == Payloads::JsonOnly {
        local_lambda::check_json(&event)?;
    }
    Ok(event)
}

/// An invocation of `event`; with `stream`, its answer goes to stdout as
/// the runtime sends it.
fn invocation(event: &[u8], stream: bool) -> Invocation {
    let mut invocation = Invocation::new(event);
    if stream {
        invocation.stream = Some(local_lambda::ResponseStream::new(io::stdout()));
    }
    invocation
}

/// Prints an invocation's result on stdout (or why it was refused, on
/// stderr); `true` if it succeeded. With `streamed`, a successful answer
/// is already out.
fn print_outcome(
    stdout: &mut impl Write,
    outcome: Result<Outcome, Rejection>,
    streamed: bool,
) -> Result<bool, String> {
    match outcome {
        // Streamed, a successful answer is already out, byte for byte, as
        // curl prints one: nothing is added to it.
        Ok(outcome) if streamed && outcome.is_success() => Ok(true),
        Ok(outcome) => {
            let body = outcome.body();
            // The function's bytes as it answered them, UTF-8 or not.
            let printed = stdout
                .write_all(body)
                .and_then(|()| stdout.write_all(b"\n"))
                .and_then(|()| stdout.flush());
            printed.map_err(|error| format!("writing stdout: {error}"))?;
            Ok(outcome.is_success())
        }
        Err(rejection) => {
            eprintln!("local-lambda: invocation refused: {rejection}");
            if matches!(rejection, Rejection::NotJson { .. }) {
                eprintln!("local-lambda: (--allow-non-json sends such an event anyway)");
            }
            Ok(false)
        }
    }
}

/// What the Invoke API does with an event that is not JSON.
fn payloads(options: &Options) -> Payloads {
    if options.allow_non_json {
        Payloads::AnyBytes
    } else {
        Payloads::JsonOnly
    }
}

fn serve(mut config: FunctionConfig, port: u16, door: Door) -> Result<ExitCode, String> {
    // A server may take millions of invocations: nothing is kept of them.
    config.record = false;
    let lambda =
        Arc::new(LocalLambda::start(config).map_err(|error| format!("cannot start: {error}"))?);
    end_on_signals(lambda.clone())?;
    let door = FrontDoor::start_door(lambda.clone(), port, door)
        .map_err(|error| format!("cannot listen: {error}"))?;
    if let Some(runtime_api) = lambda.runtime_api() {
        eprintln!(
            "local-lambda: no runtime started; run yours with\n  export AWS_LAMBDA_RUNTIME_API={runtime_api}"
        );
    }
    eprintln!(
        "local-lambda: serving; invoke with\n  curl -d '{{\"some\": \"request\"}}' {}",
        door.invoke_url()
    );
    loop {
        thread::park();
    }
}
