//! `threads`: a new OS thread per task, all started, then all joined. In Rust there is no GIL,
//! so this runs CPU work in parallel; its cost is a thread (stack, kernel task) per task.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext, join_all, task_result};
use crate::plan::approaches::catalogue::THREADS as INFO;
use crate::run::exec;

/// Spawns every task's thread, then joins them all.
pub struct Threads;

/// Stack size of a task thread (declared where the plan checks that the stacks fit).
const STACK_BYTES: usize = crate::plan::approaches::stacks::TASK_THREAD;

impl Approach for Threads {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let mut handles = Vec::with_capacity(ctx.tasks as usize);
        for task in 0..ctx.tasks {
            let (rec, cancel, work) = (ctx.recorder.clone(), ctx.cancel.clone(), ctx.work);
            let spawned = std::thread::Builder::new()
                .stack_size(STACK_BYTES)
                .spawn(move || exec::run_blocking(&rec, &cancel, &work, task));
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // Stop the threads already running, wait for them, and say why.
                    ctx.cancel.fail();
                    let _ = join_all(INFO.id, handles);
                    return Err(ApproachError::Failed(format!(
                        "approach threads: could not start thread {} of {}: {e}; \
                         use fewer --tasks or a pooled approach (thread-pool, rayon, async), \
                         or raise the limits (ulimit -u, ulimit -v)",
                        task + 1,
                        ctx.tasks
                    )));
                }
            }
        }
        for r in join_all(INFO.id, handles)? {
            task_result(r)?;
        }
        Ok(Outcome::default())
    }
}
