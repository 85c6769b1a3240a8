//! Where a timed run writes what happened, without disturbing it.
//!
//! Every slot is allocated (and touched) before the clock starts; each task writes only its own
//! slots with relaxed atomic stores, so recording takes no lock, no allocation and no I/O. After
//! the run, [`Recorder::events`] turns the slots into plain [`TaskEvent`]s. A progress display
//! may read the slots while the run goes on.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::plan::custom::TaskRunner;
use crate::plan::workload::{Answer, Step, StepKind};

/// Marks a time slot that was never written.
const UNSET: u64 = u64::MAX;

/// One task's slots.
#[derive(Debug)]
pub struct TaskSlot {
    start_ns: AtomicU64,
    end_ns: AtomicU64,
    worker: AtomicU32,
    answer: AtomicU8,
    runs: AtomicU32,
    /// Divisions done so far, bumped every [`crate::plan::primes::PROGRESS_STEP`] divisions.
    pub progress: AtomicU64,
}

#[derive(Debug)]
struct StepSlot {
    start_ns: AtomicU64,
    end_ns: AtomicU64,
    /// The CPU time the step's thread used during it, ns (computation only; UNSET for waits).
    cpu_ns: AtomicU64,
    worker: AtomicU32,
}

fn unset() -> AtomicU64 {
    AtomicU64::new(UNSET)
}

/// The preallocated record of one approach run.
#[derive(Debug)]
pub struct Recorder {
    origin: Instant,
    generation: u64,
    next_worker: AtomicU32,
    plan: Vec<Step>,
    tasks: Box<[TaskSlot]>,
    steps: Box<[StepSlot]>,
    /// The run's index of slot 0's task: a worker process records one task of a run in a
    /// one-slot recorder, and custom work needs the task's true index.
    first_task: u32,
    /// The largest peak memory of a process a custom task started, KiB (0: none).
    child_peak_kib: AtomicU64,
    /// What went wrong in custom tasks that failed, first first (written only on failure).
    problems: std::sync::Mutex<Vec<String>>,
    /// What a custom step of this run does (see [`crate::plan::custom`]).
    custom: CustomSlot,
    /// Whether a progress display reads the slots while the run goes on.
    watched: AtomicBool,
}

/// The run's custom work, beside the recorder every task is handed.
#[derive(Default)]
struct CustomSlot(Option<Arc<dyn TaskRunner>>);

impl std::fmt::Debug for CustomSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
}

thread_local! {
    /// The (recorder generation, worker number) this thread was given last.
    static WORKER: Cell<(u64, u32)> = const { Cell::new((0, 0)) };
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

impl Recorder {
    /// Slots for `tasks` tasks that each run `plan`; times count from `origin`.
    pub fn new(tasks: u32, plan: &[Step], origin: Instant) -> Self {
        let tasks_slots = (0..tasks)
            .map(|_| TaskSlot {
                start_ns: unset(),
                end_ns: unset(),
                worker: AtomicU32::new(0),
                answer: AtomicU8::new(0),
                runs: AtomicU32::new(0),
                progress: AtomicU64::new(0),
            })
            .collect();
        let steps = (0..tasks as usize * plan.len())
            .map(|_| StepSlot {
                start_ns: unset(),
                end_ns: unset(),
                cpu_ns: unset(),
                worker: AtomicU32::new(0),
            })
            .collect();
        Self {
            origin,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            next_worker: AtomicU32::new(0),
            plan: plan.to_vec(),
            tasks: tasks_slots,
            steps,
            first_task: 0,
            child_peak_kib: AtomicU64::new(0),
            problems: std::sync::Mutex::new(Vec::new()),
            custom: CustomSlot::default(),
            watched: AtomicBool::new(false),
        }
    }

    /// Says that a progress display reads the slots during the run, so that approaches which
    /// hear of a task's start late (worker processes) report it as it happens.
    pub fn watch(&self) {
        self.watched.store(true, Ordering::Relaxed);
    }

    /// Whether [`Recorder::watch`] was called.
    pub fn watched(&self) -> bool {
        self.watched.load(Ordering::Relaxed)
    }

    /// Moves the clock's origin, e.g. to the instant the timed region starts.
    pub fn set_origin(&mut self, origin: Instant) {
        self.origin = origin;
    }

    /// The instant times count from.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Nanoseconds since the origin.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// The number of tasks.
    pub fn task_count(&self) -> u32 {
        self.tasks.len() as u32
    }

    /// The steps every task runs.
    pub fn plan(&self) -> &[Step] {
        &self.plan
    }

    /// One task's slots (for progress displays).
    pub fn task(&self, task: u32) -> &TaskSlot {
        &self.tasks[task as usize]
    }

    /// The calling thread's worker number in this run: threads are numbered from 0 in the order
    /// they first record anything. A thread-local read, no lock.
    #[inline]
    pub fn this_worker(&self) -> u32 {
        WORKER.with(|cell| {
            let (generation, id) = cell.get();
            if generation == self.generation {
                id
            } else {
                let id = self.next_worker.fetch_add(1, Ordering::Relaxed);
                cell.set((self.generation, id));
                id
            }
        })
    }

    /// Records that `task` started now on `worker`.
    #[inline]
    pub fn task_started(&self, task: u32, worker: u32) {
        self.task_started_at(task, worker, self.now_ns());
    }

    /// Records that `task` started at `at_ns` on `worker` (for times measured elsewhere).
    pub fn task_started_at(&self, task: u32, worker: u32, at_ns: u64) {
        let slot = &self.tasks[task as usize];
        slot.runs.fetch_add(1, Ordering::Relaxed);
        slot.worker.store(worker, Ordering::Relaxed);
        slot.start_ns.store(at_ns, Ordering::Relaxed);
    }

    /// Counts `task`'s start, at `at_ns` on `worker`, unless a start is counted already: true
    /// when this call counted it. For a start that two reports may carry from different threads
    /// (a cluster's `start` line and its record), so that it is never counted twice.
    pub fn start_once(&self, task: u32, worker: u32, at_ns: u64) -> bool {
        let slot = &self.tasks[task as usize];
        let first = slot
            .runs
            .compare_exchange(0, 1, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if first {
            slot.worker.store(worker, Ordering::Relaxed);
            slot.start_ns.store(at_ns, Ordering::Relaxed);
        }
        first
    }

    /// Sets when and where `task` started, without counting a start: for a start already
    /// recorded (e.g. from a progress report) whose exact time and worker arrive later.
    pub fn set_task_start(&self, task: u32, worker: u32, at_ns: u64) {
        let slot = &self.tasks[task as usize];
        slot.worker.store(worker, Ordering::Relaxed);
        slot.start_ns.store(at_ns, Ordering::Relaxed);
    }

    /// Records that `task` finished now with `answer`.
    #[inline]
    pub fn task_finished(&self, task: u32, answer: Answer) {
        self.task_finished_at(task, answer, self.now_ns());
    }

    /// Records that `task` finished at `at_ns` with `answer`.
    pub fn task_finished_at(&self, task: u32, answer: Answer, at_ns: u64) {
        let slot = &self.tasks[task as usize];
        slot.end_ns.store(at_ns, Ordering::Relaxed);
        slot.answer.store(answer.code(), Ordering::Relaxed);
    }

    /// Records step `step` of `task` running from `start_ns` to `end_ns` on `worker`.
    #[inline]
    pub fn step_ran(&self, task: u32, step: usize, worker: u32, start_ns: u64, end_ns: u64) {
        let slot = &self.steps[task as usize * self.plan.len() + step];
        slot.worker.store(worker, Ordering::Relaxed);
        slot.start_ns.store(start_ns, Ordering::Relaxed);
        slot.end_ns.store(end_ns, Ordering::Relaxed);
    }

    /// Records that step `step` of `task` used `cpu_ns` of its thread's CPU time (a
    /// computation's own cost, which waiting for a core does not inflate as it does the wall).
    #[inline]
    pub fn step_cpu(&self, task: u32, step: usize, cpu_ns: u64) {
        let slot = &self.steps[task as usize * self.plan.len() + step];
        slot.cpu_ns.store(cpu_ns, Ordering::Relaxed);
    }

    /// The CPU time step `step` of `task` used, ns, where it was recorded.
    pub fn step_cpu_ns(&self, task: u32, step: usize) -> Option<u64> {
        let slot = &self.steps[task as usize * self.plan.len() + step];
        Some(slot.cpu_ns.load(Ordering::Relaxed)).filter(|&c| c != UNSET)
    }

    /// The same recorder, with slot 0 holding task `first` of the run (for worker processes).
    pub fn first_task_is(mut self, first: u32) -> Self {
        self.first_task = first;
        self
    }

    /// Gives this run's custom steps `runner` to run (see [`crate::plan::custom`]).
    pub fn with_custom(mut self, runner: Option<Arc<dyn TaskRunner>>) -> Self {
        self.custom = CustomSlot(runner);
        self
    }

    /// What this run's custom steps run, if anything.
    pub fn custom(&self) -> Option<&Arc<dyn TaskRunner>> {
        self.custom.0.as_ref()
    }

    /// The run's index of the task in slot `slot`.
    pub fn run_task(&self, slot: u32) -> u32 {
        self.first_task + slot
    }

    /// Records the peak memory of a process a custom task started, KiB (the largest is kept).
    pub fn child_peak(&self, kib: u64) {
        self.child_peak_kib.fetch_max(kib, Ordering::Relaxed);
    }

    /// The largest peak memory of a process a custom task started, KiB, if any was recorded.
    pub fn child_peak_kib(&self) -> Option<u64> {
        Some(self.child_peak_kib.load(Ordering::Relaxed)).filter(|&k| k > 0)
    }

    /// Records why a custom task failed (its message names the task). Takes a lock: it is
    /// called only when a task has failed, after its work.
    pub fn problem(&self, message: String) {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
    }

    /// The first recorded failure's message, if a custom task failed.
    pub fn first_problem(&self) -> Option<String> {
        let problems = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        problems.first().cloned()
    }

    /// When step `step` of `task` ran, ns since the origin, once it has ended.
    pub fn step_span_ns(&self, task: u32, step: usize) -> Option<(u64, u64)> {
        let slot = &self.steps[task as usize * self.plan.len() + step];
        let start = slot.start_ns.load(Ordering::Relaxed);
        let end = slot.end_ns.load(Ordering::Relaxed);
        (start != UNSET && end != UNSET).then_some((start, end))
    }

    /// How many workers recorded something (threads numbered by [`Recorder::this_worker`]).
    pub fn workers_seen(&self) -> u32 {
        self.next_worker.load(Ordering::Relaxed)
    }

    /// Whether `task` has started and whether it has finished (for progress displays).
    pub fn task_state(&self, task: u32) -> (bool, bool) {
        let slot = &self.tasks[task as usize];
        (
            slot.runs.load(Ordering::Relaxed) > 0,
            slot.answer.load(Ordering::Relaxed) != 0,
        )
    }

    /// The step `task` is in now, if it is running (for progress displays).
    ///
    /// A step is recorded once, when it ends (nothing is written as it starts, to keep the
    /// timed task free of extra stores), and steps run in order: so the step under way is the
    /// one after the last recorded. (A stretch of division skipped because a divisor was already
    /// found is never recorded; while the wait after it runs, this still names the division.)
    pub fn current_step(&self, task: u32) -> Option<StepKind> {
        let (started, finished) = self.task_state(task);
        if !started || finished {
            return None;
        }
        let base = task as usize * self.plan.len();
        let next = (0..self.plan.len())
            .rev()
            .find(|&i| self.steps[base + i].end_ns.load(Ordering::Relaxed) != UNSET)
            .map_or(0, |i| i + 1);
        self.plan.get(next).map(Step::kind)
    }

    /// Where `task` is now, read without disturbing it (for progress displays).
    pub fn task_now(&self, task: u32) -> TaskNow {
        let slot = &self.tasks[task as usize];
        let time = |a: &AtomicU64| Some(a.load(Ordering::Relaxed)).filter(|&t| t != UNSET);
        TaskNow {
            worker: slot.worker.load(Ordering::Relaxed),
            start_ns: time(&slot.start_ns),
            end_ns: time(&slot.end_ns),
            divisions: slot.progress.load(Ordering::Relaxed),
            step: self.current_step(task),
        }
    }

    /// The plain record of every task, after the run.
    pub fn events(&self) -> Vec<TaskEvent> {
        let per = self.plan.len();
        self.tasks
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let steps = (0..per)
                    .filter_map(|s| {
                        let step = &self.steps[i * per + s];
                        let start = step.start_ns.load(Ordering::Relaxed);
                        let end = step.end_ns.load(Ordering::Relaxed);
                        (start != UNSET && end != UNSET).then(|| StepEvent {
                            kind: self.plan[s].kind(),
                            worker: step.worker.load(Ordering::Relaxed),
                            start_s: ns_to_s(start),
                            end_s: ns_to_s(end),
                            cpu_s: Some(step.cpu_ns.load(Ordering::Relaxed))
                                .filter(|&c| c != UNSET)
                                .map(|c| c as f64 / 1e9),
                        })
                    })
                    .collect();
                let start = slot.start_ns.load(Ordering::Relaxed);
                let end = slot.end_ns.load(Ordering::Relaxed);
                TaskEvent {
                    task: i as u32,
                    worker: slot.worker.load(Ordering::Relaxed),
                    start_s: if start == UNSET {
                        f64::NAN
                    } else {
                        ns_to_s(start)
                    },
                    end_s: if end == UNSET { f64::NAN } else { ns_to_s(end) },
                    answer: Answer::from_code(slot.answer.load(Ordering::Relaxed)),
                    runs: slot.runs.load(Ordering::Relaxed),
                    steps,
                }
            })
            .collect()
    }
}

/// A running task as a progress display sees it: see [`Recorder::task_now`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskNow {
    /// The worker it runs (or ran) on; 0 before it starts.
    pub worker: u32,
    /// When it started, ns since the recorder's origin.
    pub start_ns: Option<u64>,
    /// When it finished, ns since the recorder's origin.
    pub end_ns: Option<u64>,
    /// Divisions done, counted every [`crate::plan::primes::PROGRESS_STEP`] (may overshoot the range
    /// by less than one step per stretch).
    pub divisions: u64,
    /// The kind of step under way, while it runs.
    pub step: Option<StepKind>,
}

fn ns_to_s(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// What happened to one task, on the approach's clock (seconds since its start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskEvent {
    /// The task's index.
    pub task: u32,
    /// The worker (thread or process number, from 0) that ran it.
    pub worker: u32,
    /// When it started, s.
    pub start_s: f64,
    /// When it finished, s.
    pub end_s: f64,
    /// Its answer; none if it never finished.
    pub answer: Option<Answer>,
    /// How many times it was started (exactly 1 in a correct run).
    pub runs: u32,
    /// Its waits and stretches of computation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepEvent>,
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepEvent {
    /// Computation or wait.
    pub kind: StepKind,
    /// The worker that ran the step (may differ from the task's, e.g. `async`'s blocking pool).
    pub worker: u32,
    /// When it started, s.
    pub start_s: f64,
    /// When it finished, s.
    pub end_s: f64,
    /// The CPU time its thread used for it, s: a computation's own cost, not inflated by
    /// waiting for a core (None for waits, and where it was not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_reported_twice_at_once_is_counted_once() {
        // Two threads report the same starts, as a cluster's start line and its record do.
        let tasks = 20_000;
        let rec = Recorder::new(tasks, &[Step::Wait(1)], Instant::now());
        let won: Vec<u32> = std::thread::scope(|s| {
            let a = s.spawn(|| (0..tasks).filter(|&t| rec.start_once(t, 1, 5)).count() as u32);
            let b = s.spawn(|| (0..tasks).filter(|&t| rec.start_once(t, 1, 5)).count() as u32);
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!(
            won.iter().sum::<u32>(),
            tasks,
            "each start won exactly once"
        );
        for e in rec.events() {
            assert_eq!(e.runs, 1, "task {}", e.task);
        }
    }

    #[test]
    fn records_and_reads_back() {
        let plan = [Step::Wait(1), Step::Divide { from: 2, to: 3 }];
        let rec = Recorder::new(2, &plan, Instant::now());
        let w = rec.this_worker();
        assert_eq!(w, 0);
        assert_eq!(rec.this_worker(), 0, "stable per thread");
        rec.task_started_at(1, w, 10);
        assert_eq!(rec.current_step(0), None, "not started");
        assert_eq!(
            rec.current_step(1),
            Some(StepKind::Wait),
            "first step under way"
        );
        rec.step_ran(1, 0, w, 10, 20);
        assert_eq!(
            rec.current_step(1),
            Some(StepKind::Cpu),
            "the step after the last ended"
        );
        rec.task(1).progress.fetch_add(7, Ordering::Relaxed);
        let now = rec.task_now(1);
        assert_eq!(
            (now.start_ns, now.end_ns, now.divisions),
            (Some(10), None, 7)
        );
        rec.task_finished_at(1, Answer::Prime(true), 40);
        assert_eq!(rec.current_step(1), None, "finished");
        assert_eq!(rec.task_now(1).end_ns, Some(40));
        let other = std::thread::scope(|s| s.spawn(|| rec.this_worker()).join().unwrap());
        assert_eq!(other, 1);
        assert_eq!(rec.workers_seen(), 2);
        let ev = rec.events();
        assert_eq!(ev[0].runs, 0);
        assert!(ev[0].start_s.is_nan());
        assert_eq!(ev[1].runs, 1);
        assert_eq!(ev[1].answer, Some(Answer::Prime(true)));
        assert_eq!(ev[1].steps.len(), 1);
        assert_eq!(ev[1].steps[0].kind, StepKind::Wait);
        assert!((ev[1].end_s - 40e-9).abs() < 1e-15);
    }

    #[test]
    fn a_new_recorder_numbers_threads_afresh() {
        let a = Recorder::new(1, &[], Instant::now());
        assert_eq!(a.this_worker(), 0);
        let b = Recorder::new(1, &[], Instant::now());
        assert_eq!(b.this_worker(), 0);
    }
}
