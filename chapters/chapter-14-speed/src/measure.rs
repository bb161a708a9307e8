//! Reading a runtime from the outside, as the benchmark does: its CPU time
//! and memory from `/proc`, latencies as percentiles, and the machine the
//! numbers came from. Wall time alone would mislead: on a machine with more
//! than one core, most of a fast runtime's wall time is spent waiting for
//! another core to wake up.

use std::fs;
use std::io;
use std::time::Duration;

/// The one reader of `/proc`'s memory fields, the local Lambda's.
pub use local_lambda::proc_kib;

// ANCHOR: cpu
/// The CPU time a runtime has used, with every process it started: its own
/// (all threads), its finished children's (`cutime`, `cstime`: the `curl`s
/// of the bash original, the per-event bash of chapter 6), and its live
/// children's, such as a persistent worker. From `/proc/PID/stat`, in clock
/// ticks (10 ms), which is precise enough over thousands of events.
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may contain spaces and parentheses; the fields start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime, stime, cutime and cstime are fields 14 to 17; fields[0] is field 3.
    let ticks: u64 = fields
        .get(11..15)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a short /proc stat line"))?
        .iter()
        .map(|field| field.parse::<u64>().unwrap_or(0))
        .sum();
    let mut total = Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second());
    for child in children(pid) {
        total += cpu_time(child).unwrap_or_default();
    }
    Ok(total)
}
// ANCHOR_END: cpu

/// The resident memory of one process (`VmRSS`), in KiB.
pub fn resident_kib(pid: u32) -> io::Result<u64> {
    proc_kib(pid, "status", "VmRSS")
}

/// The resident memory of `pid` and of every live process under it, in
/// KiB: a runtime whose handler runs in a worker process is both.
pub fn tree_resident_kib(pid: u32) -> io::Result<u64> {
    let mut total = resident_kib(pid)?;
    for child in children(pid) {
        total += tree_resident_kib(child).unwrap_or(0);
    }
    Ok(total)
}

/// The live children of `pid`, from every thread's `children` file: a
/// runtime's worker processes, for their memory or their mappings.
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(threads) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    threads
        .flatten()
        .filter_map(|thread| fs::read_to_string(thread.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf(3) reads a constant of the system; no memory is touched.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// Latencies of many invocations, for their median and tail.
#[derive(Debug, Clone, Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Sorts the samples once, so every percentile after is a lookup.
    pub fn new(mut samples: Vec<Duration>) -> Latencies {
        samples.sort();
        Latencies(samples)
    }

    /// The latency that `percent` of the samples do not exceed (nearest rank).
    pub fn percentile(&self, percent: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = (percent / 100.0 * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn median(&self) -> Duration {
        self.percentile(50.0)
    }
}

// ANCHOR: pin
/// Keeps this process, and every thread and process it starts from now on,
/// on one core: the last one it may use. Between cores, a wake-up costs tens
/// of microseconds on a virtual machine, more than a native runtime's own
/// work per event; on one core, the measured time is the work. Returns the
/// core.
pub fn pin_to_one_core() -> io::Result<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity(2) and
    // sched_setaffinity(2) read and write only the set passed to them.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut allowed) != 0 {
            return Err(io::Error::last_os_error());
        }
        let core = (0..libc::CPU_SETSIZE as usize)
            .rev()
            .find(|&core| libc::CPU_ISSET(core, &allowed))
            .ok_or_else(|| io::Error::other("no core is allowed"))?;
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut one);
        if libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(core)
    }
}
// ANCHOR_END: pin

/// The machine, in one line: processor, cores, kernel.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("an unknown processor", |(_, name)| name.trim());
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}, {cores} cores, Linux {}", kernel.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let latencies = Latencies::new(samples);
        assert_eq!(latencies.median(), Duration::from_millis(50));
        assert_eq!(latencies.percentile(99.0), Duration::from_millis(99));
        assert_eq!(latencies.percentile(100.0), Duration::from_millis(100));
        assert_eq!(Latencies::default().median(), Duration::ZERO);
    }

    #[test]
    fn counts_the_cpu_of_a_finished_child() {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        // A bash whose child burns CPU and is waited for; then it idles on stdin.
        let script = r#"bash -c 'i=0; while ((i < 200000)); do ((i++)); done'; echo done; read"#;
        let mut parent = Command::new("bash")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(parent.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let used = cpu_time(parent.id()).unwrap();
        drop(parent.stdin.take());
        parent.wait().unwrap();
        // The loop alone takes a few hundred milliseconds; bash's own start, about two.
        assert!(used >= Duration::from_millis(50), "{used:?}");
    }

    #[test]
    fn reads_this_process_resident_memory() {
        let kib = resident_kib(std::process::id()).unwrap();
        assert!(kib > 100, "{kib} KiB");
    }
}
