//! `command`: each task runs a shell command (`--command CMD`); see [`crate::run::shell`].

use super::{ApproachId, Step, StepType, WorkSpec, Workload};

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
    fn refuses(&self, approach: ApproachId) -> Option<&'static str> {
        match approach {
            ApproachId::ThreadedSequential => Some(
                "it starts a thread only to wait for one command at a time: it is `sequential` \
                 with a thread's cost added",
            ),
            ApproachId::AsyncInline => Some(
                "its event loop would block in each command's wait, so it would run them one \
                 at a time: use async",
            ),
            ApproachId::Process => Some(
                "it would start a worker process only to start the command: two processes per \
                 task; use process-pool",
            ),
            ApproachId::ProcessPoolChunked => Some(
                "handing commands out in chunks measures nothing process-pool does not: use \
                 process-pool",
            ),
            _ => None,
        }
    }
}
