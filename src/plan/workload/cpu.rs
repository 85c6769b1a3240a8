//! `cpu`: the seed tool's work, a trial-division primality test of the number.

use super::{Step, StepType, WorkSpec, Workload, divide_steps};

/// Trial division of the number by every integer from 2 to its square root.
pub struct Cpu;

impl Workload for Cpu {
    fn id(&self) -> &'static str {
        "cpu"
    }
    fn summary(&self) -> &'static str {
        "trial-division primality test of --number"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Divide]
    }
    fn plan(&self, work: &WorkSpec) -> Vec<Step> {
        divide_steps(work.number, &[])
    }
    fn computes(&self) -> bool {
        true
    }
    fn waits(&self) -> bool {
        false
    }
    fn title(&self, number: u64, _io_wait: &str) -> String {
        format!("cpu: is {number} prime?")
    }
}
