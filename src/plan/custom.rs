//! Work that parlab does not know in advance: a shell command per task (`--command`) or a
//! library user's own function ([`crate::lab`]).
//!
//! A task's plan must stay plain, copyable data (a worker process is handed it over a pipe), so
//! such a task's plan is one [`crate::plan::workload::Step::Custom`] step, and what that step does is
//! the run's [`TaskRunner`]: it travels in the run's settings
//! ([`crate::plan::settings::ApproachSettings::custom`], set by the configuration or by a
//! [`crate::lab::Lab`]) into the run's recorder, where [`crate::run::exec`] finds it for every task.
//! A worker process gets it from its environment (a `--command`) or from the library user's
//! program that serves it ([`crate::lab::Lab::serve_worker_if_asked`]).

use std::future::Future;
use std::pin::Pin;

use crate::cancel::Cancel;

/// What one custom task did, when it did it right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskDone {
    /// The peak resident memory of the process(es) the task started, KiB (0: none started).
    pub child_peak_rss_kib: u64,
}

/// How one custom task ends: done, or a message saying what went wrong (it names the task).
pub type TaskResult = Result<TaskDone, String>;

/// A future of a [`TaskResult`], for runners that can wait without a thread.
pub type TaskFuture<'a> = Pin<Box<dyn Future<Output = TaskResult> + Send + 'a>>;

/// Runs one custom task; the same runner serves every task of a run.
pub trait TaskRunner: Send + Sync {
    /// Runs task `task` to its end on the calling thread. Long tasks should look at `cancel`
    /// and stop early when it is set (the message then says so).
    fn run(&self, task: u32, cancel: &Cancel) -> TaskResult;

    /// Runs it as a future that waits without holding a thread, when the runner can (a child
    /// process can be awaited); None when it cannot, and an async approach then places
    /// [`TaskRunner::run`] as it places computation.
    fn run_async<'a>(&'a self, _task: u32, _cancel: &'a Cancel) -> Option<TaskFuture<'a>> {
        None
    }
}

/// The message of a custom step run with no custom work given (a bug in the caller, not the user).
pub fn missing(task: u32) -> String {
    format!("task {task}: no custom work is given to this run")
}
