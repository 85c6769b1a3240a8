//! `process`: a new child process per task, all started, then all waited for (Python's
//! `multiprocessing.Process` per task). Each child is parlab itself, run as a worker; the cost
//! this shows is a process start (exec, a fresh address space, a pipe) for every task.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::PROCESS as INFO;
use crate::run::worker::parent::{self, Dispatch};

/// Starts a worker process for every task, then waits for them all.
pub struct Process;

impl Approach for Process {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        parent::run(INFO.id, ctx, Dispatch::PerTask)
    }
}
