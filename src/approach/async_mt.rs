//! `async-mt`: tokio's multi-threaded runtime with `--pool-size` workers, one tokio task per
//! unit of work; computation runs on the worker that polls the task.

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};
use crate::error::UsageError;
use crate::exec::CpuPlacement;
use crate::settings::ApproachSettings;

/// A multi-threaded runtime of `--pool-size` workers.
pub struct AsyncMt;

static INFO: ApproachInfo = ApproachInfo {
    id: "async-mt",
    summary: "tokio multi-threaded runtime with --pool-size workers, one task per unit of work",
    python: "(none)",
    family: Family::Async,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Tokio multi-threaded",
        order: 11,
        plain: "an event loop running on several threads",
    },
};

impl Approach for AsyncMt {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn check(&self, _tasks: u32, pool_size: usize, _: &ApproachSettings) -> Result<(), UsageError> {
        // Its workers, and the thread that drives the runtime.
        super::room::check_pool(INFO.id, pool_size + 1)
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        // tokio panics, then hangs in its drop, when the system refuses a worker thread.
        super::room::probe(INFO.id, ctx.pool_size)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(ctx.pool_size)
            .enable_all()
            .build()
            .map_err(|e| super::runtime_error(INFO.id, e))?;
        super::async_inline::spawn_all_and_wait(&runtime, ctx, CpuPlacement::Inline)
    }
}
