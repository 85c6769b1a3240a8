//! `async`: tokio's single-threaded runtime, as asyncio runs: waits are awaited on the event
//! loop, and CPU work is handed to the blocking pool (asyncio's `run_in_executor`).

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::ASYNC as INFO;
use crate::run::exec::CpuPlacement;

/// A current-thread runtime; computation on a blocking pool of `--pool-size` threads.
pub struct Async;

impl Approach for Async {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(ctx.pool_size)
            .build()
            .map_err(|e| super::runtime_error(INFO.id, e))?;
        super::async_inline::spawn_all_and_wait(&runtime, ctx, CpuPlacement::BlockingPool)
    }
}
