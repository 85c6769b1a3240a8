//! The threads and processes a local `cluster` run needs at once, checked against the machine's
//! limits before anything is measured, as `process` checks its child processes: a run that
//! could not start them all is refused (exit 2, naming the flag) instead of failing part-way
//! with a panic in a process that could not start a thread.
//!
//! A local cluster of P processes of T worker threads each needs, at once: in parlab, one
//! reader thread per process; in each process, its T workers, a send and a receive thread for
//! every other process (timely's TCP mesh) and a few of its own.

use crate::error::UsageError;
use crate::plan::settings::ApproachSettings;

/// Threads of each cluster process beyond its workers and its mesh: its main thread and the
/// one that watches parlab.
const OWN_THREADS: u64 = 2;

/// The threads (processes counted as threads, as `RLIMIT_NPROC` counts them) a local cluster
/// of `processes` processes of `threads` workers needs at once.
pub fn threads_needed(processes: u64, threads: u64) -> u64 {
    let mesh = processes.saturating_sub(1).saturating_mul(2);
    let each = threads.saturating_add(mesh).saturating_add(1 + OWN_THREADS);
    processes.saturating_mul(each)
}

/// Refuses a local `cluster` run at `pool_size` when the machine could not start its threads
/// (`limit`: see [`crate::machine::thread_limit`]); a run across `--hosts` is not checked here.
pub fn check(
    pool_size: usize,
    settings: &ApproachSettings,
    limit: impl FnOnce() -> u64,
) -> Result<(), UsageError> {
    if settings.cluster.hosts.is_some() {
        return Ok(());
    }
    let threads = settings.cluster.threads_per_process.max(1) as u64;
    let processes = (pool_size as u64 / threads).max(1);
    let needed = threads_needed(processes, threads);
    let limit = limit();
    if needed <= limit {
        return Ok(());
    }
    Err(UsageError::bad(
        "--pool-size",
        format!(
            "approach cluster with {pool_size} workers starts {processes} processes that need \
             about {needed} threads at once (each process talks to every other over two \
             threads of its own), but this machine takes at most about {limit} more"
        ),
        "use a smaller --pool-size (--pool-sizes in a sweep), or more --cluster-workers per \
         process so that there are fewer processes",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_too_large_for_the_limit_is_refused_naming_the_pool_size() {
        let settings = ApproachSettings::default();
        // 16 processes of 1 worker: 16 × (1 + 1 + 30 + 2) = 544 threads.
        assert_eq!(threads_needed(16, 1), 544);
        let e = check(16, &settings, || 20).unwrap_err().to_string();
        assert!(
            e.starts_with("--pool-size: approach cluster with 16 workers"),
            "{e}"
        );
        assert!(
            e.contains("about 544 threads") && e.contains("at most about 20"),
            "{e}"
        );
        assert!(check(16, &settings, || 10_000).is_ok());
        // No overflow on absurd sizes.
        assert!(check(usize::MAX, &settings, || u64::MAX - 1).is_err());
    }
}
