//! Runs one case under a timeout and checks that nothing it started is left.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use crate::common::Ran;
use crate::common::{PARLAB, stat_field};

/// Longer than any case can take unless something hangs.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `script` with `bash -c`, `$PARLAB` set to the binary, under [`TIMEOUT`].
pub fn sh(script: &str) -> Ran {
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).env("PARLAB", PARLAB);
    run(cmd)
}

/// Runs parlab with `args` under [`TIMEOUT`].
pub fn parlab(args: &[&str]) -> Ran {
    let mut cmd = Command::new(PARLAB);
    cmd.args(args);
    run(cmd)
}

/// Runs `cmd` (stdin closed, outputs captured, no fault injected) under [`TIMEOUT`], then
/// checks that no process it started is left.
pub fn run(mut cmd: Command) -> Ran {
    cmd.env_remove("PARLAB_WORKER_FAIL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let since = Instant::now();
    let child = cmd.spawn().expect("start the case");
    finish(child, since)
}

/// Waits for `child`, killing what it started and failing the test after [`TIMEOUT`].
pub fn finish(child: Child, since: Instant) -> Ran {
    let ran = crate::common::wait_capturing(child, since, TIMEOUT, |pid| {
        let family = descendants(pid);
        for &p in &family {
            let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            eprintln!(
                "left at the hang: pid {p} state {:?}: {}",
                state(p),
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            );
        }
        kill_all(&family)
    });
    assert_nothing_left(ran.pid);
    ran
}

/// The state letter of `pid` (R, S, T, Z…), or None when it is gone.
pub fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

/// Live processes whose parent chain reaches `pid`, or parlab workers naming a pid among them.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut family = vec![pid];
    let mut found = true;
    let all: Vec<(u32, Option<u32>, Vec<u8>)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .map(|p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            (p, stat_field(p, 1), cmdline)
        })
        .collect();
    while found {
        found = false;
        for (p, parent, cmdline) in &all {
            if family.contains(p) {
                continue;
            }
            let worker_of = family.iter().any(|f| {
                let tag = format!("worker\0--parent\0{f}\0");
                cmdline.windows(tag.len()).any(|w| w == tag.as_bytes())
            });
            if parent.is_some_and(|q| family.contains(&q)) || worker_of {
                family.push(*p);
                found = true;
            }
        }
    }
    family.retain(|p| *p != pid && state(*p).is_some());
    family
}

fn kill_all(pids: &[u32]) {
    for p in pids {
        // SAFETY: kill takes plain integers.
        unsafe { libc::kill(*p as i32, libc::SIGKILL) };
    }
}

/// Fails the test if anything `pid` started is still alive (zombies count: they were not reaped).
pub fn assert_nothing_left(pid: u32) {
    // A worker told to exit may take a moment to go.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = descendants(pid);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            kill_all(&left);
            panic!("processes started by {pid} left alive: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
