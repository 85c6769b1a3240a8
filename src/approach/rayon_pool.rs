//! `rayon`: rayon's work-stealing pool, the idiomatic Rust answer to data parallelism.

use rayon::prelude::*;

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};
use crate::exec;

/// A rayon pool of `--pool-size` threads, built for the run, over a parallel iterator of tasks.
pub struct Rayon;

static INFO: ApproachInfo = ApproachInfo {
    id: "rayon",
    summary: "rayon's work-stealing pool of --pool-size threads, one item per task",
    python: "(none)",
    family: Family::Thread,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Rayon",
        order: 9,
        plain: "a pool of threads that steal work from each other",
    },
};

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
            .build()
            .map_err(|e| {
                ApproachError::Failed(format!("approach rayon: could not start its pool: {e}"))
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
