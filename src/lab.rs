//! parlab as a library: your own function, run and measured under parlab's approaches.
//!
//! A [`Lab`] runs `f(task)` for every task under each approach asked for, checks every result,
//! and hands back the same [`Report`] `parlab run` builds: print it (`{report}` shows the
//! comparison table, its notes and the bar chart), or save it with the exporters in
//! [`crate::show::export`] (JSON, CSV, Markdown; charts and HTML with the `charts` feature).
//!
//! The process approaches (`process`, `process-pool`, `process-pool-chunked`) run tasks in
//! worker processes, which are your own program started again: put
//! [`Lab::serve_worker_if_asked`] first in `main`, right after building the lab, so that a
//! worker serves tasks instead of running your `main`. Without that call the process
//! approaches are refused with a message naming it.
//!
//! ```
//! use parlab::lab::{ApproachId, Lab};
//!
//! fn main() -> Result<(), parlab::lab::LabError> {
//!     let lab = Lab::new(|task| (0..=u64::from(task) * 1000).sum::<u64>())
//!         .expect(|task| {
//!             let n = u64::from(task) * 1000;
//!             n * (n + 1) / 2
//!         })
//!         .tasks(8)
//!         .approaches([ApproachId::Threads, ApproachId::Rayon, ApproachId::Async])
//!         .runs(2);
//!     lab.serve_worker_if_asked();
//!     let report = lab.run()?;
//!     assert!(report.results.iter().all(|r| r.verified));
//!     println!("{report}");
//!     Ok(())
//! }
//! ```

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cancel::Cancel;
use crate::error::UsageError;
pub use crate::judge::report::Report;
pub use crate::plan::approaches::ApproachId;
use crate::plan::approaches::Family;
use crate::plan::custom::{TaskDone, TaskResult, TaskRunner};
use crate::plan::workload::{WorkSpec, WorkloadKind};
use crate::plan::{Plan, Repetitions};

/// Why a [`Lab`] could not run: each names the builder method to change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabError {
    /// A setting the lab cannot run with.
    #[error("Lab::{method}: {problem}; {fix}")]
    Invalid {
        /// The builder method whose value is wrong, e.g. `tasks`.
        method: &'static str,
        /// What is wrong with it.
        problem: String,
        /// What it accepts.
        fix: String,
    },
    /// Process approaches asked for without [`Lab::serve_worker_if_asked`] in `main`.
    #[error(
        "{} run tasks in worker processes, which are this program started again: put \
         `lab.serve_worker_if_asked();` first in main (after building the Lab), or leave them \
         out of Lab::approaches",
        .0.join(", ")
    )]
    WorkersNotServed(Vec<&'static str>),
    /// The run stopped before its end (a signal, or an approach that failed part-way).
    #[error("the lab's run stopped early: {0}")]
    Stopped(String),
}

impl From<UsageError> for LabError {
    fn from(e: UsageError) -> Self {
        // The checks speak of the command line's flags; a library user wrote builder calls.
        let method = |flag: &str| match flag {
            "--tasks" => "tasks",
            "--pool-size" => "pool_size",
            "--runs" => "runs",
            "--warmup" => "warmup",
            "--approach" => "approaches",
            _ => "run",
        };
        let words = |text: String| {
            [
                ("--tasks", "Lab::tasks"),
                ("--pool-size", "Lab::pool_size"),
                ("--runs", "Lab::runs"),
                ("--warmup", "Lab::warmup"),
                ("--approach", "Lab::approaches"),
            ]
            .iter()
            .fold(text, |t, (flag, call)| t.replace(flag, call))
        };
        match e {
            UsageError::BadValue {
                flag,
                problem,
                allowed,
            } => Self::Invalid {
                method: method(flag),
                problem: words(problem),
                fix: words(allowed),
            },
            UsageError::TooManyThreads { tasks, limit } => Self::Invalid {
                method: "tasks",
                problem: format!(
                    "{tasks} tasks need {tasks} threads with approach threads, but this machine \
                     holds at most about {limit}"
                ),
                fix: "use fewer tasks or a pooled approach (ThreadPool, Rayon, Async)".into(),
            },
            other => Self::Invalid {
                method: "run",
                problem: other.to_string(),
                fix: String::new(),
            },
        }
    }
}

/// The environment variable that tells a re-started program it is a worker of a lab, and of
/// which one (its [`Lab::name`]).
const ENV_LAB_WORKER: &str = "PARLAB_LAB_WORKER";

type TaskFn<T> = dyn Fn(u32) -> T + Send + Sync;
type CheckFn<T> = dyn Fn(u32, &T) -> bool + Send + Sync;

/// Your function, how to check it, and how to run it.
pub struct Lab<T> {
    f: Arc<TaskFn<T>>,
    check: Option<Arc<CheckFn<T>>>,
    tasks: u32,
    approaches: Vec<ApproachId>,
    runs: Option<u32>,
    warmup: Option<u32>,
    pool_size: Option<usize>,
    name: String,
    /// Set once [`Lab::serve_worker_if_asked`] has run for this lab.
    serves_workers: AtomicBool,
}

impl<T: Debug + 'static> Lab<T> {
    /// A lab for `f`, which does task `task`'s work and returns its result. Defaults: 8 tasks,
    /// every in-process approach, runs decided as `parlab run` decides them.
    pub fn new(f: impl Fn(u32) -> T + Send + Sync + 'static) -> Self {
        Self {
            f: Arc::new(f),
            check: None,
            tasks: 8,
            approaches: vec![
                ApproachId::Sequential,
                ApproachId::Threads,
                ApproachId::ThreadPool,
                ApproachId::Rayon,
                ApproachId::Async,
                ApproachId::AsyncInline,
                ApproachId::AsyncMt,
            ],
            runs: None,
            warmup: None,
            pool_size: None,
            name: "lab".into(),
            serves_workers: AtomicBool::new(false),
        }
    }

    /// Names the lab (default `lab`). A program with several labs that use the process
    /// approaches gives each its own name, so that a worker started for one serves that lab's
    /// function (see [`Lab::serve_worker_if_asked`]).
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Checks each result with `check(task, &result)`: false fails that run like a wrong
    /// answer. Without a check (or [`Lab::expect`]), every result counts as right.
    pub fn check(mut self, check: impl Fn(u32, &T) -> bool + Send + Sync + 'static) -> Self {
        self.check = Some(Arc::new(check));
        self
    }

    /// Checks each result against `expected(task)`.
    pub fn expect(self, expected: impl Fn(u32) -> T + Send + Sync + 'static) -> Self
    where
        T: PartialEq,
    {
        self.check(move |task, value| *value == expected(task))
    }

    /// How many tasks (1 to 1,000,000).
    pub fn tasks(mut self, tasks: u32) -> Self {
        self.tasks = tasks;
        self
    }

    /// The approaches, in order (default: every in-process Rust approach).
    pub fn approaches(mut self, ids: impl IntoIterator<Item = ApproachId>) -> Self {
        self.approaches = ids.into_iter().collect();
        self
    }

    /// Measured runs per approach.
    pub fn runs(mut self, runs: u32) -> Self {
        self.runs = Some(runs);
        self
    }

    /// Warm-up runs per approach.
    pub fn warmup(mut self, warmup: u32) -> Self {
        self.warmup = Some(warmup);
        self
    }

    /// Workers of the pooled approaches (default: the logical cores).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = Some(size);
        self
    }

    /// Put first in `main`: when this process was started as a worker of this lab (by a
    /// process approach), serves its tasks and exits; otherwise returns at once and lets the
    /// process approaches be used. With several labs, call it for each: a worker serves only
    /// the lab of its [`Lab::name`].
    pub fn serve_worker_if_asked(&self) {
        let args: Vec<_> = std::env::args_os().collect();
        let mine = std::env::var_os(ENV_LAB_WORKER).is_some_and(|v| *v == *self.name);
        if mine && let Some(parent) = crate::run::worker::child::fast_args(&args) {
            let code = crate::run::worker::child::main(parent, Some(self.runner()));
            std::process::exit(if code == std::process::ExitCode::SUCCESS {
                0
            } else {
                2
            });
        }
        // A cluster process of approach cluster runs the same function.
        #[cfg(feature = "cluster")]
        if mine && let Some(cluster) = crate::run::cluster::child::fast_args(&args) {
            let code = crate::run::cluster::child::main(cluster, Some(self.runner()));
            std::process::exit(if code == std::process::ExitCode::SUCCESS {
                0
            } else {
                2
            });
        }
        self.serves_workers.store(true, Ordering::Relaxed);
    }

    fn runner(&self) -> Arc<dyn TaskRunner> {
        Arc::new(FnRunner {
            f: Arc::clone(&self.f),
            check: self.check.clone(),
        })
    }

    /// Runs every approach and returns the report (with its notes). A result the check
    /// refuses marks that approach's run as failed in the report; it is not an error here.
    pub fn run(&self) -> Result<Report, LabError> {
        let process: Vec<&'static str> = self
            .approaches
            .iter()
            .map(|a| a.info())
            .filter(|i| i.family == Family::Process)
            .map(|i| i.id)
            .collect();
        if !process.is_empty() && !self.serves_workers.load(Ordering::Relaxed) {
            return Err(LabError::WorkersNotServed(process));
        }
        let settings = crate::plan::settings::ApproachSettings {
            custom: Some(crate::plan::settings::CustomWork {
                runner: self.runner(),
                worker_env: vec![(ENV_LAB_WORKER.into(), self.name.clone())],
            }),
            ..Default::default()
        };
        let mut builder = Plan::builder()
            .work(WorkSpec {
                workload: WorkloadKind::Function,
                number: 0,
                io_wait_ns: 0,
                net: crate::plan::workload::NetSpec::DEFAULT,
            })
            .tasks(self.tasks)
            .approaches(self.approaches.iter().copied())
            .repetitions(Repetitions {
                runs: self.runs,
                warmup: self.warmup,
            })
            .settings(settings)
            .vocabulary(crate::plan::vocabulary::Vocabulary::Methods);
        if let Some(size) = self.pool_size {
            builder = builder.pool_size(size);
        }
        let plan = builder.build()?;
        let machine = crate::machine::Machine::detect();
        let outcome = crate::run::bench::run_all(
            &plan,
            &crate::run::bench::RealExecutor,
            &Cancel::new(),
            &mut crate::run::bench::Quiet,
        );
        if let Some(stop) = outcome.stop {
            return Err(LabError::Stopped(format!("{stop:?}")));
        }
        let report = Report::build(&plan, machine, &outcome.measurements);
        Ok(crate::judge::notes::annotate(report, &plan))
    }
}

/// Runs the user's function and check as custom tasks.
struct FnRunner<T> {
    f: Arc<TaskFn<T>>,
    check: Option<Arc<CheckFn<T>>>,
}

impl<T: Debug> TaskRunner for FnRunner<T> {
    fn run(&self, task: u32, _cancel: &Cancel) -> TaskResult {
        let value = (self.f)(task);
        match &self.check {
            Some(check) if !check(task, &value) => Err(format!(
                "task {task} returned {value:?}, which the check refused"
            )),
            _ => Ok(TaskDone::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_and_process_approaches_need_the_worker_call() {
        // Refused before anything runs: this test binary never called serve_worker_if_asked.
        let e = Lab::new(|t| t)
            .approaches([ApproachId::Threads, ApproachId::ProcessPool])
            .run()
            .unwrap_err();
        assert!(e.to_string().contains("serve_worker_if_asked"), "{e}");
        assert!(e.to_string().contains("process-pool"), "{e}");
        // A bad setting names the builder method, not a flag.
        let e = Lab::new(|t| t)
            .tasks(0)
            .approaches([ApproachId::Threads])
            .run()
            .unwrap_err();
        assert!(
            matches!(
                e,
                LabError::Invalid {
                    method: "tasks",
                    ..
                }
            ),
            "{e}"
        );
        assert!(!e.to_string().contains("--"), "{e}");

        let report = Lab::new(|t| u64::from(t) * 2)
            .expect(|t| u64::from(t) * 2)
            .tasks(5)
            .approaches([
                ApproachId::Threads,
                ApproachId::Rayon,
                ApproachId::Async,
                ApproachId::AsyncMt,
            ])
            .runs(1)
            .warmup(0)
            .run()
            .unwrap();
        assert_eq!(report.results.len(), 5, "four and the baseline");
        assert!(report.results.iter().all(|r| r.verified), "{report:?}");

        let report = Lab::new(|t| u64::from(t) * 2)
            .check(|t, v| t != 3 || *v == 0)
            .tasks(5)
            .approaches([ApproachId::ThreadPool])
            .runs(1)
            .warmup(0)
            .run()
            .unwrap();
        for r in &report.results {
            assert!(!r.verified, "{}", r.approach);
            let problem = r.problem.as_deref().unwrap();
            assert!(problem.contains("task 3 returned 6"), "{problem}");
        }
    }

    #[test]
    fn the_notes_advise_builder_methods_not_flags() {
        let report = Lab::new(|t| t)
            .tasks(2)
            .approaches([ApproachId::Threads])
            .runs(1)
            .warmup(0)
            .run()
            .unwrap();
        let notes = report.notes.join("\n");
        assert!(notes.contains("add .runs(3) or more"), "{notes}");
        for text in report.notes.iter().chain(&report.lesson) {
            assert!(!text.contains("--"), "a flag in a Lab's note: {text}");
        }
    }
}
