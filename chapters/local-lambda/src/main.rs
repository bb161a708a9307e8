//! `local-lambda`: what `docker run lambci/lambda:provided` did for the
//! tutorial's readers. It starts the local Runtime API, runs a bootstrap
//! against it, invokes it with each event, prints each result on stdout and
//! the function's log (with `START`, `END` and `REPORT`) on stderr.

use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use local_lambda::{FrontDoor, FunctionConfig, Invocation, LocalLambda};

const USAGE: &str = "\
usage: local-lambda [OPTIONS] [EVENT...]

Runs a Lambda custom runtime locally and invokes it once per EVENT.
An EVENT of - is read from stdin; with no EVENT, stdin is the event
(or {} when stdin is a terminal).

options:
  --bootstrap PATH     the runtime to run (default: the book's bash original)
  --task-root DIR      LAMBDA_TASK_ROOT (default: the bootstrap's folder)
  --handler NAME       _HANDLER (default: function.handler)
  --timeout SECONDS    the function timeout (default: 3)
  --memory MB          the memory size reported (default: 128)
  --env NAME=VALUE     an extra environment variable (repeatable)
  --lines              read stdin as one event per line
  --serve              stay up and take invocations over HTTP instead
  --no-bootstrap       with --serve: start no runtime; print the Runtime API's
                       address for one you start yourself
  --port PORT          the port for --serve (default: any free port)
  -h, --help           this text

exit status: 0 when every invocation succeeded, 1 when one failed,
2 for a usage error or when the local Lambda cannot start.";

struct Options {
    config: FunctionConfig,
    events: Vec<String>,
    lines: bool,
    serve: bool,
    port: u16,
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("local-lambda: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = if options.serve {
        serve(options)
    } else {
        invoke_all(options)
    };
    result.unwrap_or_else(|message| {
        eprintln!("local-lambda: {message}");
        ExitCode::from(2)
    })
}

/// The options, or `None` when the user asked for help.
fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut bootstrap = local_lambda::bash_original().join("bootstrap");
    let (mut task_root, mut handler, mut timeout, mut memory) = (None, None, None, None);
    let mut env = Vec::new();
    let (mut events, mut lines, mut serve, mut port) = (Vec::new(), false, false, 0);
    let mut no_bootstrap = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--bootstrap" => bootstrap = PathBuf::from(value("--bootstrap")?),
            "--task-root" => task_root = Some(PathBuf::from(value("--task-root")?)),
            "--handler" => handler = Some(value("--handler")?),
            "--timeout" => timeout = Some(parse_number::<f64>("--timeout", &value("--timeout")?)?),
            "--memory" => memory = Some(parse_number::<u32>("--memory", &value("--memory")?)?),
            "--env" => env.push(parse_env(&value("--env")?)?),
            "--port" => port = parse_number("--port", &value("--port")?)?,
            "--lines" => lines = true,
            "--serve" => serve = true,
            "--no-bootstrap" => no_bootstrap = true,
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            event => events.push(event.to_string()),
        }
    }
    let bootstrap = bootstrap
        .canonicalize()
        .map_err(|error| format!("bootstrap {}: {error}", bootstrap.display()))?;
    let mut config = FunctionConfig::for_bootstrap(bootstrap);
    // Lambda's task root is absolute (/var/task), and the runtime runs inside it.
    if let Some(task_root) = task_root {
        config.task_root = task_root
            .canonicalize()
            .map_err(|error| format!("task root {}: {error}", task_root.display()))?;
    }
    config.handler = handler.unwrap_or(config.handler);
    config.timeout = timeout
        .map(Duration::from_secs_f64)
        .unwrap_or(config.timeout);
    config.memory_mb = memory.unwrap_or(config.memory_mb);
    config.env = env;
    config.echo_log = true;
    if no_bootstrap {
        if !serve {
            return Err("--no-bootstrap only works with --serve".to_string());
        }
        config.bootstrap = None;
    }
    Ok(Some(Options {
        config,
        events,
        lines,
        serve,
        port,
    }))
}

fn parse_number<T: std::str::FromStr>(option: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{option} expects a number, not {text:?}"))
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("--env expects NAME=VALUE, not {text:?}")),
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

fn invoke_all(options: Options) -> Result<ExitCode, String> {
    let events = collect_events(&options)?;
    let lambda =
        LocalLambda::start(options.config).map_err(|error| format!("cannot start: {error}"))?;
    let mut all_succeeded = true;
    for event in events {
        match lambda.invoke(Invocation::new(event)) {
            Ok(outcome) => {
                all_succeeded &= outcome.is_success();
                println!("{}", String::from_utf8_lossy(outcome.body()));
            }
            Err(rejection) => {
                all_succeeded = false;
                eprintln!("local-lambda: invocation refused: {rejection}");
            }
        }
    }
    lambda.shutdown();
    Ok(if all_succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn serve(options: Options) -> Result<ExitCode, String> {
    let lambda = Arc::new(
        LocalLambda::start(options.config).map_err(|error| format!("cannot start: {error}"))?,
    );
    let door = FrontDoor::start(lambda.clone(), options.port)
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
        std::thread::park();
    }
}
