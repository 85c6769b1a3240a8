//! `sequential`: one task after another on the calling thread, the baseline every speedup is
//! measured against.

use super::{
    Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width,
    task_result,
};
use crate::exec;

/// Runs every task on the calling thread, in order.
pub struct Sequential;

static INFO: ApproachInfo = ApproachInfo {
    id: "sequential",
    summary: "one task after another on the calling thread (the baseline)",
    python: "the demos' no_... baselines",
    family: Family::Sequential,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::One,
    menu: MenuEntry {
        name: "Sequential",
        order: 8,
        plain: "one task after another: the baseline",
    },
};

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
