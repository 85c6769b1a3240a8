//! `noop`: a task that does nothing, so what is measured is the approach's own cost per task.

use super::{Step, WorkSpec, Workload};

/// No steps at all.
pub struct Noop;

impl Workload for Noop {
    fn id(&self) -> &'static str {
        "noop"
    }
    fn summary(&self) -> &'static str {
        "nothing: what is left is the approach's own cost per task"
    }
    fn plan(&self, _work: &WorkSpec) -> Vec<Step> {
        Vec::new()
    }
    fn answers_primality(&self) -> bool {
        false
    }
}
