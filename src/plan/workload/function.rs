//! `function`: each task calls a library user's own function ([`crate::lab`]); not offered on
//! the command line, where there is no function to call.

use super::{Step, StepType, WorkSpec, Workload};

/// One call of the user's function per task, verified by the user's check.
pub struct Function;

impl Workload for Function {
    fn id(&self) -> &'static str {
        "function"
    }
    fn summary(&self) -> &'static str {
        "your own function, through parlab as a library (parlab::lab)"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Custom]
    }
    fn plan(&self, _work: &WorkSpec) -> Vec<Step> {
        vec![Step::Custom]
    }
    fn computes(&self) -> bool {
        false
    }
    fn waits(&self) -> bool {
        false
    }
    fn title(&self, _number: u64, _io_wait: &str) -> String {
        "function: your own function per task".to_string()
    }
}
