//! `threaded-sequential`: a new thread per task, each joined before the next starts. It shows
//! what starting a thread costs when nothing runs in parallel.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext, join_all, task_result};
use crate::plan::approaches::catalogue::THREADED_SEQUENTIAL as INFO;
use crate::run::exec;

/// Spawns a thread for each task and joins it before spawning the next.
pub struct ThreadedSequential;

impl Approach for ThreadedSequential {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        for task in 0..ctx.tasks {
            let (rec, cancel, work) = (ctx.recorder.clone(), ctx.cancel.clone(), ctx.work);
            let handle = std::thread::Builder::new()
                .name(format!("task-{task}"))
                .spawn(move || exec::run_blocking(&rec, &cancel, &work, task))
                .map_err(|e| {
                    ApproachError::Failed(format!(
                        "approach {}: could not start a thread for task {task}: {e}",
                        INFO.id
                    ))
                })?;
            for r in join_all(INFO.id, vec![handle])? {
                task_result(r)?;
            }
        }
        Ok(Outcome::default())
    }
}
