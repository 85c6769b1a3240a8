//! `process-pool`: `--pool-size` persistent worker processes, each handed the next task as soon
//! as it reports the last one finished (Python's `ProcessPoolExecutor.submit`). Every task costs
//! a round trip over the pipes, which is what `--workload noop` shows.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::PROCESS_POOL as INFO;
use crate::run::worker::parent::{self, Dispatch};

/// Persistent workers, one task at a time each.
pub struct ProcessPool;

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
