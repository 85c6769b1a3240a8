//! Running one task's plan, the same way for every approach.
//!
//! Approaches differ in *where* a task runs and *how* it waits; they share this code for *what*
//! it does, so every approach does identical work and records identical events. The blocking
//! runner sleeps the thread through a wait; the async runner awaits a timer and hands each stretch
//! of computation to a [`CpuPlacement`] of the approach's choosing.

use std::sync::Arc;
use std::time::Duration;

use crate::cancel::Cancel;
use crate::plan::primes::{self, Division};
use crate::plan::workload::{Answer, NetFault, Step, WorkSpec};
use crate::run::record::recorder::Recorder;

pub mod net;

/// A task stopped before its end because the run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// The running verdict of a task's trial division.
#[derive(Debug, Clone, Copy, Default)]
struct Verdict {
    divisor_found: bool,
    /// Set when a network request failed: the task stops there and answers this.
    net_fault: Option<NetFault>,
    /// A custom step failed.
    failed: bool,
}

impl Verdict {
    fn answer(self, work: &WorkSpec) -> Answer {
        if let Some(fault) = self.net_fault {
            return Answer::Failed(fault);
        }
        if self.failed {
            return Answer::CustomFailed;
        }
        match work.expected_answer() {
            Answer::Done | Answer::Failed(_) | Answer::CustomFailed => Answer::Done,
            Answer::Prime(_) => Answer::Prime(work.number >= 2 && !self.divisor_found),
        }
    }
}

/// Records a custom step's result: its time, the peak of what it started, why it failed.
/// False when it failed.
fn custom_done(
    rec: &Recorder,
    (task, step): (u32, usize),
    (worker, start): (u32, u64),
    result: crate::plan::custom::TaskResult,
) -> bool {
    rec.step_ran(task, step, worker, start, rec.now_ns());
    match result {
        Ok(done) => {
            rec.child_peak(done.child_peak_rss_kib);
            true
        }
        Err(message) => {
            rec.problem(message);
            false
        }
    }
}

/// Runs the run's custom work for `task` on the calling thread.
fn custom_blocking(rec: &Recorder, cancel: &Cancel, (task, step): (u32, usize)) -> bool {
    let worker = rec.this_worker();
    let start = rec.now_ns();
    let result = match rec.custom() {
        Some(r) => r.run(rec.run_task(task), cancel),
        None => Err(crate::plan::custom::missing(rec.run_task(task))),
    };
    custom_done(rec, (task, step), (worker, start), result)
}

/// One stretch of trial division, recorded as step `step` of `task` on the calling thread;
/// `on_progress` hears the task's division count at every progress step.
fn divide_step(
    rec: &Recorder,
    cancel: &Cancel,
    work: &WorkSpec,
    (task, step): (u32, usize),
    (from, to): (u64, u64),
    on_progress: &dyn Fn(u64),
) -> Result<bool, Cancelled> {
    let worker = rec.this_worker();
    let start = rec.now_ns();
    let cpu = crate::run::record::measure::thread_cpu_ns();
    let progress = &rec.task(task).progress;
    let found = primes::divide(work.number, from, to, progress, || {
        on_progress(progress.load(std::sync::atomic::Ordering::Relaxed));
        cancel.is_cancelled()
    });
    let cpu = crate::run::record::measure::thread_cpu_ns().saturating_sub(cpu);
    rec.step_ran(task, step, worker, start, rec.now_ns());
    rec.step_cpu(task, step, cpu);
    match found {
        Division::Divisor(_) => Ok(true),
        Division::NoDivisor => Ok(false),
        Division::Cancelled => Err(Cancelled),
    }
}

/// Runs `task` to the end on the calling thread, sleeping the thread through waits.
pub fn run_blocking(
    rec: &Recorder,
    cancel: &Cancel,
    work: &WorkSpec,
    task: u32,
) -> Result<Answer, Cancelled> {
    run_blocking_reporting(rec, cancel, work, task, &|_| {})
}

/// [`run_blocking`], calling `on_progress` with the task's division count every
/// [`primes::PROGRESS_STEP`] divisions (a worker process forwards it to its parent).
pub fn run_blocking_reporting(
    rec: &Recorder,
    cancel: &Cancel,
    work: &WorkSpec,
    task: u32,
    on_progress: &dyn Fn(u64),
) -> Result<Answer, Cancelled> {
    let worker = rec.this_worker();
    rec.task_started(task, worker);
    let mut verdict = Verdict::default();
    let mut conn = net::BlockingConn::default();
    for (i, step) in rec.plan().iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(Cancelled);
        }
        if verdict.net_fault.is_some() {
            break;
        }
        match *step {
            Step::Wait(ns) => {
                let start = rec.now_ns();
                std::thread::sleep(Duration::from_nanos(ns));
                rec.step_ran(task, i, worker, start, rec.now_ns());
            }
            Step::Connect => {
                let start = rec.now_ns();
                verdict.net_fault = conn.connect(work).err();
                rec.step_ran(task, i, worker, start, rec.now_ns());
            }
            Step::Request { index, .. } => {
                let start = rec.now_ns();
                verdict.net_fault = conn.request(work, task, index).err();
                rec.step_ran(task, i, worker, start, rec.now_ns());
                on_progress(request_done(rec, task));
            }
            Step::Divide { from, to } if !verdict.divisor_found => {
                verdict.divisor_found =
                    divide_step(rec, cancel, work, (task, i), (from, to), on_progress)?;
            }
            Step::Divide { .. } => {}
            Step::Custom => verdict.failed |= !custom_blocking(rec, cancel, (task, i)),
            // Refused before any run (only the Python driver calls a Python function).
            Step::Call(_) => {
                rec.problem(format!("task {task}: a Python call needs a py-* approach"));
                verdict.failed = true;
            }
        }
    }
    if cancel.is_cancelled() && verdict.failed {
        return Err(Cancelled);
    }
    let answer = verdict.answer(work);
    rec.task_finished(task, answer);
    Ok(answer)
}

/// Counts one more request done on `task`'s progress (a request is one unit of a `net` task's
/// progress, as a division is of a computing task's); returns the new count.
fn request_done(rec: &Recorder, task: u32) -> u64 {
    rec.task(task)
        .progress
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1
}

/// Where an async task's computation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuPlacement {
    /// On the thread that polls the task (blocking the event loop while it computes).
    Inline,
    /// On tokio's blocking pool, awaited (asyncio's `run_in_executor`).
    BlockingPool,
}

/// Runs `task` as a future: waits are awaited timers, computation goes where `placement` says.
///
/// The future is what every waiting task holds in memory (a hundred thousand of them at once),
/// so the rarer, larger states live behind a box: a connection, its opening and its requests
/// (net work) and custom work. Only the timer of a wait is held in place; an io task costs its timer, not the
/// largest thing any task might await.
pub async fn run_async(
    rec: Arc<Recorder>,
    cancel: Cancel,
    work: WorkSpec,
    task: u32,
    placement: CpuPlacement,
) -> Result<Answer, Cancelled> {
    {
        let worker = rec.this_worker();
        rec.task_started(task, worker);
        let mut verdict = Verdict::default();
        let mut conn: Option<Box<net::AsyncConn>> = None;
        for i in 0..rec.plan().len() {
            if cancel.is_cancelled() {
                return Err(Cancelled);
            }
            if verdict.net_fault.is_some() {
                break;
            }
            match rec.plan()[i] {
                Step::Connect => {
                    let start = rec.now_ns();
                    let conn = conn.get_or_insert_with(Box::default);
                    verdict.net_fault = Box::pin(conn.connect(&work)).await.err();
                    rec.step_ran(task, i, rec.this_worker(), start, rec.now_ns());
                }
                Step::Request { index, .. } => {
                    let start = rec.now_ns();
                    let conn = conn.get_or_insert_with(Box::default);
                    verdict.net_fault = Box::pin(conn.request(&work, task, index)).await.err();
                    rec.step_ran(task, i, rec.this_worker(), start, rec.now_ns());
                    request_done(&rec, task);
                }
                Step::Wait(ns) => {
                    let start = rec.now_ns();
                    tokio::time::sleep(Duration::from_nanos(ns)).await;
                    // The thread that resumes us after the wait is where the wait ended.
                    rec.step_ran(task, i, rec.this_worker(), start, rec.now_ns());
                }
                Step::Divide { from, to } if !verdict.divisor_found => {
                    verdict.divisor_found = match placement {
                        CpuPlacement::Inline => {
                            divide_step(&rec, &cancel, &work, (task, i), (from, to), &|_| {})?
                        }
                        CpuPlacement::BlockingPool => {
                            let (rec, cancel) = (Arc::clone(&rec), cancel.clone());
                            tokio::task::spawn_blocking(move || {
                                divide_step(&rec, &cancel, &work, (task, i), (from, to), &|_| {})
                            })
                            .await
                            .map_err(|_| Cancelled)??
                        }
                    };
                }
                Step::Divide { .. } => {}
                Step::Call(_) => {
                    rec.problem(format!("task {task}: a Python call needs a py-* approach"));
                    verdict.failed = true;
                }
                Step::Custom => {
                    let ok = Box::pin(custom_async(&rec, &cancel, (task, i), placement)).await;
                    verdict.failed |= !ok;
                }
            }
        }
        if cancel.is_cancelled() && verdict.failed {
            return Err(Cancelled);
        }
        let answer = verdict.answer(&work);
        rec.task_finished(task, answer);
        Ok(answer)
    }
}

/// Runs the run's custom work for `task` in an async approach: awaited when the runner can
/// wait without a thread (a child process), else placed as computation is.
async fn custom_async(
    rec: &Arc<Recorder>,
    cancel: &Cancel,
    (task, step): (u32, usize),
    placement: CpuPlacement,
) -> bool {
    let worker = rec.this_worker();
    let start = rec.now_ns();
    let run_task = rec.run_task(task);
    let Some(runner) = rec.custom().cloned() else {
        let missing = Err(crate::plan::custom::missing(run_task));
        return custom_done(rec, (task, step), (worker, start), missing);
    };
    let result = match (runner.run_async(run_task, cancel), placement) {
        (Some(future), _) => future.await,
        (None, CpuPlacement::Inline) => runner.run(run_task, cancel),
        (None, CpuPlacement::BlockingPool) => {
            let (runner, cancel) = (Arc::clone(&runner), cancel.clone());
            tokio::task::spawn_blocking(move || runner.run(run_task, &cancel))
                .await
                .unwrap_or_else(|_| Err(format!("task {run_task}: its work panicked")))
        }
    };
    // The thread that resumes us is where the step ended.
    custom_done(rec, (task, step), (rec.this_worker(), start), result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::workload::WorkloadKind;
    use std::time::Instant;

    #[test]
    fn a_waiting_tasks_future_holds_its_timer_not_a_connection() {
        // What each of a hundred thousand waiting tasks keeps in memory. The request of net
        // work and custom work are boxed; were they held in place (as they were when the peak
        // per waiting task grew to 1.1 KiB), this future would be over 600 bytes.
        let w = work(WorkloadKind::Io, 1);
        let rec = Arc::new(Recorder::new(1, &w.plan(), Instant::now()));
        let fut = run_async(rec, Cancel::new(), w, 0, CpuPlacement::BlockingPool);
        let size = std::mem::size_of_val(&fut);
        eprintln!("run_async future: {size} bytes");
        assert!(size <= 448, "{size} bytes");
    }

    fn work(workload: WorkloadKind, number: u64) -> WorkSpec {
        WorkSpec {
            workload,
            number,
            io_wait_ns: 1_000,
            net: Default::default(),
        }
    }

    #[test]
    fn blocking_answers_and_records_every_step() {
        for (n, prime) in [(97u64, true), (91, false), (1, false), (2, true)] {
            let w = work(WorkloadKind::Mixed, n);
            let rec = Recorder::new(1, &w.plan(), Instant::now());
            let answer = run_blocking(&rec, &Cancel::new(), &w, 0).unwrap();
            assert_eq!(answer, Answer::Prime(prime), "{n}");
            let ev = &rec.events()[0];
            assert_eq!(ev.runs, 1);
            assert!(
                ev.steps
                    .iter()
                    .filter(|s| s.kind == crate::plan::workload::StepKind::Wait)
                    .count()
                    == 4
            );
        }
    }

    #[test]
    fn cancelled_before_start_gives_no_answer() {
        let w = work(WorkloadKind::Cpu, 97);
        let rec = Recorder::new(1, &w.plan(), Instant::now());
        let cancel = Cancel::new();
        cancel.fail();
        assert_eq!(run_blocking(&rec, &cancel, &w, 0), Err(Cancelled));
        assert_eq!(rec.events()[0].answer, None);
    }

    #[test]
    fn async_inline_and_blocking_pool_agree() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for placement in [CpuPlacement::Inline, CpuPlacement::BlockingPool] {
            let w = work(WorkloadKind::Mixed, 1_000_000_007);
            let rec = Arc::new(Recorder::new(1, &w.plan(), Instant::now()));
            let answer = rt.block_on(run_async(rec.clone(), Cancel::new(), w, 0, placement));
            assert_eq!(answer, Ok(Answer::Prime(true)));
            assert_eq!(rec.events()[0].steps.len(), 7);
        }
    }
}
