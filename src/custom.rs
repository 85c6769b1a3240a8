//! Work that parlab does not know in advance: a shell command per task (`--command`) or a
//! library user's own function ([`crate::lab`]).
//!
//! A task's plan must stay plain, copyable data (a worker process is handed it over a pipe), so
//! such a task's plan is one [`crate::workload::Step::Custom`] step, and what that step does is
//! the [`TaskRunner`] installed here for the whole process with [`install`]. The runner is set
//! once before a run (by the configuration, by a [`crate::lab::Lab`], or in a worker process
//! from its environment, see [`worker_env`]) and read by [`crate::exec`] for every task.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

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

/// The runner installed for this process, and the environment its workers need.
struct Installed {
    runner: Arc<dyn TaskRunner>,
    env: Vec<(String, String)>,
}

static INSTALLED: RwLock<Option<Installed>> = RwLock::new(None);

/// Makes `runner` the one that runs custom steps in this process; a worker process started for
/// the process approaches gets `env` in its environment so that it can install the same work.
pub fn install(runner: Arc<dyn TaskRunner>, env: Vec<(String, String)>) {
    let mut slot = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    *slot = Some(Installed { runner, env });
}

/// The installed runner, if any.
pub fn runner() -> Option<Arc<dyn TaskRunner>> {
    let slot = INSTALLED.read().unwrap_or_else(|e| e.into_inner());
    slot.as_ref().map(|i| Arc::clone(&i.runner))
}

/// The environment a worker process needs to install the same runner (empty when none is).
pub fn worker_env() -> Vec<(String, String)> {
    let slot = INSTALLED.read().unwrap_or_else(|e| e.into_inner());
    slot.as_ref().map(|i| i.env.clone()).unwrap_or_default()
}

/// The message of a custom step run with nothing installed (a bug in the caller, not the user).
pub fn missing(task: u32) -> String {
    format!("task {task}: no custom work is installed in this process")
}
