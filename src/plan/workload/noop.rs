//! `noop`: a task that does nothing, so what is measured is the approach's own cost per task.

use super::{Step, StepType, WorkSpec, Workload};

/// No steps at all.
pub struct Noop;

impl Workload for Noop {
    fn id(&self) -> &'static str {
        "noop"
    }
    fn summary(&self) -> &'static str {
        "nothing: what is left is the approach's own cost per task"
    }
    fn steps(&self) -> &'static [StepType] {
        &[]
    }
    fn plan(&self, _work: &WorkSpec) -> Vec<Step> {
        Vec::new()
    }
    fn computes(&self) -> bool {
        false
    }
    fn waits(&self) -> bool {
        false
    }
    fn measures_overhead(&self) -> bool {
        true
    }
    fn title(&self, _number: u64, _io_wait: &str) -> String {
        "noop: nothing".to_string()
    }
}
