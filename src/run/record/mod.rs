//! What a timed run writes and hands back, below everything that runs tasks.
//!
//! The approaches, the task executor ([`crate::run::exec`]) and the worker processes
//! ([`crate::run::worker`]) all write into a [`recorder::Recorder`] and answer with the plain types
//! here; the scheduler ([`crate::run::bench`]) reads them. Keeping them in a leaf lets each of those
//! depend on this module instead of on one another.

pub mod load;
pub mod measure;
pub mod recorder;

use crate::plan::ideal::WorkCost;
use crate::plan::workload::{Step, StepKind};
use crate::run::record::recorder::TaskEvent;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::plan::workload::WorkSpec;
use recorder::Recorder;

/// Everything an approach needs to run one measured batch of tasks.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// What every task does.
    pub work: WorkSpec,
    /// How many tasks.
    pub tasks: u32,
    /// Workers for the approaches that have a pool.
    pub pool_size: usize,
    /// Tasks per chunk for `process-pool-chunked` (None: Python's `Pool.starmap` default).
    pub chunk_size: Option<u32>,
    /// Where tasks record what happened.
    pub recorder: Arc<Recorder>,
    /// Set when the run must stop.
    pub cancel: Cancel,
    /// The longest one task may run where a task can be abandoned (process approaches).
    pub task_timeout: Option<std::time::Duration>,
    /// How the approaches run: interpreter, cluster layout, worker program, custom work.
    pub settings: crate::plan::settings::ApproachSettings,
}

/// Figures an approach measured itself, beyond what the bench measures around it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Child processes the approach started, with the figures they reported.
    pub children: Vec<ChildFigures>,
    /// CPU time (user, system) that a child reaped during the run had already used before the
    /// timed region began (a Python interpreter's start-up, see
    /// [`crate::run::approach::Approach::prepare`]): the executor takes it off the run's CPU time.
    pub cpu_before_run: Option<(std::time::Duration, std::time::Duration)>,
    /// CPU time (user, system) used for the run by processes that are not parlab's children
    /// (a cluster's processes on other hosts), as they reported it: the executor adds it to
    /// the run's CPU time, which getrusage cannot see.
    pub cpu_elsewhere: Option<(std::time::Duration, std::time::Duration)>,
    /// How many tasks could compute at once and be in flight at once, where the approach knows
    /// better than its pool size and this machine's cores (a cluster across machines, whose
    /// processes have cores of their own).
    pub concurrency: Option<(f64, f64)>,
    /// When the approach's own work began and ended on the recorder's clock, ns, where `run`
    /// also does what is not the approach's (a Python driver reading its request, writing its
    /// report, exiting): the executor takes this span as the run's wall time.
    pub span_ns: Option<(u64, u64)>,
    /// The CPU time (user, system) the approach's processes used over `span_ns`, where the
    /// approach measured it (the Python driver's own reading around its span): the executor
    /// takes it as the run's CPU time, so that wall and CPU cover the same span and parlab's
    /// threads reading the driver's pipes, its start-up and its exit count in neither.
    pub span_cpu: Option<(std::time::Duration, std::time::Duration)>,
}

/// What one child process reported of itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChildFigures {
    /// The worker number the child's tasks are recorded under.
    pub worker: u32,
    /// Its process id.
    pub pid: u32,
    /// Its own peak resident memory, KiB (VmHWM, read by the child).
    pub peak_rss_kib: u64,
    /// How many workers it holds, from `worker` on (a cluster process runs several threads).
    #[serde(default = "one")]
    pub workers: u32,
    /// Its number among the approach's processes, where the approach numbers them (cluster:
    /// parlab is process 0, so its children are 1 and up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<u32>,
    /// The `host:port` it ran on, for a process on another machine (`--hosts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The CPU time it used for the run, user and system, s, as it measured itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<(f64, f64)>,
    /// For a process on another machine: the logical cores it said its host has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// For a process on another machine: its clock minus parlab's, ns, measured at the start
    /// of the run, and the most that measure can be off (half the round trip it came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ns: Option<(i64, u64)>,
}

fn one() -> u32 {
    1
}

impl ChildFigures {
    /// A child holding the one worker `worker`, of which nothing else is known yet.
    pub fn new(worker: u32, pid: u32, peak_rss_kib: u64) -> Self {
        Self {
            worker,
            pid,
            peak_rss_kib,
            workers: 1,
            ..Self::default()
        }
    }

    /// Whether worker `w` is one of this child's.
    pub fn holds(&self, w: u32) -> bool {
        w.checked_sub(self.worker)
            .is_some_and(|d| d < self.workers.max(1))
    }
}

/// Why an approach did not finish its tasks.
#[derive(Debug, thiserror::Error)]
pub enum ApproachError {
    /// The run was cancelled (Ctrl-C, SIGTERM, or a failure elsewhere).
    #[error("interrupted")]
    Cancelled,
    /// Something went wrong; the message says what and what to do.
    #[error("{0}")]
    Failed(String),
}

impl WorkCost {
    /// The cost measured from task events: for each step of each task, the shortest time any
    /// of `runs` took for it (the least contended measurement of that piece of work). Steps no
    /// run recorded cost nothing; a task no run recorded costs its plan's waits.
    pub fn measured<'a>(
        tasks: u32,
        plan: &[Step],
        runs: impl IntoIterator<Item = &'a [TaskEvent]>,
    ) -> Self {
        let n = tasks as usize;
        let mut best: Vec<Option<f64>> = vec![None; n * plan.len()];
        for events in runs {
            for e in events {
                let t = e.task as usize;
                if t >= n || e.steps.len() != plan.len() {
                    continue;
                }
                for (i, s) in e.steps.iter().enumerate() {
                    // A computation's CPU time is its cost with a core to itself; its wall
                    // time also holds any wait for a core (more threads than cores, the GIL,
                    // other programs), which no approach can avoid by being better.
                    let wall = (s.end_s - s.start_s).max(0.0);
                    let d = match (s.kind, s.cpu_s) {
                        (StepKind::Cpu, Some(cpu)) => cpu.max(0.0).min(wall),
                        (StepKind::Cpu, None) | (StepKind::Wait | StepKind::Connect, _) => wall,
                    };
                    let slot = &mut best[t * plan.len() + i];
                    if d.is_finite() && slot.is_none_or(|b| d < b) {
                        *slot = Some(d);
                    }
                }
            }
        }
        let mut cost = Self {
            tasks,
            ..Self::default()
        };
        for t in 0..n {
            let (mut compute, mut wait) = (0.0, 0.0);
            for (i, step) in plan.iter().enumerate() {
                let planned = match step {
                    Step::Wait(ns) => *ns as f64 / 1e9,
                    Step::Connect
                    | Step::Divide { .. }
                    | Step::Request { .. }
                    | Step::Custom
                    | Step::Call(_) => 0.0,
                };
                let d = best[t * plan.len() + i].unwrap_or(planned);
                match step.kind() {
                    StepKind::Cpu => compute += d,
                    // Connecting is waiting (for the kernel's handshake and the server's
                    // accept), not computing.
                    StepKind::Wait | StepKind::Connect => wait += d,
                }
            }
            cost.compute_s += compute;
            cost.wait_s += wait;
            cost.longest_task_s = cost.longest_task_s.max(compute + wait);
        }
        cost
    }
}
