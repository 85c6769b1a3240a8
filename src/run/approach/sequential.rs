//! `sequential`: one task after another on the calling thread, the baseline every speedup is
//! measured against.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext, task_result};
use crate::plan::approaches::catalogue::SEQUENTIAL as INFO;
use crate::run::exec;

/// Runs every task on the calling thread, in order.
pub struct Sequential;

impl Approach for Sequential {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        for task in 0..ctx.tasks {
            task_result(exec::run_blocking(
                &ctx.recorder,
                &ctx.cancel,
                &ctx.work,
                task,
            ))?;
        }
        Ok(Outcome::default())
    }
}
