//! `thread-pool`: a fixed number of threads pulling tasks from one shared queue, written plainly
//! as the teaching example (Python's ThreadPoolExecutor).

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext, join_all, task_result};
use crate::plan::approaches::catalogue::THREAD_POOL as INFO;
use crate::run::exec;

/// `--pool-size` threads, one shared queue of task indices.
pub struct ThreadPool;

impl Approach for ThreadPool {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        // The queue: every task index is sent up front, then the sender is dropped so that each
        // worker's loop ends when the queue is empty.
        let (tx, rx) = crossbeam_channel::unbounded::<u32>();
        for task in 0..ctx.tasks {
            tx.send(task).expect("the receiver is alive");
        }
        drop(tx);

        let mut workers = Vec::with_capacity(ctx.pool_size);
        for w in 0..ctx.pool_size {
            let (rx, rec, cancel, work) = (
                rx.clone(),
                ctx.recorder.clone(),
                ctx.cancel.clone(),
                ctx.work,
            );
            let spawned = std::thread::Builder::new()
                .name(format!("pool-{w}"))
                .stack_size(crate::plan::approaches::stacks::POOL_THREAD)
                .spawn(move || {
                    for task in rx.iter() {
                        exec::run_blocking(&rec, &cancel, &work, task)?;
                    }
                    Ok(())
                });
            match spawned {
                Ok(h) => workers.push(h),
                Err(e) => {
                    ctx.cancel.fail();
                    let _ = join_all(INFO.id, workers);
                    return Err(ApproachError::Failed(format!(
                        "approach thread-pool: could not start worker {w}: {e}; use a smaller \
                         --pool-size or raise the limits (ulimit -u, ulimit -v)"
                    )));
                }
            }
        }
        for r in join_all(INFO.id, workers)? {
            task_result(r.map(|()| crate::plan::workload::Answer::Done))?;
        }
        Ok(Outcome::default())
    }
}
