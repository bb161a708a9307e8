//! The runtime's processes, as the operating system sees them: starting a
//! `bootstrap` so that it cannot outlive the local Lambda, finding
//! everything it started, and saying how one ended.

use std::fs;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::Duration;

/// One `Name:   123 kB` field of a process's `/proc/PID/<file>` (`status`,
/// `smaps_rollup`), in KiB: `VmRSS` is its resident memory, `VmHWM` the
/// peak of it. An error when the process is gone or has no such field.
pub fn proc_kib(pid: u32, file: &str, field: &str) -> io::Result<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/{file}"))?;
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("no {field} in /proc/{pid}/{file}"),
            )
        })
}

/// Every process descended from `root`, found through `/proc`.
pub(crate) fn descendants(root: u32) -> Vec<libc::pid_t> {
    let parents: Vec<(libc::pid_t, libc::pid_t)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (command) state ppid ...`; the command may hold spaces or parentheses.
            let after_command = &stat[stat.rfind(')')? + 1..];
            let ppid = after_command.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root as libc::pid_t];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        next += 1;
    }
    found.remove(0);
    found
}

/// A command to start, and where the spawner thread sends the result.
type SpawnRequest = (Command, Sender<io::Result<Child>>);

/// Starts `command` (a runtime or an extension) so that it dies with the
/// local Lambda, however the local Lambda ends: killed outright with
/// SIGKILL, or a test process that exits without dropping its
/// `LocalLambda`. On Lambda the whole execution environment goes with its
/// sandbox; here the kernel's parent-death signal (`PR_SET_PDEATHSIG`) does
/// it: SIGKILL to the child the moment its parent ends.
///
/// The kernel counts the *thread* that forked the child as its parent, so
/// every child is forked by one thread that lives as long as the process.
/// Forked by the thread that asked (a caller's connection, say), a warm
/// runtime would be killed when that thread ended.
///
/// What the child starts in turn (a handler's `sleep`, the R worker) gets
/// no such signal; it ends as its own work ends, or when the pipes and
/// connections it shares with the dead runtime close. Errors: what
/// `spawn` returns (the program missing, not executable).
pub(crate) fn spawn_tied_to_this_process(mut command: Command) -> io::Result<Child> {
    // ANCHOR: parent-death
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec, and calls
    // only prctl(2) and getppid(2), which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have ended between fork and prctl: no signal
            // would come then, so the child must not go on.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    // ANCHOR_END: parent-death
    let (reply, result) = mpsc::channel();
    spawner()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send((command, reply))
        .map_err(|_| io::Error::other("the thread that starts processes has ended"))?;
    result
        .recv()
        .map_err(|_| io::Error::other("the thread that starts processes has ended"))?
}

/// The one thread that forks every child, started on first use and never
/// ended: a thread that returns would take its children with it.
fn spawner() -> &'static Mutex<Sender<SpawnRequest>> {
    static SPAWNER: OnceLock<Mutex<Sender<SpawnRequest>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (requests, waiting) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new()
            .name("spawner".to_string())
            .spawn(move || {
                for (mut command, reply) in waiting {
                    let _ = reply.send(spawn_when_not_busy(&mut command));
                }
            })
            .expect("a thread to start the runtimes' processes");
        Mutex::new(requests)
    })
}

/// How many times a `bootstrap` that is busy being written is tried again,
/// and how long to wait before each try.
const BUSY_TRIES: u32 = 10;
const BUSY_WAIT: Duration = Duration::from_millis(20);

/// Starts `command`, trying again while its program is busy (`ETXTBSY`):
/// a file that some process still holds open for writing cannot be run.
/// That is brief and common on a developer's machine: a build writing the
/// bootstrap that `--watch` is about to start, or, in a test, another
/// thread's child process that still holds a copied bootstrap open until it
/// runs its own program. Lambda's files are read-only and never meet it.
fn spawn_when_not_busy(command: &mut Command) -> io::Result<Child> {
    let mut tries = 1;
    loop {
        match command.spawn() {
            Err(error) if error.raw_os_error() == Some(libc::ETXTBSY) && tries < BUSY_TRIES => {
                tries += 1;
                thread::sleep(BUSY_WAIT);
            }
            result => return result,
        }
    }
}

/// Describes how a process ended, in the words of Go's `ExitError`, which
/// Lambda's own messages quote ("exit status 1", "signal: killed").
pub(crate) fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    let signal = status.signal().unwrap_or_default();
    let name = match signal {
        libc::SIGHUP => "hangup".to_string(),
        libc::SIGINT => "interrupt".to_string(),
        libc::SIGABRT => "aborted".to_string(),
        libc::SIGKILL => "killed".to_string(),
        libc::SIGSEGV => "segmentation fault".to_string(),
        libc::SIGPIPE => "broken pipe".to_string(),
        libc::SIGTERM => "terminated".to_string(),
        other => format!("signal {other}"),
    };
    format!("signal: {name}")
}

/// The operating system's words for an error, without Rust's "(os error N)".
pub(crate) fn os_message(error: &io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error").next().unwrap_or_default();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
