//! A shell handler kept in one bash process for the whole life of the
//! execution environment, instead of a bash started for every event.
//!
//! Starting bash costs about two milliseconds; that is nearly all of what
//! chapter 6's runtime spends per event. The tutorial's own bootstrap never
//! paid it: it sourced `function.sh` once and called the handler in a
//! subshell. A persistent worker goes one step further and calls the
//! handler in the worker itself, without a subshell (a fork of bash costs
//! over half a millisecond too). The price: what one event's handler
//! changes (a global, the working directory) is still there for the next,
//! as it is in the Python or Node runtimes; and a handler that calls `exit`
//! takes the worker with it, so the next event starts a new one.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::Instant;

use chapter_06::{HandlerError, ShellHandler, memory_file, without_trailing_newlines};
use chapter_09::{ErrorReport, LOAD_HANDLER};
use chapter_11::wait_readable;

// ANCHOR: worker
/// The worker's loop, after chapter 9's [`LOAD_HANDLER`] has sourced the
/// handler's file once: say `ready`, then run the handler once per line the
/// runtime writes to stdin. The event and its context are in the file on
/// descriptor 3: the event, then each `NAME=VALUE`, every one ended by a
/// NUL byte, which neither can contain. The last event's context is unset
/// before the next is exported. The handler's stdout goes to the file on
/// descriptor 4 (opening `/dev/fd/4` for writing empties it); the worker's
/// own stdout carries only the handler's exit status, one line per event.
const WORKER_LOOP: &str = r#"echo ready
context=()
while read -r; do
  unset "${context[@]%%=*}"
  mapfile -t -d '' fields < /dev/fd/3
  context=("${fields[@]:1}")
  if ((${#context[@]})); then export "${context[@]}"; fi
  "$2" "${fields[0]}" < /dev/null > /dev/fd/4
  echo "$?"
done"#;
// ANCHOR_END: worker

/// A shell handler run by a long-lived bash worker. It answers like
/// [`ShellHandler::run_with`], event for event, at a fraction of the cost.
pub struct PersistentShell {
    handler: ShellHandler,
    /// The event and its context, for the worker to read (its descriptor 3).
    request: File,
    /// The handler's stdout (the worker's descriptor 4).
    response: File,
    worker: Option<Worker>,
}

/// One bash process and the pipes to it.
struct Worker {
    process: Child,
    requests: ChildStdin,
    statuses: StatusLines,
}

impl PersistentShell {
    /// Starts the worker: sources the handler's file and checks its function,
    /// as Lambda's init phase would. A file that fails to load or lacks the
    /// function is reported as chapter 9 reports it.
    pub fn start(handler: &ShellHandler) -> Result<PersistentShell, ErrorReport> {
        let files =
            memory_file(c"request").and_then(|request| Ok((request, memory_file(c"response")?)));
        let (request, response) = files.map_err(|error| {
            ErrorReport::new(
                "Runtime.InitError",
                format!("cannot make the worker's files: {error}"),
            )
        })?;
        let mut shell = PersistentShell {
            handler: handler.clone(),
            request,
            response,
            worker: None,
        };
        match shell.start_worker() {
            Ok(worker) => shell.worker = Some(worker),
            Err(WorkerStart::Exited(status)) => {
                return Err(chapter_09::load_report(handler, status));
            }
            Err(WorkerStart::Failed(error)) => {
                return Err(ErrorReport::new(
                    "Runtime.InitError",
                    format!("cannot start bash: {error}"),
                ));
            }
        }
        Ok(shell)
    }

    // ANCHOR: run
    /// Runs the handler on one event, with `env` in its environment, and
    /// returns its response. A handler still running at `deadline` is
    /// stopped with its worker, and the next event gets a new worker.
    pub fn run_with(
        &mut self,
        event: &[u8],
        env: &[(String, String)],
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, HandlerError> {
        if event.contains(&0) {
            return Err(HandlerError::NulInEvent);
        }
        let mut worker = match self.worker.take() {
            Some(worker) => worker,
            None => self
                .start_worker()
                .map_err(WorkerStart::into_handler_error)?,
        };
        self.write_request(event, env)
            .map_err(HandlerError::Spawn)?;
        worker
            .requests
            .write_all(b"\n")
            .map_err(HandlerError::Spawn)?;
        match worker.statuses.next_line(deadline) {
            Line::Status(0) => {
                self.worker = Some(worker);
                let response = self.read_response().map_err(HandlerError::Spawn)?;
                Ok(without_trailing_newlines(response))
            }
            Line::Status(code) => {
                self.worker = Some(worker);
                Err(HandlerError::Failed(ExitStatus::from_raw(code << 8)))
            }
            // The handler called `exit`, or died: the worker went with it.
            Line::Closed => Err(HandlerError::Failed(worker.stop())),
            Line::TimedOut => {
                worker.stop();
                Err(HandlerError::TimedOut)
            }
        }
    }
    // ANCHOR_END: run

    /// The worker's process id, for measuring it.
    pub fn worker_pid(&self) -> Option<u32> {
        self.worker.as_ref().map(|worker| worker.process.id())
    }

    fn start_worker(&self) -> Result<Worker, WorkerStart> {
        let (request, response) = (self.request.as_raw_fd(), self.response.as_raw_fd());
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(format!("{LOAD_HANDLER}\n{WORKER_LOOP}"))
            .arg("worker")
            .arg(&self.handler.script)
            .arg(&self.handler.function);
        // SAFETY: between fork and exec, only fcntl(2), dup2(2) and
        // close(2), which are async-signal-safe. The files are first copied
        // above 10, so that neither is overwritten when the other becomes 3
        // or 4 (either may be 3 or 4 in this process); the copies at 3 and 4
        // are kept across exec, the ones above 10 closed.
        unsafe {
            command.pre_exec(move || {
                let high = [request, response].map(|fd| libc::fcntl(fd, libc::F_DUPFD, 10));
                for (from, to) in high.into_iter().zip([3, 4]) {
                    if from < 0 || libc::dup2(from, to) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    libc::close(from);
                }
                Ok(())
            });
        }
        let mut process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its own process group, so that a handler can be stopped with its children.
            .process_group(0)
            .spawn()
            .map_err(WorkerStart::Failed)?;
        let requests = process.stdin.take().expect("stdin was piped");
        let statuses = StatusLines::new(process.stdout.take().expect("stdout was piped"));
        let mut worker = Worker {
            process,
            requests,
            statuses,
        };
        match worker.statuses.next_line(None) {
            Line::Closed => Err(WorkerStart::Exited(worker.stop())),
            _ => Ok(worker),
        }
    }

    /// Replaces the request file's contents with this event's.
    fn write_request(&self, event: &[u8], env: &[(String, String)]) -> io::Result<()> {
        self.request.set_len(0)?;
        self.request.write_all_at(&request_file(event, env), 0)
    }

    /// The handler's stdout, all of it.
    fn read_response(&self) -> io::Result<Vec<u8>> {
        let mut response = vec![0; self.response.metadata()?.len() as usize];
        self.response.read_exact_at(&mut response, 0)?;
        Ok(response)
    }
}

impl Drop for PersistentShell {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.stop();
        }
    }
}

impl Worker {
    /// Kills the worker's process group (the handler's children too) and
    /// returns how the worker ended.
    fn stop(mut self) -> ExitStatus {
        let group = self.process.id() as libc::pid_t;
        // SAFETY: killpg(2) on the group `process_group(0)` made for the
        // worker; it touches no memory.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
        self.process
            .wait()
            .unwrap_or_else(|_| ExitStatus::from_raw(libc::SIGKILL))
    }
}

/// Why a worker did not start.
enum WorkerStart {
    /// bash ran, and exited before it was ready: the handler's file failed.
    Exited(ExitStatus),
    /// bash could not be started at all.
    Failed(io::Error),
}

impl WorkerStart {
    fn into_handler_error(self) -> HandlerError {
        match self {
            WorkerStart::Exited(status) => HandlerError::Failed(status),
            WorkerStart::Failed(error) => HandlerError::Spawn(error),
        }
    }
}

/// The request file: the event and each `NAME=VALUE`, each ended by NUL.
fn request_file(event: &[u8], env: &[(String, String)]) -> Vec<u8> {
    let mut file = Vec::with_capacity(event.len() + 512);
    file.extend_from_slice(event);
    file.push(0);
    for (name, value) in env {
        file.extend_from_slice(format!("{name}={value}").as_bytes());
        file.push(0);
    }
    file
}

/// What the worker said, or why it said nothing.
enum Line {
    /// An exit status (`ready` counts as 0).
    Status(i32),
    /// The worker's stdout closed: it has exited.
    Closed,
    /// Nothing came before the deadline.
    TimedOut,
}

/// The worker's stdout, read a line at a time with a deadline. poll(2)
/// waits on the pipe itself, so no thread stands between the worker and the
/// runtime: a thread would cost a wake-up per event.
struct StatusLines {
    pipe: ChildStdout,
    pending: Vec<u8>,
}

impl StatusLines {
    fn new(pipe: ChildStdout) -> StatusLines {
        StatusLines {
            pipe,
            pending: Vec::new(),
        }
    }

    fn next_line(&mut self, deadline: Option<Instant>) -> Line {
        loop {
            if let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line[..end]);
                // Only the worker writes here (the handler's stdout is the
                // response file): `ready`, then one exit status per event.
                return Line::Status(text.trim().parse().unwrap_or(0));
            }
            if !wait_readable(&self.pipe, deadline) {
                return Line::TimedOut;
            }
            let mut chunk = [0; 64];
            match self.pipe.read(&mut chunk) {
                Ok(0) | Err(_) => return Line::Closed,
                Ok(read) => self.pending.extend_from_slice(&chunk[..read]),
            }
        }
    }
}
