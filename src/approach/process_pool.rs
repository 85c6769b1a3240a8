//! `process-pool`: `--pool-size` persistent worker processes, each handed the next task as soon
//! as it reports the last one finished (Python's `ProcessPoolExecutor.submit`). Every task costs
//! a round trip over the pipes, which is what `--workload noop` shows.

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};
use crate::worker::parent::{self, Dispatch};

/// Persistent workers, one task at a time each.
pub struct ProcessPool;

static INFO: ApproachInfo = ApproachInfo {
    id: "process-pool",
    summary: "--pool-size worker processes, each handed one task at a time as it becomes free",
    python: "ProcessPoolExecutor",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "ProcessPoolExecutor",
        order: 7,
        plain: "worker processes, each handed one task at a time",
    },
};

impl Approach for ProcessPool {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let dispatch = Dispatch::Pool {
            workers: ctx.pool_size,
            chunk: 1,
        };
        parent::run(INFO.id, ctx, dispatch)
    }
}
