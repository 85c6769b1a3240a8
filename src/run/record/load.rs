//! How much CPU the rest of the machine used while parlab measured.
//!
//! Other programs (a browser, a build, another job on a CI runner) take cores from the
//! approaches and slow them, and a slowdown they caused must not be blamed on an approach. The
//! kernel counts every core's busy time in `/proc/stat`; what parlab itself and its processes
//! used over the same interval is known (getrusage for parlab and the children it reaped,
//! `/proc/PID/stat` for descendants still alive, such as `net`'s local server or pool workers
//! that outlive a run), and the difference is what others used. Every reading happens outside
//! the timed region.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::run::record::measure::Usage;

/// The machine's busy CPU time in a `/proc/stat` text, in clock ticks: user, nice, system,
/// irq, softirq and steal of the first (all-cores) `cpu` line. Idle and iowait are not busy;
/// guest time is already inside user.
pub fn parse_busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    (f.len() >= 4).then(|| at(0) + at(1) + at(2) + at(5) + at(6) + at(7))
}

/// One process's line of `/proc/PID/stat`: its parent and the CPU it and its reaped children
/// used (utime + stime + cutime + cstime), in clock ticks.
pub fn parse_proc_stat(stat: &str) -> Option<(u32, u64)> {
    // The command name is in parentheses and may hold spaces or ')': fields follow the last.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
    let ppid = f.get(1)?.parse().ok()?;
    let ticks = (11..15)
        .map(|i| f.get(i)?.parse::<u64>().ok())
        .sum::<Option<u64>>()?;
    Some((ppid, ticks))
}

fn ticks_per_s() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

fn ticks(t: u64) -> Duration {
    Duration::from_secs_f64(t as f64 / ticks_per_s())
}

/// The machine's busy CPU time so far, all cores together; None where `/proc/stat` cannot be
/// read.
pub fn machine_busy() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    parse_busy_ticks(&text).map(ticks)
}

/// parlab's live descendants (not parlab itself) and the CPU each has used, ticks: found
/// through the kernel's lists of each thread's children where it keeps them, else by a scan of
/// every process on the machine.
fn descendants() -> HashMap<u32, u64> {
    by_children_files(std::process::id()).unwrap_or_else(descendants_by_scan)
}

/// [`descendants`] of `root` through `/proc/PID/task/TID/children` (kernels with
/// CONFIG_PROC_CHILDREN): only parlab's own tree is read, not every process's `stat`. None
/// where the kernel keeps no such list.
fn by_children_files(root: u32) -> Option<HashMap<u32, u64>> {
    let mut found: HashMap<u32, u64> = HashMap::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue; // gone meanwhile
        };
        for task in tasks.flatten() {
            let text = match std::fs::read_to_string(task.path().join("children")) {
                Ok(text) => text,
                Err(_) if parent == root => return None,
                Err(_) => continue,
            };
            for pid in text
                .split_whitespace()
                .filter_map(|w| w.parse::<u32>().ok())
            {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    continue;
                };
                if let Some((_, t)) = parse_proc_stat(&stat)
                    && found.insert(pid, t).is_none()
                {
                    frontier.push(pid);
                }
            }
        }
    }
    Some(found)
}

/// [`descendants`] by reading every process's `/proc/PID/stat` for its parent.
fn descendants_by_scan() -> HashMap<u32, u64> {
    let mut procs: Vec<(u32, u32, u64)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // gone meanwhile
        };
        if let Some((ppid, t)) = parse_proc_stat(&text) {
            procs.push((pid, ppid, t));
        }
    }
    let mut found: HashMap<u32, u64> = HashMap::new();
    let mut frontier = vec![std::process::id()];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid, t) in &procs {
            if ppid == parent && found.insert(pid, t).is_none() {
                frontier.push(pid);
            }
        }
    }
    found
}

/// A reading of the machine's and parlab's CPU, to be compared with a later one.
#[derive(Debug, Clone)]
pub struct Gauge {
    ours: Usage,
    tree: HashMap<u32, u64>,
    busy: Duration,
    at: Instant,
}

impl Gauge {
    /// Reads now: parlab's own usage first, the machine's busy time last, so that what the
    /// reading itself costs counts as parlab's, never as another program's. None where
    /// `/proc/stat` cannot be read.
    pub fn start() -> Option<Self> {
        let ours = Usage::now();
        let tree = descendants();
        let busy = machine_busy()?;
        Some(Self {
            ours,
            tree,
            busy,
            at: Instant::now(),
        })
    }

    /// The CPU time other programs used since [`Gauge::start`] (the machine's busy time less
    /// parlab's and its processes'), at least zero; None if `/proc/stat` went unreadable.
    pub fn foreign(&self) -> Option<Duration> {
        let busy = machine_busy()?;
        let tree = descendants();
        let ours = Usage::now().since(&self.ours);
        let mut used = (ours.user + ours.sys).as_secs_f64();
        // A descendant alive at both readings: what it used between them. One seen only now
        // started in between (all of its time is new). One gone since was reaped: getrusage
        // counted its whole life, of which what it had used before is not this interval's.
        for (pid, now) in &tree {
            let before = self.tree.get(pid).copied().unwrap_or(0);
            used += ticks(now.saturating_sub(before)).as_secs_f64();
        }
        for (pid, before) in &self.tree {
            if !tree.contains_key(pid) {
                used -= ticks(*before).as_secs_f64();
            }
        }
        let machine = busy.saturating_sub(self.busy).as_secs_f64();
        Some(Duration::from_secs_f64((machine - used).max(0.0)))
    }

    /// Others' share of `cores` since [`Gauge::start`] (1.0 = every core busy with them).
    pub fn foreign_share(&self, cores: usize) -> Option<f64> {
        let wall = self.at.elapsed().as_secs_f64();
        let foreign = self.foreign()?.as_secs_f64();
        Some(foreign / (wall * cores.max(1) as f64).max(f64::MIN_POSITIVE))
    }
}

/// Others' share of `cores` over `window` (waited out in short sleeps, ended at once by
/// `cancel`); None where it cannot be read or the wait was cancelled.
pub fn sample_share(window: Duration, cores: usize, cancel: &Cancel) -> Option<f64> {
    let gauge = Gauge::start()?;
    let end = Instant::now() + window;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if cancel.is_cancelled() {
            return None;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
    gauge.foreign_share(cores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_ticks_are_the_non_idle_columns_of_the_all_cores_line() {
        let stat = "cpu  100 20 30 5000 40 6 7 8 9 10\n\
                    cpu0 50 10 15 2500 20 3 3 4 0 0\n\
                    intr 12345\n";
        // user + nice + system + irq + softirq + steal; not idle, iowait nor guest.
        assert_eq!(parse_busy_ticks(stat), Some(100 + 20 + 30 + 6 + 7 + 8));
        // An old kernel's four columns.
        assert_eq!(parse_busy_ticks("cpu 1 2 3 4\n"), Some(6));
        assert_eq!(parse_busy_ticks("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_busy_ticks("cpu 1 x 3 4\n"), None);
        assert_eq!(parse_busy_ticks(""), None);
    }

    #[test]
    fn a_process_line_gives_its_parent_and_cpu_whatever_its_name() {
        let line = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 \
                    11 22 33 44 20 0 1 0 12345 1000 50";
        assert_eq!(parse_proc_stat(line), Some((17, 11 + 22 + 33 + 44)));
        assert_eq!(parse_proc_stat("4242 (x) S 17"), None);
    }

    #[test]
    fn the_children_lists_find_what_the_scan_finds() {
        // A child and its own child (the shell's sleep).
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & wait"])
            .spawn()
            .unwrap();
        let shell = child.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        let grandchild = loop {
            let scan = descendants_by_scan();
            let inner = scan.keys().copied().find(|&p| {
                std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .ok()
                    .and_then(|t| parse_proc_stat(&t))
                    .is_some_and(|(ppid, _)| ppid == shell)
            });
            if let Some(p) = inner {
                break p;
            }
            assert!(Instant::now() < deadline, "the sleep never started");
            std::thread::sleep(Duration::from_millis(10));
        };
        let found = descendants();
        assert!(found.contains_key(&shell) && found.contains_key(&grandchild));
        if let Some(listed) = by_children_files(std::process::id()) {
            assert!(listed.contains_key(&shell) && listed.contains_key(&grandchild));
        }
        // SAFETY: kill takes plain integers; the sleep is the shell's, not yet reaped.
        unsafe { libc::kill(grandchild as i32, libc::SIGKILL) };
        let _ = child.kill();
        let _ = child.wait();
    }
}
