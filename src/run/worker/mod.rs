//! Child processes: parlab re-executed as a worker (the hidden `parlab worker` subcommand) that
//! runs the tasks it is sent on its stdin and reports on its stdout.
//!
//! [`child`] is the worker's side, [`parent`] parlab's (starting workers, handing out tasks,
//! recording what they report, and reaping or killing every one of them on every path),
//! [`protocol`] the frames between the two, and [`fault`] the test-only way to make a worker
//! fail on purpose.
//!
//! # Which peak memory a child reports
//!
//! getrusage's `ru_maxrss` is the wrong figure for a child. Linux keeps it per process and, when
//! a process calls exec, raises it to the high-water mark of the address space being replaced.
//! std's `Command` starts children with `posix_spawn`, whose child borrows the parent's address
//! space until exec (with `fork` it gets a copy holding the same resident pages), so a fresh
//! worker's `ru_maxrss` starts at the *parent's* peak: under a parent that once held 500 MiB,
//! every worker would claim 500 MiB. `VmHWM` in `/proc/self/status` is the high-water mark of
//! the worker's own address space, made new at exec, so the worker reads and reports that
//! ([`protocol::WorkerFigures::peak_rss_kib`]). It sends `ru_maxrss` beside it only so that a
//! test (tests/processes.rs) can show the two differ.

pub mod child;
mod crew;
pub mod exit;
pub mod fault;
pub mod parent;
pub mod protocol;

/// `CLOCK_MONOTONIC` now, ns: one clock for every process on the machine, so a time read in a
/// worker and one read in parlab can be compared directly.
pub fn mono_now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monotonic_clock_runs_at_instants_rate() {
        // Elapsed time measured both ways agrees, so a span on one converts to the other.
        let (m0, i0) = (mono_now_ns(), std::time::Instant::now());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (m1, i1) = (mono_now_ns(), std::time::Instant::now());
        let by_mono = m1 - m0;
        let by_instant = (i1 - i0).as_nanos() as u64;
        assert!(
            by_mono.abs_diff(by_instant) < 5_000_000,
            "{by_mono} vs {by_instant}"
        );
    }
}
