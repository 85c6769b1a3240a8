//! The ways of running the same tasks: one file per approach, all behind [`Approach`].
//!
//! Each approach only decides where and how tasks run; what a task does lives in
//! [`crate::run::exec`], and measuring lives in [`crate::run::bench`]. Adding an approach is one new file
//! and one line in [`REGISTRY`].

mod async_inline;
mod async_mt;
mod async_pool;
#[cfg(feature = "cluster")]
mod cluster;
mod palette;
mod process;
pub mod process_pool;
pub mod process_pool_chunked;
pub mod python;
mod rayon_pool;
mod room;
mod sequential;
mod thread_pool;
mod threaded_sequential;
mod threads;

pub use crate::run::record::{ApproachError, ChildFigures, Outcome, RunContext};

/// Every approach, in the order `parlab list` and `--approach all` use.
pub static REGISTRY: &[&dyn Approach] = &[
    &sequential::Sequential,
    &threaded_sequential::ThreadedSequential,
    &threads::Threads,
    &thread_pool::ThreadPool,
    &rayon_pool::Rayon,
    &async_pool::Async,
    &async_inline::AsyncInline,
    &async_mt::AsyncMt,
    &process::Process,
    &process_pool::ProcessPool,
    &process_pool_chunked::ProcessPoolChunked,
    #[cfg(feature = "cluster")]
    &cluster::Cluster,
    &python::PY_SEQUENTIAL,
    &python::PY_THREADS,
    &python::PY_THREAD_POOL,
    &python::PY_ASYNCIO,
    &python::PY_PROCESS,
    &python::PY_PROCESS_POOL,
    &python::PY_POOL,
];

/// The code that runs the approach `info` describes.
pub fn implementation(info: &ApproachInfo) -> &'static dyn Approach {
    REGISTRY
        .iter()
        .copied()
        .find(|a| a.info().key == info.key)
        .expect("every catalogue entry has its code in the registry")
}

/// Looks an approach up by the id the CLI uses.
pub fn find(id: &str) -> Option<&'static dyn Approach> {
    REGISTRY.iter().copied().find(|a| a.info().id == id)
}

/// Every valid approach id, comma-separated (for error messages).
pub fn valid_ids() -> String {
    REGISTRY
        .iter()
        .map(|a| a.info().id)
        .collect::<Vec<_>>()
        .join(", ")
}

pub use crate::plan::approaches::{ApproachInfo, Family, MenuEntry, Width};

/// One way of running tasks.
pub trait Approach: Sync {
    /// What describes it.
    fn info(&self) -> &'static ApproachInfo;

    /// Gets ready for the next [`Approach::run`] on `ctx`, outside the timed region (the
    /// Python approaches start their interpreter here). Most approaches need nothing.
    fn prepare(&self, _ctx: &RunContext) -> Result<(), ApproachError> {
        Ok(())
    }

    /// Runs every task of `ctx` once, recording into `ctx.recorder`.
    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError>;
}

/// Joins threads, turning a panic into an error that names the approach.
fn join_all<T>(
    id: &str,
    handles: Vec<std::thread::JoinHandle<T>>,
) -> Result<Vec<T>, ApproachError> {
    let mut out = Vec::with_capacity(handles.len());
    let mut panicked = false;
    for h in handles {
        match h.join() {
            Ok(v) => out.push(v),
            Err(_) => panicked = true,
        }
    }
    if panicked {
        return Err(ApproachError::Failed(format!(
            "approach {id}: a worker thread panicked"
        )));
    }
    Ok(out)
}

/// Maps a task's cancellation to the approach's.
fn task_result(
    r: Result<crate::plan::workload::Answer, crate::run::exec::Cancelled>,
) -> Result<(), ApproachError> {
    r.map(|_| ()).map_err(|_| ApproachError::Cancelled)
}

/// A tokio runtime builder failure, as an approach error.
fn runtime_error(id: &str, e: std::io::Error) -> ApproachError {
    ApproachError::Failed(format!(
        "approach {id}: could not start the tokio runtime: {e}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::plan::workload::{Answer, WorkSpec, WorkloadKind};
    use crate::run::record::recorder::Recorder;
    use std::sync::Arc;
    use std::time::Instant;

    fn run(
        a: &dyn Approach,
        work: WorkSpec,
        tasks: u32,
        pool: usize,
    ) -> Vec<crate::run::record::recorder::TaskEvent> {
        let rec = Arc::new(Recorder::new(tasks, &work.plan(), Instant::now()));
        let ctx = RunContext {
            work,
            tasks,
            pool_size: pool,
            chunk_size: None,
            recorder: rec.clone(),
            cancel: Cancel::new(),
            task_timeout: None,
            settings: Default::default(),
        };
        a.run(&ctx)
            .unwrap_or_else(|e| panic!("{}: {e}", a.info().id));
        rec.events()
    }

    #[test]
    fn ids_are_unique_and_found() {
        let mut ids: Vec<_> = REGISTRY.iter().map(|a| a.info().id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), REGISTRY.len());
        assert!(find("threads").is_some());
        assert!(find("nope").is_none());
    }

    #[test]
    fn every_approach_runs_every_task_once_with_the_right_answer() {
        let cases = [
            (WorkloadKind::Cpu, 1_000_000_007u64, Answer::Prime(true)),
            (WorkloadKind::Cpu, 1_000_000_007 * 3, Answer::Prime(false)),
            (
                WorkloadKind::Mixed,
                999_983 * 1_000_003,
                Answer::Prime(false),
            ),
            (WorkloadKind::Io, 0, Answer::Done),
            (WorkloadKind::Noop, 0, Answer::Done),
        ];
        // Worker processes are parlab itself, which this test binary is not: tests/processes.rs
        // runs the same checks on them with the real executable.
        // The Python approaches need an interpreter: tests/python.rs runs them.
        for a in REGISTRY
            .iter()
            .filter(|a| a.info().family != Family::Process && !python::is_python(a.info()))
        {
            for (workload, number, expected) in cases {
                let work = WorkSpec {
                    workload,
                    number,
                    io_wait_ns: 200_000,
                    net: crate::plan::workload::NetSpec::DEFAULT,
                };
                for (tasks, pool) in [(1, 1), (7, 3)] {
                    let events = run(*a, work, tasks, pool);
                    assert_eq!(events.len(), tasks as usize);
                    for e in &events {
                        let id = a.info().id;
                        assert_eq!(e.runs, 1, "{id} {workload:?} task {}", e.task);
                        assert_eq!(
                            e.answer,
                            Some(expected),
                            "{id} {workload:?} task {}",
                            e.task
                        );
                        assert!(e.end_s >= e.start_s, "{id}");
                        assert_eq!(e.steps.len(), work.plan().len(), "{id}");
                    }
                }
            }
        }
    }

    #[test]
    fn pooled_approaches_use_at_most_pool_size_workers() {
        let work = WorkSpec {
            workload: WorkloadKind::Io,
            number: 0,
            io_wait_ns: 2_000_000,
            net: crate::plan::workload::NetSpec::DEFAULT,
        };
        for id in ["thread-pool", "rayon", "async-mt"] {
            let events = run(find(id).unwrap(), work, 12, 3);
            let mut workers: Vec<u32> = events.iter().map(|e| e.worker).collect();
            workers.sort();
            workers.dedup();
            assert!(workers.len() <= 3, "{id} used {workers:?}");
        }
        let events = run(find("threads").unwrap(), work, 12, 3);
        let mut workers: Vec<u32> = events.iter().map(|e| e.worker).collect();
        workers.sort();
        workers.dedup();
        assert_eq!(workers.len(), 12, "a thread per task");
    }

    #[test]
    fn sequential_ones_never_overlap() {
        let work = WorkSpec {
            workload: WorkloadKind::Io,
            number: 0,
            io_wait_ns: 1_000_000,
            net: crate::plan::workload::NetSpec::DEFAULT,
        };
        for id in ["sequential", "threaded-sequential"] {
            let mut events = run(find(id).unwrap(), work, 5, 2);
            events.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            for pair in events.windows(2) {
                assert!(pair[0].end_s <= pair[1].start_s, "{id} overlapped");
            }
        }
    }

    #[test]
    fn a_cancelled_run_stops_and_says_so() {
        let work = WorkSpec {
            workload: WorkloadKind::Cpu,
            number: 834_238_027_356_431,
            io_wait_ns: 0,
            net: crate::plan::workload::NetSpec::DEFAULT,
        };
        for a in REGISTRY {
            let rec = Arc::new(Recorder::new(4, &work.plan(), Instant::now()));
            let cancel = Cancel::new();
            cancel.raise(2);
            let ctx = RunContext {
                work,
                tasks: 4,
                pool_size: 2,
                chunk_size: None,
                recorder: rec,
                cancel,
                task_timeout: None,
                settings: Default::default(),
            };
            assert!(
                matches!(a.run(&ctx), Err(ApproachError::Cancelled)),
                "{}",
                a.info().id
            );
        }
    }
}
