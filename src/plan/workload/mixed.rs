//! `mixed`: the seed tool's I/O simulation, waits around and inside the trial division.

use super::{Step, StepType, WorkSpec, Workload, divide_steps};

/// A wait before the loop, at one third, at one half and after it.
pub struct Mixed;

impl Workload for Mixed {
    fn id(&self) -> &'static str {
        "mixed"
    }
    fn summary(&self) -> &'static str {
        "the cpu test with a wait before it, at 1/3, at 1/2 and after it"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Wait, StepType::Divide]
    }
    fn plan(&self, work: &WorkSpec) -> Vec<Step> {
        let wait = Step::Wait(work.io_wait_ns);
        let mut steps = vec![wait];
        for part in divide_steps(work.number, &[(1, 3), (1, 2)]) {
            steps.push(part);
            steps.push(wait);
        }
        // A number too small to split still gets all four waits.
        while steps.iter().filter(|s| matches!(s, Step::Wait(_))).count() < 4 {
            steps.push(wait);
        }
        steps
    }
    fn computes(&self) -> bool {
        true
    }
    fn waits(&self) -> bool {
        true
    }
    fn title(&self, number: u64, io_wait: &str) -> String {
        format!("mixed: is {number} prime?, 4 waits of {io_wait}")
    }
}
