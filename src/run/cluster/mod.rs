//! The `cluster` approach's machinery: the same tasks spread over the workers of several
//! processes by timely-dataflow (crate `timely`), connected over TCP.
//!
//! Every connection between a run's processes opens with a challenge–response on the run's
//! secret (see [`auth`]), and every line read off one is bounded (see `wire`).
//!
//! `flow` is the dataflow every worker builds (tasks in at parlab's first worker, exchanged on
//! the task index, run with [`crate::run::exec`], their records exchanged back to that worker),
//! [`child`] the hidden `parlab cluster-worker` process, and [`parent`] parlab's side: free
//! ports, starting the other processes, watching them, and killing and reaping every one on
//! every path out of a run.
//!
//! # Numbering
//!
//! parlab itself is *cluster process 0* and its workers are workers `0..W`; the processes it
//! starts are cluster processes `1..N`. In timely's numbering parlab is the *last* process, so
//! that it only connects to the others (see `mesh`) and never waits to be connected to.
//! [`Layout`] converts between the two numberings.

use std::sync::atomic::{AtomicI64, Ordering};

mod admit;
pub mod auth;
pub mod child;
mod clock;
mod flow;
pub(crate) use crate::plan::hosts;
pub mod join;
mod mesh;
pub mod parent;
pub mod remote;
mod watch;
mod wire;

use serde::{Deserialize, Serialize};

use crate::plan::workload::{Answer, WorkSpec};

/// Everything a cluster process needs to take part in one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// What every task does.
    pub work: WorkSpec,
    /// How many tasks the run has.
    pub tasks: u32,
    /// The processes and workers.
    pub layout: Layout,
    /// The run's origin on this process's clock (`CLOCK_MONOTONIC`, ns; see [`clock_ns`]):
    /// every process records on parlab's clock. For a process on another host it is parlab's
    /// origin plus that host's measured clock offset (see `clock`).
    pub origin_ns: i64,
}

/// A test hook's shift of this process's clock, ns (see [`clock_ns`]).
static SKEW_NS: AtomicI64 = AtomicI64::new(0);

/// The environment variable that shifts a joined process's clock by that many ns: a test
/// hook standing in for another machine's clock, which never agrees with parlab's (only with
/// the `test-hooks` feature).
#[cfg(feature = "test-hooks")]
pub const SKEW_ENV: &str = "PARLAB_CLUSTER_CLOCK_SKEW_NS";

/// Which machine this is, as the kernel names this boot of it (`boot_id`), or None: processes
/// on one machine share its cores.
pub(crate) fn machine_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
}

/// Without the `test-hooks` feature, no clock is ever shifted.
#[cfg(not(feature = "test-hooks"))]
pub(crate) fn skew_from_env() -> Result<(), String> {
    Ok(())
}

/// Reads `SKEW_ENV`, if set, into this process's clock.
#[cfg(feature = "test-hooks")]
pub(crate) fn skew_from_env() -> Result<(), String> {
    match std::env::var(SKEW_ENV) {
        Ok(v) => {
            let ns: i64 = v
                .trim()
                .parse()
                .map_err(|_| format!("{SKEW_ENV}={v}: not a whole number of ns (a test hook)"))?;
            SKEW_NS.store(ns, Ordering::Relaxed);
            Ok(())
        }
        Err(_) => Ok(()),
    }
}

/// This process's clock for cluster runs: `CLOCK_MONOTONIC`, ns, shifted by the test hook
/// `SKEW_ENV` in a joined process.
pub fn clock_ns() -> i64 {
    crate::run::worker::mono_now_ns() as i64 + SKEW_NS.load(Ordering::Relaxed)
}

/// How many processes, and worker threads in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Cluster processes, parlab included.
    pub processes: usize,
    /// Worker threads in every process.
    pub threads: usize,
}

impl Layout {
    /// Every worker of every process.
    pub fn workers(self) -> usize {
        self.processes * self.threads
    }

    /// Timely's index of the worker that feeds the tasks in and records the results: parlab's
    /// first worker.
    pub fn feeder(self) -> usize {
        (self.processes - 1) * self.threads
    }

    /// The cluster process (parlab is 0) of timely's process `timely_process`.
    pub fn process_of_timely(self, timely_process: usize) -> usize {
        (timely_process + 1) % self.processes
    }

    /// The worker number parlab records for timely's worker `w` (parlab's own are `0..W`).
    pub fn worker_of_timely(self, w: usize) -> u32 {
        let process = self.process_of_timely(w / self.threads);
        (process * self.threads + w % self.threads) as u32
    }

    /// The cluster process that runs `task` (the exchange sends it to worker `task % workers`).
    pub fn process_of_task(self, task: u32) -> usize {
        self.process_of_timely(task as usize % self.workers() / self.threads)
    }
}

/// What a worker sends back for one task it ran, on parlab's clock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    /// The task.
    pub task: u32,
    /// The worker, as parlab numbers them.
    pub worker: u32,
    /// When it started, ns since the run's origin.
    pub start_ns: u64,
    /// When it ended.
    pub end_ns: u64,
    /// Its answer; None if it was cancelled.
    pub answer: Option<Answer>,
    /// Every step that ran: (step, start_ns, end_ns, its thread's CPU time in ns if computed).
    pub steps: Vec<(u32, u64, u64, Option<u64>)>,
    /// The first problem its custom work reported.
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parlab_is_process_0_and_owns_workers_0_to_w() {
        let l = Layout {
            processes: 3,
            threads: 2,
        };
        assert_eq!(l.workers(), 6);
        // Timely's process 2 (the last) is parlab.
        assert_eq!(l.feeder(), 4);
        assert_eq!(l.worker_of_timely(4), 0);
        assert_eq!(l.worker_of_timely(5), 1);
        assert_eq!(l.worker_of_timely(0), 2);
        assert_eq!(l.worker_of_timely(3), 5);
        assert_eq!(l.process_of_timely(2), 0);
        assert_eq!(l.process_of_timely(0), 1);
        // Task 4 goes to timely worker 4: parlab's.
        assert_eq!(l.process_of_task(4), 0);
        assert_eq!(l.process_of_task(7), 1);
    }
}
