//! The process's own resource figures: CPU time, context switches and peak memory.
//!
//! getrusage's `ru_maxrss` is a high-water mark over the whole life of the process, so an
//! approach measured after a larger one would inherit its peak. Linux lets a process reset its
//! own mark (`VmHWM`) by writing `5` to `/proc/self/clear_refs`; we do that before each approach
//! and read `VmHWM` after it, so each approach's peak is its own.

use std::time::Duration;

/// How far a run's CPU time may pass its wall time × the cores and still be the clocks' doing,
/// s: getrusage counts in microseconds, its readings cost CPU time themselves, and a Rust row's
/// CPU is the whole process's (parlab's own threads too). Beyond this (and 2% for the split of
/// user and system time), CPU use above the cores is a measuring fault.
pub const CPU_SLACK_S: f64 = 50e-6;

/// A snapshot of getrusage for this process (all its threads) and its reaped children.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// User CPU time.
    pub user: Duration,
    /// System CPU time.
    pub sys: Duration,
    /// Voluntary context switches.
    pub voluntary: u64,
    /// Involuntary context switches.
    pub involuntary: u64,
}

impl Usage {
    /// This process's usage plus its reaped children's, now.
    pub fn now() -> Self {
        let own = rusage(libc::RUSAGE_SELF);
        let children = rusage(libc::RUSAGE_CHILDREN);
        Self {
            user: own.user + children.user,
            sys: own.sys + children.sys,
            voluntary: own.voluntary + children.voluntary,
            involuntary: own.involuntary + children.involuntary,
        }
    }

    /// This process's own usage (its threads, not its children), now.
    pub fn own() -> Self {
        rusage(libc::RUSAGE_SELF)
    }

    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            user: self.user.saturating_sub(earlier.user),
            sys: self.sys.saturating_sub(earlier.sys),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }
}

/// The CPU time the calling thread has used, ns (0 where the clock cannot be read).
#[inline]
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn rusage(who: libc::c_int) -> Usage {
    // SAFETY: getrusage fills the zeroed struct we own; on failure we keep zeros.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Usage {
        user: tv(ru.ru_utime),
        sys: tv(ru.ru_stime),
        voluntary: ru.ru_nvcsw as u64,
        involuntary: ru.ru_nivcsw as u64,
    }
}

/// Resets this process's peak-memory mark to its current resident size. False where the
/// kernel does not allow it (then [`peak_rss_kib`] is the peak over the process's life).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident memory since the last reset, KiB.
pub fn peak_rss_kib() -> u64 {
    status_field("VmHWM:").unwrap_or_else(|| {
        // SAFETY: as in `rusage`.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        ru.ru_maxrss as u64
    })
}

/// This process's resident memory now, KiB.
pub fn current_rss_kib() -> u64 {
    status_field("VmRSS:").unwrap_or(0)
}

/// A `kB` field of `/proc/self/status`.
pub fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = Usage::now();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let used = Usage::now().since(&before);
        assert!(used.user + used.sys > Duration::ZERO);
    }

    #[test]
    fn peak_resets_after_a_large_allocation() {
        if !reset_peak_rss() {
            return; // not Linux, or clear_refs not allowed: nothing to test
        }
        let big: Vec<u8> = vec![1; 64 << 20];
        std::hint::black_box(&big);
        let with_big = peak_rss_kib();
        drop(big);
        assert!(reset_peak_rss());
        let after = peak_rss_kib();
        assert!(with_big >= after + 32 * 1024, "{with_big} vs {after}");
    }
}
