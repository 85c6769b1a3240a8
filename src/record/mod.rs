//! What a timed run writes and hands back, below everything that runs tasks.
//!
//! The approaches, the task executor ([`crate::exec`]) and the worker processes
//! ([`crate::worker`]) all write into a [`recorder::Recorder`] and answer with the plain types
//! here; the scheduler ([`crate::bench`]) reads them. Keeping them in a leaf lets each of those
//! depend on this module instead of on one another.

pub mod measure;
pub mod recorder;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::workload::WorkSpec;
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
}

/// Figures an approach measured itself, beyond what the bench measures around it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Child processes the approach started, with the figures they reported.
    pub children: Vec<ChildFigures>,
    /// CPU time (user, system) that a child reaped during the run had already used before the
    /// timed region began (a Python interpreter's start-up, see
    /// [`crate::approach::Approach::prepare`]): the executor takes it off the run's CPU time.
    pub cpu_before_run: Option<(std::time::Duration, std::time::Duration)>,
}

/// What one child process reported of itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildFigures {
    /// The worker number the child's tasks are recorded under.
    pub worker: u32,
    /// Its process id.
    pub pid: u32,
    /// Its own peak resident memory, KiB (VmHWM, read by the child).
    pub peak_rss_kib: u64,
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
