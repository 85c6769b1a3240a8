//! Helpers every integration test shares: the one way to run the real binary.
//!
//! Every test starts parlab through this module (`crate::common`), so that all of them run the
//! same binary the same way; a module adds only the environment its checks depend on.

#![allow(dead_code)]

use assert_cmd::Command;

/// The path of the parlab binary that cargo built for the tests.
pub const PARLAB: &str = env!("CARGO_BIN_EXE_parlab");

/// The parlab binary as an `assert_cmd` command, with the environment untouched.
pub fn parlab_plain() -> Command {
    Command::new(PARLAB)
}

/// The parlab binary as a `std::process::Command` (for a child to signal, a pty or pipes),
/// with the environment untouched.
pub fn parlab_std() -> std::process::Command {
    std::process::Command::new(PARLAB)
}

/// The parlab binary, with colour and terminal-dependent output off.
pub fn parlab() -> Command {
    let mut cmd = parlab_plain();
    cmd.env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Small, quick work: a prime whose trial division takes well under a millisecond.
pub const SMALL_PRIME: &str = "1000000007";

/// How many approaches `--approach all` runs: every Rust one (the Python ones are asked for by
/// name), as `parlab list` lists them first, one a line, before a blank line.
pub fn all_count() -> usize {
    let out = parlab_std().arg("list").output().expect("parlab list runs");
    assert!(out.status.success(), "parlab list: {:?}", out.status);
    let list = String::from_utf8(out.stdout).expect("parlab list prints UTF-8");
    let count = list.lines().take_while(|l| !l.trim().is_empty()).count();
    assert!(count > 1, "no approaches before a blank line in:\n{list}");
    count
}

/// How a child that [`wait_capturing`] waited for ended, and what it printed.
pub struct Ran {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to stdout (invalid UTF-8 replaced).
    pub stdout: String,
    /// Everything it wrote to stderr (invalid UTF-8 replaced).
    pub stderr: String,
    /// Its process id.
    pub pid: u32,
    /// From `since` to its end.
    pub took: std::time::Duration,
}

/// Waits for `child` (started at `since`, stdout and stderr piped), reading both pipes as it
/// runs so it never blocks on a full pipe. After `timeout` it calls `on_hang` with the pid (to
/// kill what the child started), kills the child and fails the test.
pub fn wait_capturing(
    mut child: std::process::Child,
    since: std::time::Instant,
    timeout: std::time::Duration,
    on_hang: impl FnOnce(u32),
) -> Ran {
    use std::io::Read;
    let pid = child.id();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr piped")));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if since.elapsed() > timeout {
            let threads = thread_states(pid);
            on_hang(pid);
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "pid {pid} hung: killed after {timeout:?}; its threads then (name state wchan): \
                 {threads}; its stderr:\n{stderr}"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let took = since.elapsed();
    Ran {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        pid,
        took,
    }
}

impl Ran {
    /// The exit code, or a failed test naming the signal that ended it.
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("ended by a signal: {:?}\n{}", self.status, self.stderr))
    }
}

/// Field `n` after the command name of /proc/`pid`/stat (0: state, 1: parent, 2: group).
pub fn stat_field(pid: u32, n: usize) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].split(' ').nth(n)?.parse().ok()
}

/// Each thread of `pid` as `name state wchan`, for a hang's message: where it was blocked.
fn thread_states(pid: u32) -> String {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return "gone".into();
    };
    dir.flatten()
        .map(|t| {
            let p = t.path();
            let read = |f: &str| std::fs::read_to_string(p.join(f)).unwrap_or_default();
            let stat = read("stat");
            let state = stat.rfind(')').and_then(|i| stat.get(i + 2..i + 3));
            format!(
                "{} {} {}",
                read("comm").trim(),
                state.unwrap_or("?"),
                read("wchan").trim()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
