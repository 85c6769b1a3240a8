//! `io`: a task that only waits, the way a network call waits.

use super::{Step, StepType, WorkSpec, Workload};

/// One wait of `--io-wait`.
pub struct Io;

impl Workload for Io {
    fn id(&self) -> &'static str {
        "io"
    }
    fn summary(&self) -> &'static str {
        "waits --io-wait, like a network call"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Wait]
    }
    fn plan(&self, work: &WorkSpec) -> Vec<Step> {
        vec![Step::Wait(work.io_wait_ns)]
    }
    fn computes(&self) -> bool {
        false
    }
    fn waits(&self) -> bool {
        true
    }
    fn title(&self, _number: u64, io_wait: &str) -> String {
        format!("io: a wait of {io_wait}")
    }
}
