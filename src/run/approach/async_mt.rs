//! `async-mt`: tokio's multi-threaded runtime with `--pool-size` workers, one tokio task per
//! unit of work; computation runs on the worker that polls the task.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::ASYNC_MT as INFO;
use crate::run::exec::CpuPlacement;

/// A multi-threaded runtime of `--pool-size` workers.
pub struct AsyncMt;

impl Approach for AsyncMt {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        // tokio panics, then hangs in its drop, when the system refuses a worker thread.
        super::room::probe(INFO.id, ctx.pool_size)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(ctx.pool_size)
            .thread_stack_size(super::room::RUNTIME_STACK)
            .enable_all()
            .build()
            .map_err(|e| super::runtime_error(INFO.id, e))?;
        super::async_inline::spawn_all_and_wait(&runtime, ctx, CpuPlacement::Inline)
    }
}
