//! The approaches as data: what each one is and what it needs, declared once and read by the
//! plan's checks, the judge and the pictures. [`catalogue`] holds every entry; the code that
//! runs each approach lives in [`crate::run::approach`].

pub mod catalogue;
pub mod stacks;

use serde::{Deserialize, Serialize};

use crate::error::UsageError;
use crate::plan::settings::ApproachSettings;
use crate::plan::workload::{StepType, WorkloadKind};

/// Which approach, as a value: the typed way to name one (the CLI's ids parse to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApproachId {
    /// `sequential`.
    Sequential,
    /// `threaded-sequential`.
    ThreadedSequential,
    /// `threads`.
    Threads,
    /// `thread-pool`.
    ThreadPool,
    /// `rayon`.
    Rayon,
    /// `async`.
    Async,
    /// `async-inline`.
    AsyncInline,
    /// `async-mt`.
    AsyncMt,
    /// `process`.
    Process,
    /// `process-pool`.
    ProcessPool,
    /// `process-pool-chunked`.
    ProcessPoolChunked,
    /// `cluster`.
    Cluster,
    /// `py-sequential`.
    PySequential,
    /// `py-threads`.
    PyThreads,
    /// `py-thread-pool`.
    PyThreadPool,
    /// `py-asyncio`.
    PyAsyncio,
    /// `py-process`.
    PyProcess,
    /// `py-process-pool`.
    PyProcessPool,
    /// `py-pool`.
    PyPool,
}

impl ApproachId {
    /// What describes it.
    pub fn info(self) -> &'static ApproachInfo {
        match self {
            Self::Sequential => &catalogue::SEQUENTIAL,
            Self::ThreadedSequential => &catalogue::THREADED_SEQUENTIAL,
            Self::Threads => &catalogue::THREADS,
            Self::ThreadPool => &catalogue::THREAD_POOL,
            Self::Rayon => &catalogue::RAYON,
            Self::Async => &catalogue::ASYNC,
            Self::AsyncInline => &catalogue::ASYNC_INLINE,
            Self::AsyncMt => &catalogue::ASYNC_MT,
            Self::Process => &catalogue::PROCESS,
            Self::ProcessPool => &catalogue::PROCESS_POOL,
            Self::ProcessPoolChunked => &catalogue::PROCESS_POOL_CHUNKED,
            Self::Cluster => &catalogue::CLUSTER,
            Self::PySequential => &catalogue::PY_SEQUENTIAL,
            Self::PyThreads => &catalogue::PY_THREADS,
            Self::PyThreadPool => &catalogue::PY_THREAD_POOL,
            Self::PyAsyncio => &catalogue::PY_ASYNCIO,
            Self::PyProcess => &catalogue::PY_PROCESS,
            Self::PyProcessPool => &catalogue::PY_PROCESS_POOL,
            Self::PyPool => &catalogue::PY_POOL,
        }
    }

    /// The id the CLI uses (`thread-pool`).
    pub fn as_str(self) -> &'static str {
        self.info().id
    }

    /// The approach the CLI id `id` names, if any.
    pub fn parse(id: &str) -> Option<Self> {
        find(id).map(|a| a.key)
    }
}

impl std::fmt::Display for ApproachId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Looks an approach up by the id the CLI uses.
pub fn find(id: &str) -> Option<&'static ApproachInfo> {
    catalogue::ALL.iter().copied().find(|a| a.id == id)
}

/// Every valid approach id, comma-separated (for error messages).
pub fn valid_ids() -> String {
    catalogue::ALL
        .iter()
        .map(|a| a.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `info` is one of the Python approaches (they run in CPython).
pub fn is_python(info: &ApproachInfo) -> bool {
    info.runs.language == Language::Python
}

/// The language an approach's tasks run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// In parlab itself.
    Rust,
    /// In CPython, through the driver script ([`crate::run::approach::python`]).
    Python,
}

/// What an approach can run: its language and the kinds of step its runner knows.
#[derive(Debug, Clone, Copy)]
pub struct Runs {
    /// Where its tasks run.
    pub language: Language,
    /// The kinds of [`crate::plan::workload::Step`] it runs.
    pub steps: &'static [StepType],
    /// Why it refuses work with any other kind of step.
    pub other_steps: &'static str,
}

impl Runs {
    /// parlab's own runners: every kind of step but a Python call.
    pub const RUST: Runs = Runs {
        language: Language::Rust,
        steps: &[
            StepType::Wait,
            StepType::Divide,
            StepType::Connect,
            StepType::Request,
            StepType::Custom,
        ],
        other_steps: "parlab's own approaches do not call Python functions: --py-func runs \
                      under the py-* approaches (--approach python)",
    };

    /// The Python driver: trial division, waits and calls of the user's Python function.
    pub const PYTHON: Runs = Runs {
        language: Language::Python,
        steps: &[StepType::Wait, StepType::Divide, StepType::Call],
        other_steps: "the Python driver runs only trial division, waits and your Python \
                      function (cpu, io, mixed, noop, --py-func); use the Rust approaches",
    };
}

/// Why `info` cannot run `workload`, if it cannot: a kind of step it does not run, or the
/// workload's own refusal. The one place that decides which approach runs which work.
pub fn refusal(info: &ApproachInfo, workload: WorkloadKind) -> Option<&'static str> {
    let w = workload.workload();
    if w.steps().iter().any(|s| !info.runs.steps.contains(s)) {
        return Some(info.runs.other_steps);
    }
    if w.runs_commands() {
        return refuses_commands(info.key);
    }
    None
}

/// Why approach `key` does not run a shell command per task, if it does not: each of these
/// would only add a cost around the command that another approach shows without it.
fn refuses_commands(key: ApproachId) -> Option<&'static str> {
    match key {
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

/// The family an approach belongs to (charts colour by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Family {
    /// One thing at a time on the calling thread.
    Sequential,
    /// OS threads in this process.
    Thread,
    /// An async runtime.
    Async,
    /// Child processes.
    Process,
}

/// How many tasks an approach can run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// One at a time.
    One,
    /// As many as `--pool-size`.
    Pool,
    /// Every task at once.
    Tasks,
}

impl Width {
    /// The number of tasks that can run at once.
    pub fn resolve(self, pool_size: usize, tasks: usize) -> usize {
        match self {
            Width::One => 1,
            Width::Pool => pool_size.min(tasks),
            Width::Tasks => tasks,
        }
        .max(1)
    }
}

/// What describes an approach, apart from how it runs.
#[derive(Debug, Clone, Copy)]
pub struct ApproachInfo {
    /// Which approach it is, as a value.
    pub key: ApproachId,
    /// The id the CLI uses.
    pub id: &'static str,
    /// One line: what it does.
    pub summary: &'static str,
    /// The Python counterpart, as the seed tool named it.
    pub python: &'static str,
    /// The family it belongs to.
    pub family: Family,
    /// Whether `--pool-size` applies to it.
    pub pooled: bool,
    /// How many stretches of computation can run at once.
    pub cpu_width: Width,
    /// How many waits can be under way at once.
    pub wait_width: Width,
    /// How the interactive menu offers it (every approach is offered).
    pub menu: MenuEntry,
    /// What it needs of the machine beyond its tasks, checked before anything runs.
    pub needs: Needs,
    /// What it can run: its language and the kinds of step it knows.
    pub runs: Runs,
}

/// An approach's entry in the interactive menu.
#[derive(Debug, Clone, Copy)]
pub struct MenuEntry {
    /// The name shown first: the seed Python tool's menu name where it has one, else a plain
    /// name for the Rust-only approaches.
    pub name: &'static str,
    /// Its place in the menu, smallest first: the seed tool's seven in its order, then the rest.
    pub order: u8,
    /// What it does, in plain words for someone who has read no flag or source.
    pub plain: &'static str,
}

/// What an approach needs of the machine beyond its tasks: read by [`check_room`], the one place
/// that checks it, before anything is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing to check.
    Nothing,
    /// A thread for every task, all at once.
    ThreadPerTask,
    /// A thread per pool worker and `extra` more.
    PoolThreads {
        /// Threads beyond the pool's (a runtime's driver).
        extra: usize,
    },
    /// A child process for every task, all at once.
    ProcessPerTask,
    /// A child process for every pool worker (at most one a task).
    ProcessPerWorker,
    /// Processes laid out by the cluster settings.
    ClusterLayout,
}

/// Refuses settings `info` cannot run on this machine, naming the flag to change.
#[doc(hidden)]
pub fn check_room(
    info: &ApproachInfo,
    tasks: u32,
    pool_size: usize,
    settings: &ApproachSettings,
) -> Result<(), UsageError> {
    match info.needs {
        Needs::Nothing => Ok(()),
        Needs::ThreadPerTask => {
            // The address-space limit first: a user set it, and it is the one to raise.
            stacks::check(
                "--tasks",
                info.id,
                tasks.into(),
                stacks::TASK_THREAD,
                "use fewer --tasks or a pooled approach (thread-pool, rayon, async)",
            )?;
            let limit = crate::machine::thread_limit();
            if tasks as u64 > limit {
                return Err(UsageError::TooManyThreads { tasks, limit });
            }
            Ok(())
        }
        Needs::PoolThreads { extra } => {
            let threads = pool_size + extra;
            stacks::check(
                "--pool-size",
                info.id,
                threads as u64,
                stacks::POOL_THREAD,
                "use a smaller --pool-size",
            )?;
            let limit = crate::machine::thread_limit();
            if threads as u64 > limit {
                return Err(UsageError::bad(
                    "--pool-size",
                    format!(
                        "approach {} needs {threads} threads, but this machine (or its process \
                         limit, ulimit -u) holds at most about {limit} more",
                        info.id
                    ),
                    "use a smaller --pool-size or raise the limit",
                ));
            }
            Ok(())
        }
        Needs::ProcessPerTask => {
            let (limit, bound) = crate::machine::process_room();
            if tasks as u64 > limit {
                let fix = match bound {
                    _ if limit == 0 => "raise the open-file limit (ulimit -n)".to_string(),
                    crate::machine::ProcessBound::OpenFiles(_) => format!(
                        "use at most {limit} --tasks, a pooled approach (process-pool, \
                         process-pool-chunked), or raise the open-file limit (ulimit -n)"
                    ),
                    crate::machine::ProcessBound::Processes => format!(
                        "use at most {limit} --tasks, a pooled approach (process-pool, \
                         process-pool-chunked), or raise the process limit (ulimit -u)"
                    ),
                };
                return Err(UsageError::bad(
                    "--tasks",
                    format!(
                        "{tasks} tasks need {tasks} child processes at once with approach {}, \
                         but there is room for at most about {limit}: {}",
                        info.id,
                        bound.describe()
                    ),
                    fix,
                ));
            }
            Ok(())
        }
        Needs::ProcessPerWorker => {
            let (limit, bound) = crate::machine::process_room();
            let workers = pool_size.min(tasks as usize).max(1) as u64;
            if workers > limit {
                return Err(UsageError::bad(
                    "--pool-size",
                    format!(
                        "approach {} starts {workers} worker processes, but there is room for \
                         at most about {limit}: {}",
                        info.id,
                        bound.describe()
                    ),
                    match bound {
                        crate::machine::ProcessBound::OpenFiles(_) => {
                            "use a smaller --pool-size or raise the open-file limit (ulimit -n)"
                        }
                        crate::machine::ProcessBound::Processes => {
                            "use a smaller --pool-size or raise the process limit (ulimit -u)"
                        }
                    },
                ));
            }
            Ok(())
        }
        #[cfg(feature = "cluster")]
        Needs::ClusterLayout => {
            settings.cluster.check(pool_size)?;
            crate::plan::cluster_room::check(pool_size, settings, crate::machine::thread_limit)
        }
        #[cfg(not(feature = "cluster"))]
        Needs::ClusterLayout => {
            let _ = settings;
            Err(UsageError::bad(
                "--approach",
                format!(
                    "approach {} needs parlab's `cluster` feature (timely-dataflow), which this \
                     build leaves out",
                    info.id
                ),
                "turn the feature on (features = [\"cluster\"]) or leave it out of --approach",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_each_key_names_its_own_entry() {
        let mut ids: Vec<_> = catalogue::ALL.iter().map(|a| a.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), catalogue::ALL.len());
        for a in catalogue::ALL {
            assert_eq!(a.key.info().id, a.id);
            assert_eq!(ApproachId::parse(a.id), Some(a.key));
        }
        assert!(find("fibers").is_none());
    }

    #[test]
    fn a_huge_pool_is_refused_naming_the_flag() {
        let s = ApproachSettings::default();
        let mt = ApproachId::AsyncMt.info();
        assert!(check_room(mt, 4, 2, &s).is_ok());
        let err = check_room(mt, 4, usize::MAX / 2, &s)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--pool-size: approach async-mt needs"),
            "{err}"
        );
        let err = check_room(ApproachId::Threads.info(), u32::MAX, 1, &s)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--tasks"), "{err}");
    }

    #[test]
    fn one_check_decides_which_approach_runs_which_work() {
        let py = ApproachId::PyThreads.info();
        for w in [
            WorkloadKind::Net,
            WorkloadKind::Command,
            WorkloadKind::Function,
        ] {
            let why = refusal(py, w).expect("the driver runs no requests or custom work");
            assert!(why.contains("Python driver"), "{why}");
        }
        for w in [WorkloadKind::Cpu, WorkloadKind::Io, WorkloadKind::Mixed] {
            assert_eq!(refusal(py, w), None, "{w:?}");
        }
        let inline = ApproachId::AsyncInline.info();
        assert!(refusal(inline, WorkloadKind::Command).is_some());
        assert_eq!(refusal(inline, WorkloadKind::Net), None);
        let rust = ApproachId::Threads.info();
        let why = refusal(rust, WorkloadKind::PyFunc).expect("only the driver calls Python");
        assert!(why.contains("--py-func"), "{why}");
        assert_eq!(refusal(py, WorkloadKind::PyFunc), None);
        for a in catalogue::ALL {
            assert_eq!(refusal(a, WorkloadKind::Cpu), None, "{}", a.id);
            assert_eq!(is_python(a), a.id.starts_with("py-"), "{}", a.id);
        }
    }
}
