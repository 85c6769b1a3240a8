//! `process`: a new child process per task, all started, then all waited for (Python's
//! `multiprocessing.Process` per task). Each child is parlab itself, run as a worker; the cost
//! this shows is a process start (exec, a fresh address space, a pipe) for every task.

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};
use crate::error::UsageError;
use crate::settings::ApproachSettings;
use crate::worker::parent::{self, Dispatch};

/// Starts a worker process for every task, then waits for them all.
pub struct Process;

static INFO: ApproachInfo = ApproachInfo {
    id: "process",
    summary: "a new child process per task (parlab itself), all started, then all waited for",
    python: "Multiprocessing (a Process per task)",
    family: Family::Process,
    pooled: false,
    cpu_width: Width::Tasks,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Multiprocessing",
        order: 5,
        plain: "a new worker process per task, all running at once",
    },
};

impl Approach for Process {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn check(&self, tasks: u32, _pool_size: usize, _: &ApproachSettings) -> Result<(), UsageError> {
        let limit = parent::process_limit();
        if tasks as u64 > limit {
            return Err(UsageError::bad(
                "--tasks",
                format!(
                    "{tasks} tasks need {tasks} child processes at once with approach process, \
                     but this machine takes at most about {limit}"
                ),
                "use fewer --tasks or a pooled approach (process-pool, process-pool-chunked)",
            ));
        }
        Ok(())
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        parent::run(INFO.id, ctx, Dispatch::PerTask)
    }
}
