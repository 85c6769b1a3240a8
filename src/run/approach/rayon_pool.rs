//! `rayon`: rayon's work-stealing pool, the idiomatic Rust answer to data parallelism.

use crate::plan::approaches::catalogue::RAYON as INFO;
use rayon::prelude::*;

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::run::exec;

/// A rayon pool of `--pool-size` threads, built for the run, over a parallel iterator of tasks.
pub struct Rayon;

impl Approach for Rayon {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        // A pool of its own (not the global one) so the pool size is the user's and its start-up
        // is measured like every other approach's.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(ctx.pool_size)
            .thread_name(|i| format!("rayon-{i}"))
            .stack_size(crate::plan::approaches::stacks::POOL_THREAD)
            .build()
            .map_err(|e| {
                ApproachError::Failed(format!(
                    "approach rayon: could not start its pool of {} threads: {e}; use a \
                     smaller --pool-size or raise the limits (ulimit -u, ulimit -v)",
                    ctx.pool_size
                ))
            })?;
        let result = pool.install(|| {
            (0..ctx.tasks)
                .into_par_iter()
                .with_max_len(1)
                .try_for_each(|task| {
                    exec::run_blocking(&ctx.recorder, &ctx.cancel, &ctx.work, task).map(|_| ())
                })
        });
        result.map_err(|_| ApproachError::Cancelled)?;
        Ok(Outcome::default())
    }
}
