//! Starting a child process with a bound on the start itself.
//!
//! `Command::spawn` returns only once the child has exec'd its program (or failed to): the
//! parent waits in the kernel for a `vfork` child, or on a pipe for a forked one. A child
//! stopped (SIGSTOP, a debugger) in the short stretch between its fork and its exec therefore
//! holds the thread that starts it for ever, out of reach of `--task-timeout` and every other
//! deadline parlab keeps, since none of them runs while that thread is waiting.
//!
//! [`spawn`] counts the starts in flight; a watch thread, started with the first of them, looks
//! every [`LOOK_EVERY`] whether one has been held for over [`STUCK_AFTER`] (a start takes a
//! millisecond or so), and only then reads `/proc` for a child of parlab's that is stopped and
//! has not exec'd (its command line is still parlab's own). Seen so on two looks in a row, it
//! is killed: the start returns, and the caller finds a child that died before it started,
//! which [`was_stopped_before_exec`] explains. Nothing is read while no start is held, so
//! measured runs pay two atomic additions per child started and nothing else.

use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A start held this long is taken to be stuck behind a stopped child.
const STUCK_AFTER: Duration = Duration::from_secs(1);

/// How often the watch looks at the starts in flight.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Starts in flight now.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// When the oldest start in flight began, in ms after [`epoch`].
static HELD_SINCE_MS: AtomicU64 = AtomicU64::new(0);

/// The pids the watch killed because they were stopped before their exec.
static KILLED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The watch thread, started once (false when it could not be).
static WATCH: OnceLock<bool> = OnceLock::new();

/// The instant [`HELD_SINCE_MS`] counts from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds since [`epoch`].
fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

/// `cmd.spawn()`, under the watch described in the module's text.
pub(crate) fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    WATCH.get_or_init(|| {
        std::thread::Builder::new()
            .name("parlab-spawn-watch".into())
            .spawn(watch)
            .is_ok()
    });
    let now = now_ms();
    if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) == 0 {
        HELD_SINCE_MS.store(now, Ordering::SeqCst);
    }
    let child = cmd.spawn();
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    child
}

/// True when the watch killed `pid` because it was stopped before its exec.
pub(crate) fn was_stopped_before_exec(pid: u32) -> bool {
    KILLED.lock().is_ok_and(|k| k.contains(&pid))
}

/// The watch: kills a child stopped before its exec while a start waits on it.
fn watch() {
    let mut suspects: Vec<u32> = Vec::new();
    loop {
        std::thread::sleep(LOOK_EVERY);
        let held = now_ms().saturating_sub(HELD_SINCE_MS.load(Ordering::SeqCst)) as u128;
        if IN_FLIGHT.load(Ordering::SeqCst) == 0 || held < STUCK_AFTER.as_millis() {
            suspects.clear();
            continue;
        }
        let stopped = stopped_before_exec();
        for &pid in stopped.iter().filter(|p| suspects.contains(p)) {
            if let Ok(mut killed) = KILLED.lock() {
                killed.push(pid);
            }
            // SAFETY: kill takes plain integers; the pid is parlab's own unreaped child (its
            // parent is waiting in spawn), so it cannot have been reused.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        suspects = stopped;
    }
}

/// parlab's children that are stopped and still run parlab's own command line (not exec'd).
fn stopped_before_exec() -> Vec<u32> {
    let me = std::process::id();
    let Ok(own) = std::fs::read("/proc/self/cmdline") else {
        return Vec::new();
    };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After the command name's closing parenthesis: state, then the parent's pid.
            let mut rest = stat[stat.rfind(')').map_or(0, |i| i + 1)..].split_whitespace();
            let state = rest.next().unwrap_or_default();
            let parent = rest.next().and_then(|p| p.parse::<u32>().ok());
            parent == Some(me)
                && matches!(state, "T" | "t")
                && std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == own)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // A child stopped before its exec is tested end to end, in a process of its own
    // (`hardening::limits::a_worker_stopped_before_its_exec_does_not_hold_the_run`): here other
    // tests of this process end their children's trees with SIGTERM and SIGCONT, which would
    // free such a child before the watch does.

    #[test]
    fn a_child_that_starts_is_left_alone() {
        let mut child = spawn(Command::new("true").stdout(std::process::Stdio::null())).unwrap();
        assert!(child.wait().unwrap().success());
        assert!(!was_stopped_before_exec(child.id()));
    }
}
