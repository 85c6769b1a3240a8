//! A command's whole process tree ends with its task, however the task or parlab ends.
//!
//! A shell command can leave processes behind that its process group does not hold: `sleep &`
//! outlives `sh`, `nohup` and `(cmd &)` do too, and `setsid` starts a new session and group.
//! So the small helper that starts each command (see [`crate::run::shell`]) makes itself a *child
//! subreaper* (`prctl(PR_SET_CHILD_SUBREAPER)`): whatever the command starts and then orphans
//! is re-parented to the helper instead of to init, whatever its group or session. When `sh`
//! ends, or when the helper is asked to stop (SIGTERM from parlab, or from the kernel through
//! `PR_SET_PDEATHSIG` when parlab dies, even by SIGKILL), the helper signals every descendant
//! it can find through `/proc` with SIGTERM (and SIGCONT, so a stopped one hears it), waits up
//! to [`GRACE`] while reaping, then sends SIGKILL to whatever is left, and reaps it all before
//! it exits.
//!
//! The cost when a command leaves nothing behind is one `waitid` call that finds no child.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long descendants have between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_millis(500);
/// How long the helper keeps killing and reaping before it gives up on an unkillable process.
const GIVE_UP: Duration = Duration::from_secs(10);

/// Set by SIGTERM, SIGINT or SIGHUP in the helper.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_signal: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// True once the helper was asked to stop.
pub fn stop_asked() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Makes this process the reaper of its orphaned descendants, asks the kernel for SIGTERM when
/// the parent dies, and catches SIGTERM, SIGINT and SIGHUP (without restarting system calls, so
/// a wait ends early). Returns false when the parent `parent` is already gone.
pub fn prepare_helper(parent: Option<i32>) -> bool {
    // SAFETY: prctl with plain integers changes only this process; sigaction installs a handler
    // that only stores to an atomic (async-signal-safe), and handlers reset to the default at
    // exec, so the command does not inherit it.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_stop as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = 0;
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
    // The parent may have died before PR_SET_PDEATHSIG was set: then no signal will come.
    parent.is_none_or(|p| std::os::unix::process::parent_id() as i32 == p)
}

/// True while this process has a child, running or not yet reaped (one system call).
pub fn has_children() -> bool {
    // SAFETY: waitid with WNOWAIT only looks; it writes into a siginfo we own.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    r == 0
}

/// The pids of this process's living descendants, children first.
pub fn descendants() -> Vec<i32> {
    let me = std::process::id() as i32;
    if let Some(found) = descendants_by_children_files(me) {
        return found;
    }
    descendants_by_scan(me)
}

/// Walks `/proc/PID/task/TID/children` (kernels with CONFIG_PROC_CHILDREN); None without it.
fn descendants_by_children_files(root: i32) -> Option<Vec<i32>> {
    let mut found = Vec::new();
    let mut queue = vec![root];
    let mut first = true;
    while let Some(pid) = queue.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let path = task.path().join("children");
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    for child in text.split_whitespace().filter_map(|w| w.parse().ok()) {
                        found.push(child);
                        queue.push(child);
                    }
                }
                Err(_) if first => return None,
                Err(_) => {}
            }
            first = false;
        }
    }
    Some(found)
}

/// Scans every `/proc/PID/stat` for parent links (slower; kernels without children files).
fn descendants_by_scan(root: i32) -> Vec<i32> {
    let mut links = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The parent is the second field after the parenthesised name.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                links.push((ppid, pid));
            }
        }
    }
    let mut found = Vec::new();
    let mut queue = vec![root];
    while let Some(parent) = queue.pop() {
        for &(ppid, pid) in &links {
            if ppid == parent && !found.contains(&pid) {
                found.push(pid);
                queue.push(pid);
            }
        }
    }
    found
}

/// Sends `signal` to every descendant (and SIGCONT after it, so a stopped one acts on it).
fn signal_all(signal: libc::c_int) {
    for pid in descendants() {
        // SAFETY: kill takes plain integers. A descendant is our child (a zombie until we reap
        // it, so its pid is not reused) or the child of a living descendant.
        unsafe {
            libc::kill(pid, signal);
            if signal != libc::SIGKILL {
                libc::kill(pid, libc::SIGCONT);
            }
        }
    }
}

/// Reaps every child that has ended, handing each `(pid, status, rusage)` to `on_reap`; true
/// when no child is left.
fn reap_ended(on_reap: &mut dyn FnMut(i32, libc::c_int, &libc::rusage)) -> bool {
    loop {
        let mut status = 0;
        // SAFETY: rusage is plain data wait4 fills.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on any of our children, writing into locals.
        let r = unsafe { libc::wait4(-1, &mut status, libc::WNOHANG, &mut ru) };
        if r > 0 {
            on_reap(r, status, &ru);
            continue;
        }
        return r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD);
    }
}

/// Ends every descendant: SIGTERM, up to [`GRACE`] to go, then SIGKILL; reaps them all,
/// handing each reaped child to `on_reap` (the helper keeps its shell's figures this way).
/// Returns at once when there is no child.
pub fn end_tree(on_reap: &mut dyn FnMut(i32, libc::c_int, &libc::rusage)) {
    if !has_children() {
        return;
    }
    let start = Instant::now();
    signal_all(libc::SIGTERM);
    while start.elapsed() < GRACE {
        if reap_ended(on_reap) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    while start.elapsed() < GIVE_UP {
        signal_all(libc::SIGKILL);
        if reap_ended(on_reap) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_without_children_has_none_to_end() {
        // The test harness's own threads are no children: the walk finds nothing it started.
        let me = std::process::id() as i32;
        let by_files = descendants_by_children_files(me).unwrap_or_default();
        let by_scan = descendants_by_scan(me);
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert!(descendants().contains(&pid), "the walk finds a child");
        assert!(
            descendants_by_scan(me).contains(&pid),
            "the scan finds a child"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!by_files.contains(&pid) && !by_scan.contains(&pid));
    }
}
