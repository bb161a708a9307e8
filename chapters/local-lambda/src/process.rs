//! The runtime's processes, as the operating system sees them: starting a
//! `bootstrap`, finding everything it started, and saying how one ended.

use std::fs;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
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
pub(crate) fn spawn_when_not_busy(command: &mut Command) -> io::Result<Child> {
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
