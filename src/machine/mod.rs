//! Facts about the machine that shape every result: cores, CPU model, OS, and how many threads
//! it can hold.

pub mod limits;
pub mod oom;

use serde::{Deserialize, Serialize};

/// The machine a run was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Machine {
    /// The CPU's brand string.
    pub cpu_model: String,
    /// Logical cores this process may use.
    pub logical_cores: usize,
    /// Physical cores, where the OS says.
    pub physical_cores: Option<usize>,
    /// The operating system and its version.
    pub os: String,
    /// The Python interpreter the Python approaches ran on, when the run had any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonFacts>,
}

/// The Python interpreter the Python approaches ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PythonFacts {
    /// Its version, e.g. `3.11.2`.
    pub version: String,
    /// Its implementation, e.g. `CPython`.
    pub implementation: String,
    /// Its executable (`sys.executable`).
    pub executable: String,
    /// Whether its global interpreter lock is on (false on a free-threaded build; None where
    /// the interpreter does not say).
    pub gil: Option<bool>,
}

impl PythonFacts {
    /// One line: `CPython 3.11.2 (/usr/bin/python3), GIL on`.
    pub fn describe(&self) -> String {
        let gil = match self.gil {
            Some(true) => "GIL on",
            Some(false) => "GIL off (free-threaded)",
            None => "GIL unknown",
        };
        format!(
            "{} {} ({}), {gil}",
            self.implementation, self.version, self.executable
        )
    }
}

impl Machine {
    /// Reads this machine's facts.
    pub fn detect() -> Self {
        let cpu_model = sysinfo::System::new_with_specifics(
            sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing()),
        )
        .ok()
        .and_then(|s| {
            s.cpus()
                .first()
                .map(|c| crate::format::plain(c.brand().trim()))
        })
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "unknown".into());
        Self {
            cpu_model,
            logical_cores: logical_cores(),
            physical_cores: sysinfo::System::physical_core_count().ok(),
            os: sysinfo::System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.into()),
            python: None,
        }
    }

    /// A fixed machine for deterministic tests and snapshots.
    pub fn mock() -> Self {
        Self {
            cpu_model: "Mock CPU @ 1.00GHz".into(),
            logical_cores: MOCK_CORES,
            physical_cores: Some(MOCK_CORES),
            os: "MockOS 1.0".into(),
            python: None,
        }
    }
}

/// Cores of the mock machine ([`Machine::mock`]), which the mock executor models.
pub const MOCK_CORES: usize = 2;

/// The logical cores this process may run on.
pub fn logical_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// About how many more threads this process can start: the smallest of the kernel's limits
/// (threads-max and pid_max less what already runs; the memory maps left, at
/// [`MAPS_PER_THREAD`] each; RLIMIT_NPROC less this user's processes). Generous where a limit
/// cannot be read.
pub fn thread_limit() -> u64 {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    let (running, mine) = processes();
    let mut limit = u64::MAX;
    for l in [
        read("/proc/sys/kernel/threads-max").map(|m| m.saturating_sub(running)),
        read("/proc/sys/kernel/pid_max").map(|m| m.saturating_sub(running)),
        read("/proc/sys/vm/max_map_count").map(threads_within_maps),
        nproc_limit().map(|m| m.saturating_sub(mine)),
    ]
    .into_iter()
    .flatten()
    {
        limit = limit.min(l);
    }
    limit.max(1)
}

/// Processes on the machine, and those of this process's user (what RLIMIT_NPROC counts,
/// threads aside).
fn processes() -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let (mut all, mut mine) = (0, 0);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        all += 1;
        if entry.metadata().is_ok_and(|m| m.uid() == uid) {
            mine += 1;
        }
    }
    (all, mine)
}

/// Memory maps one more thread costs: its stack and the stack's guard page, and the signal
/// stack Rust gives every thread with its own guard page (measured: about 4 per thread).
pub const MAPS_PER_THREAD: u64 = 4;

/// Maps kept free for everything else a run maps (allocator arenas, runtimes, files).
const MAP_MARGIN: u64 = 1024;

/// How many more threads fit under the kernel's `max_map_count`, given the maps this process
/// already has. A thread whose signal stack cannot be mapped aborts the whole process, so
/// this is counted before, never found out.
pub fn threads_within_maps(max_map_count: u64) -> u64 {
    let used = std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count() as u64);
    max_map_count.saturating_sub(used + MAP_MARGIN) / MAPS_PER_THREAD
}

fn nproc_limit() -> Option<u64> {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut rl) } == 0;
    (ok && rl.rlim_cur != libc::RLIM_INFINITY).then_some(rl.rlim_cur)
}

/// The most worker processes this machine can take at once: the process limit, and the
/// open-file limit (parlab keeps a pipe to each).
pub fn process_limit() -> u64 {
    process_room().0
}

/// Files parlab keeps open for each worker process: the pipes to its stdin and from its stdout.
pub const FILES_PER_WORKER: u64 = 2;

/// Which limit bounds how many worker processes fit, for a message to name the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessBound {
    /// The threads and processes the kernel and `ulimit -u` allow.
    Processes,
    /// The hard open-file limit (`ulimit -Hn`), this many files.
    OpenFiles(u64),
}

impl ProcessBound {
    /// What the limit is, in words that follow "at most about N worker processes: ".
    pub fn describe(self) -> String {
        match self {
            ProcessBound::Processes => {
                "the machine's process limit (ulimit -u, threads-max, pid_max)".into()
            }
            ProcessBound::OpenFiles(files) => format!(
                "the open-file limit (ulimit -Hn) of {files}: parlab keeps {FILES_PER_WORKER} \
                 pipes to each worker and {} files for itself",
                crate::machine::limits::SPARE_FILES
            ),
        }
    }
}

/// [`process_limit`], and which limit it is.
pub fn process_room() -> (u64, ProcessBound) {
    let (_, hard) = crate::machine::limits::open_files();
    let threads = crate::machine::thread_limit();
    if hard != u64::MAX {
        let files = hard.saturating_sub(crate::machine::limits::SPARE_FILES) / FILES_PER_WORKER;
        if files < threads {
            return (files, ProcessBound::OpenFiles(hard));
        }
    }
    (threads.max(1), ProcessBound::Processes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_something_sensible() {
        let m = Machine::detect();
        assert!(m.logical_cores >= 1);
        assert!(!m.os.is_empty());
        let limit = thread_limit();
        assert!((1..100_000_000).contains(&limit), "{limit}");
    }
}
