//! `command`: each task runs a shell command (`--command CMD`); see [`crate::run::shell`].

use super::{Step, StepType, WorkSpec, Workload};

/// One `sh -c CMD` per task, verified by its exit status 0.
pub struct Command;

impl Workload for Command {
    fn id(&self) -> &'static str {
        "command"
    }
    fn summary(&self) -> &'static str {
        "runs --command CMD through sh -c, {task} replaced by the task's index"
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
        "command: a shell command per task".to_string()
    }
    fn runs_commands(&self) -> bool {
        true
    }
}
