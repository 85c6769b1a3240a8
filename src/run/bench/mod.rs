//! The measured run: each chosen approach runs the same tasks several times, timed and
//! accounted.
//!
//! [`run_all`] is the scheduler: it orders the approaches (the baseline first), and runs them in
//! rounds, each approach once per round (A B C A B C ...), so that drift in the machine's speed
//! hits all alike; [`repeat`] decides how many warm-up and measured runs each gets. Each run goes
//! to an [`Executor`] (the real one measures; the mock one makes up exact figures for tests),
//! every answer is checked, and an [`Observer`] hears as each run starts and finishes so that
//! progress and exports happen outside the timed region. Runs that finished are kept whatever
//! happens to a later one.

pub mod idle;
pub mod keep;
pub mod mock;
pub mod repeat;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::plan::Plan;
use crate::plan::workload::{Answer, WorkSpec};
use crate::run::approach::{Approach, ApproachError, ChildFigures, RunContext};
use crate::run::record::recorder::{Recorder, TaskEvent};
use crate::run::record::{load, measure};
pub use keep::{EVENT_RUNS_KEPT, EventKeeper};
use repeat::RunPlan;

/// One measured run of one approach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeasurement {
    /// The approach's id.
    pub approach: String,
    /// Wall-clock time from the first task's dispatch to the last task's end, s.
    pub wall_s: f64,
    /// User CPU time of this process and its reaped children during the run, s.
    pub cpu_user_s: f64,
    /// System CPU time, likewise, s.
    pub cpu_sys_s: f64,
    /// Peak resident memory of this process: its size at start-up plus the most the run
    /// added, KiB.
    pub peak_rss_kib: u64,
    /// Largest peak resident memory a child process reported, KiB (process approaches only).
    pub child_peak_rss_kib: Option<u64>,
    /// Voluntary context switches.
    pub voluntary_switches: u64,
    /// Involuntary context switches.
    pub involuntary_switches: u64,
    /// Whether every task ran exactly once and gave the right answer.
    pub verified: bool,
    /// Why the run is not verified.
    pub problem: Option<String>,
    /// Every task's event.
    pub tasks: Vec<TaskEvent>,
    /// The child processes, for process approaches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ChildFigures>,
    /// Tasks that could compute at once and be in flight at once, where the approach said
    /// (see [`crate::run::record::Outcome::concurrency`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<(f64, f64)>,
    /// Warm-up runs of this approach before this run (set by [`run_all`]).
    #[serde(default)]
    pub warmups: u32,
    /// CPU time the rest of the machine (other programs, not parlab nor its children) used
    /// while this run went on, s; None where it could not be read (no `/proc/stat`, the mock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_cpu_s: Option<f64>,
    /// Wall time the run spent on what is not the approach's own work and kept out of
    /// `wall_s` (a Python driver reading its request, writing its report, exiting), s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_cost_s: Option<f64>,
}

/// Runs one approach and measures it.
pub trait Executor {
    /// Runs `approach` on `ctx`'s tasks and returns its figures (answers not yet checked).
    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError>;

    /// Runs the `ordinal`-th run (from 0, warm-ups included) of `approach`. Only a model needs
    /// the ordinal (to vary its figures run by run); a real executor just measures.
    fn measure_run(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
        _ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        self.measure(approach, ctx)
    }

    /// Others' share of the cores over `window` (1.0: every core busy with other programs),
    /// for `--wait-idle`; None where it cannot be told (then nothing waits).
    fn machine_share(&self, _window: std::time::Duration, _cancel: &Cancel) -> Option<f64> {
        None
    }
}

/// Hears about the run as it goes, outside the timed region.
///
/// Every run, warm-up or measured, begins with `started`; a measured run ends with `finished`,
/// a warm-up run with `discarded` (so a progress display should treat both as an end).
pub trait Observer {
    /// A run of `approach` is about to start; `recorder` fills as it does.
    fn started(&mut self, _approach: &dyn Approach, _recorder: &Arc<Recorder>) {}
    /// A measured run finished (verified or not); its figures are kept.
    fn finished(&mut self, _measurement: &RunMeasurement) {}
    /// A warm-up run finished; its figures are thrown away.
    fn discarded(&mut self, _measurement: &RunMeasurement) {}
    /// `approach` will have `warmups` warm-up and `runs` measured runs (told after its first).
    fn planned(&mut self, _approach: &str, _warmups: u32, _runs: u32) {}
    /// `approach` has all its runs (or failed its check and runs no more); `runs` are its
    /// measured runs.
    fn complete(&mut self, _approach: &str, _runs: &[RunMeasurement]) {}
    /// parlab waits before a run (`--wait-idle`); `why` says for what.
    fn waiting(&mut self, _why: &str) {}
}

/// A boxed observer hears what its contents hear.
impl<O: Observer + ?Sized> Observer for Box<O> {
    fn started(&mut self, approach: &dyn Approach, recorder: &Arc<Recorder>) {
        (**self).started(approach, recorder);
    }
    fn finished(&mut self, m: &RunMeasurement) {
        (**self).finished(m);
    }
    fn discarded(&mut self, m: &RunMeasurement) {
        (**self).discarded(m);
    }
    fn planned(&mut self, approach: &str, warmups: u32, runs: u32) {
        (**self).planned(approach, warmups, runs);
    }
    fn complete(&mut self, approach: &str, runs: &[RunMeasurement]) {
        (**self).complete(approach, runs);
    }
    fn waiting(&mut self, why: &str) {
        (**self).waiting(why);
    }
}

/// An observer that does nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// Two observers hear everything, the first first.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn started(&mut self, approach: &dyn Approach, recorder: &Arc<Recorder>) {
        self.0.started(approach, recorder);
        self.1.started(approach, recorder);
    }
    fn finished(&mut self, m: &RunMeasurement) {
        self.0.finished(m);
        self.1.finished(m);
    }
    fn discarded(&mut self, m: &RunMeasurement) {
        self.0.discarded(m);
        self.1.discarded(m);
    }
    fn planned(&mut self, approach: &str, warmups: u32, runs: u32) {
        self.0.planned(approach, warmups, runs);
        self.1.planned(approach, warmups, runs);
    }
    fn complete(&mut self, approach: &str, runs: &[RunMeasurement]) {
        self.0.complete(approach, runs);
        self.1.complete(approach, runs);
    }
    fn waiting(&mut self, why: &str) {
        self.0.waiting(why);
        self.1.waiting(why);
    }
}

/// parlab's resident memory when it first measured anything, KiB.
static STARTUP_RSS_KIB: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// The real executor: wall clock, getrusage and the peak-memory mark around the approach.
pub struct RealExecutor;

impl Executor for RealExecutor {
    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError> {
        // An approach's peak is parlab's resident memory at start-up plus the most this run
        // added to it. What earlier runs left behind (their kept task events, allocator caches)
        // is not this approach's, so the mark is reset and the resident size before the run is
        // taken off. This run's recorder was allocated and touched before, so it is left out of
        // every approach alike. Where the mark cannot be reset, the lifetime peak is reported.
        // Outside the timed region: e.g. a Python interpreter started and ready.
        approach.prepare(&ctx)?;
        let startup = *STARTUP_RSS_KIB.get_or_init(measure::current_rss_kib);
        let resettable = measure::reset_peak_rss();
        let resident = measure::current_rss_kib();
        let gauge = load::Gauge::start();
        let before = measure::Usage::now();
        let start = Instant::now();
        let outcome = approach.run(&ctx)?;
        let mut wall = start.elapsed();
        let timed = wall;
        // Where the approach says when its own work began and ended, that span is the wall
        // time, and the task times count from its start.
        let mut fixed_cost_s = None;
        let mut start = start;
        if let Some((from, to)) = outcome.span_ns {
            let own = Duration::from_nanos(to - from);
            fixed_cost_s = Some(wall.saturating_sub(own).as_secs_f64());
            wall = own;
            start = ctx.recorder.origin() + Duration::from_nanos(from);
        }
        let own_share = if timed.is_zero() {
            1.0
        } else {
            wall.as_secs_f64() / timed.as_secs_f64()
        };
        let mut used = measure::Usage::now().since(&before);
        let foreign = gauge.as_ref().and_then(load::Gauge::foreign);
        if let Some((user, sys)) = outcome.cpu_before_run {
            // Taken off the total: the kernel splits a process's CPU time between user and
            // system by sampling, so two readings may split the same time differently.
            let total = (used.user + used.sys).saturating_sub(user + sys);
            used.user = used.user.saturating_sub(user).min(total);
            used.sys = total - used.user;
        }
        if let Some((user, sys)) = outcome.cpu_elsewhere {
            used.user += user;
            used.sys += sys;
        }
        // Where the approach measured its span's CPU, that is the run's CPU: the same span as
        // its wall time.
        if let (Some(_), Some((user, sys))) = (outcome.span_ns, outcome.span_cpu) {
            used.user = user;
            used.sys = sys;
        }
        let mark = measure::peak_rss_kib();
        let peak = if resettable {
            startup + mark.saturating_sub(resident)
        } else {
            mark
        };
        let children = outcome.children;
        let concurrency = outcome.concurrency;
        Ok(RunMeasurement {
            approach: approach.info().id.to_string(),
            wall_s: wall.as_secs_f64(),
            cpu_user_s: used.user.as_secs_f64(),
            cpu_sys_s: used.sys.as_secs_f64(),
            peak_rss_kib: peak,
            child_peak_rss_kib: children
                .iter()
                .map(|c| c.peak_rss_kib)
                .max()
                .or(ctx.recorder.child_peak_kib()),
            voluntary_switches: used.voluntary,
            involuntary_switches: used.involuntary,
            verified: false,
            // A custom task's own account of its failure (a command's status and stderr).
            problem: ctx.recorder.first_problem(),
            tasks: rebase(ctx.recorder.events(), &ctx.recorder, start),
            children,
            concurrency,
            warmups: 0,
            // Others' CPU over the approach's own span, where it reported one (their rate
            // over the whole timed region, which the span lies within).
            foreign_cpu_s: foreign.map(|f| f.as_secs_f64() * own_share),
            fixed_cost_s,
        })
    }

    fn machine_share(&self, window: std::time::Duration, cancel: &Cancel) -> Option<f64> {
        load::sample_share(window, crate::machine::logical_cores(), cancel)
    }
}

/// Task times on the approach's own clock: seconds since its timed region started.
fn rebase(mut events: Vec<TaskEvent>, rec: &Recorder, start: Instant) -> Vec<TaskEvent> {
    let shift = start.saturating_duration_since(rec.origin()).as_secs_f64();
    if shift > 0.0 {
        for e in &mut events {
            e.start_s -= shift;
            e.end_s -= shift;
            for s in &mut e.steps {
                s.start_s -= shift;
                s.end_s -= shift;
            }
        }
    }
    events
}

/// Checks that every task ran exactly once and answered as the reference does. A problem the
/// executor already found (a custom task's own message) is kept: it says more.
pub fn verify(m: &mut RunMeasurement, work: &WorkSpec, tasks: u32) {
    let expected = work.expected_answer();
    let problem = if let Some(p) = m.problem.take() {
        Some(p)
    } else if m.tasks.len() != tasks as usize {
        Some(format!("{} of {tasks} tasks recorded", m.tasks.len()))
    } else {
        m.tasks.iter().find_map(|e| match (e.runs, e.answer) {
            (1, Some(a)) if a == expected => None,
            (1, Some(Answer::Failed(fault))) => {
                Some(format!("task {} failed: {}", e.task, fault.describe()))
            }
            (1, Some(a)) => Some(format!("task {} answered {a}, expected {expected}", e.task)),
            (1, None) => Some(format!("task {} never finished", e.task)),
            (n, _) => Some(format!("task {} ran {n} times", e.task)),
        })
    };
    m.verified = problem.is_none();
    m.problem = problem;
}

/// Why a run stopped before every approach had run.
#[derive(Debug)]
pub enum Stop {
    /// A signal (SIGINT, SIGTERM) arrived.
    Signal(i32),
    /// An approach failed.
    Failed(String),
}

/// What a whole run produced: the measured approaches, and why it stopped early if it did.
#[derive(Debug)]
pub struct BenchOutcome {
    /// Every measured run that finished, in the order run (rounds interleave the approaches).
    pub measurements: Vec<RunMeasurement>,
    /// Set when the run stopped before its end.
    pub stop: Option<Stop>,
    /// Runs measured again because other programs disturbed them (`--wait-idle`).
    pub retried_runs: u32,
    /// Time spent waiting for the machine to be idle (`--wait-idle`), s.
    pub idle_wait_s: f64,
}

/// The approaches to run, in order: the baseline (when wanted) first, then the user's order.
pub fn schedule(cfg: &Plan) -> Vec<&'static dyn Approach> {
    cfg.schedule()
        .into_iter()
        .map(crate::run::approach::implementation)
        .collect()
}

/// Runs every scheduled approach in rounds, as often as its [`repeat::RunPlan`] says, measuring
/// each run with `executor`.
pub fn run_all(
    cfg: &Plan,
    executor: &dyn Executor,
    cancel: &Cancel,
    observer: &mut dyn Observer,
) -> BenchOutcome {
    let plan = cfg.work.plan();
    let order = schedule(cfg);
    let mut plans: Vec<RunPlan> = order
        .iter()
        .map(|_| RunPlan::new(cfg.repetitions))
        .collect();
    let deadline = cfg.max_time.map(|max| Instant::now() + max);
    let mut ordinals = vec![0u32; order.len()];
    let mut warmups = vec![0u32; order.len()];
    let mut measurements: Vec<RunMeasurement> = Vec::new();
    let mut keeper = EventKeeper::new();
    let mut idle = idle::IdleWatch::new(cfg);
    let stopped = |measurements, stop, idle: &idle::IdleWatch| BenchOutcome {
        measurements,
        stop: Some(stop),
        retried_runs: idle.retried,
        idle_wait_s: idle.waited.as_secs_f64(),
    };
    while plans.iter().any(|p| p.next().is_some()) {
        for (i, approach) in order.iter().enumerate() {
            let Some(kind) = plans[i].next() else {
                continue;
            };
            // Past `--max-time`, an approach with a measured run starts no more.
            if deadline.is_some_and(|d| Instant::now() >= d) && plans[i].measured() > 0 {
                plans[i].stop();
                complete(observer, &measurements, approach.info().id);
                continue;
            }
            // A run that other programs disturbed is measured again (`--wait-idle`).
            let mut retries = 0;
            let mut m = loop {
                idle.wait(executor, cancel, observer);
                if let Some(signal) = cancel.signal() {
                    return stopped(measurements, Stop::Signal(signal), &idle);
                }
                let recorder = Arc::new(
                    Recorder::new(cfg.tasks, &plan, Instant::now())
                        .with_custom(cfg.approach.runner()),
                );
                observer.started(*approach, &recorder);
                let ctx = RunContext {
                    work: cfg.work,
                    tasks: cfg.tasks,
                    pool_size: cfg.pool_size,
                    chunk_size: cfg.chunk_size,
                    recorder,
                    cancel: cancel.clone(),
                    task_timeout: cfg.task_timeout,
                    settings: cfg.approach.clone(),
                };
                let m = match executor.measure_run(*approach, ctx, ordinals[i]) {
                    Ok(m) => m,
                    Err(e) => {
                        let stop = match (cancel.signal(), e) {
                            (Some(signal), _) => Stop::Signal(signal),
                            (None, ApproachError::Failed(msg)) => Stop::Failed(msg),
                            (None, ApproachError::Cancelled) => Stop::Failed(format!(
                                "approach {} stopped early",
                                approach.info().id
                            )),
                        };
                        return stopped(measurements, stop, &idle);
                    }
                };
                let disturbed = (kind != repeat::RunKind::Warmup)
                    .then(|| idle.disturbed(&m, retries))
                    .flatten();
                if let Some(share) = disturbed {
                    retries += 1;
                    observer.waiting(&format!(
                        "other programs used {:.0}% of the cores during this run of {}: \
                         measuring it again",
                        share * 100.0,
                        m.approach
                    ));
                    observer.discarded(&m);
                    continue;
                }
                break m;
            };
            ordinals[i] += 1;
            verify(&mut m, &cfg.work, cfg.tasks);
            let first = ordinals[i] == 1;
            // A run that failed its check is kept whatever its kind, and is the approach's last.
            let kept = plans[i].record(kind, m.wall_s) || !m.verified;
            if first {
                let p = &plans[i];
                observer.planned(&m.approach, p.warmups().unwrap_or(0), p.runs().unwrap_or(0));
            }
            if !m.verified {
                plans[i].stop();
            }
            if kept {
                m.warmups = warmups[i];
                observer.finished(&m);
                measurements.push(m);
                let last = measurements.len() - 1;
                keeper.keep(&mut measurements, last);
            } else {
                warmups[i] += 1;
                observer.discarded(&m);
            }
            if plans[i].next().is_none() {
                complete(observer, &measurements, approach.info().id);
            }
        }
    }
    BenchOutcome {
        measurements,
        stop: None,
        retried_runs: idle.retried,
        idle_wait_s: idle.waited.as_secs_f64(),
    }
}

/// Tells `observer` that approach `id` has all its runs.
fn complete(observer: &mut dyn Observer, measurements: &[RunMeasurement], id: &str) {
    let runs: Vec<RunMeasurement> = measurements
        .iter()
        .filter(|m| m.approach == id)
        .cloned()
        .collect();
    observer.complete(id, &runs);
}

#[cfg(test)]
mod tests;
