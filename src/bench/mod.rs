//! The measured run: each chosen approach runs the same tasks once, timed and accounted.
//!
//! [`run_all`] is the scheduler: it orders the approaches (the baseline first), hands each to an
//! [`Executor`] (the real one measures; the mock one makes up exact figures for tests), checks
//! every answer, and tells an [`Observer`] as each approach starts and finishes so that progress
//! and exports happen outside the timed region. Results of approaches that finished are kept
//! whatever happens to a later one.

pub mod measure;
pub mod mock;
pub mod recorder;

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::approach::{Approach, ApproachError, ChildFigures, RunContext};
use crate::cancel::Cancel;
use crate::config::RunConfig;
use crate::workload::WorkSpec;
use recorder::{Recorder, TaskEvent};

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
    /// Peak resident memory of this process during the run, KiB.
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
}

/// Runs one approach and measures it.
pub trait Executor {
    /// Runs `approach` on `ctx`'s tasks and returns its figures (answers not yet checked).
    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError>;
}

/// Hears about the run as it goes, outside the timed region.
pub trait Observer {
    /// `approach` is about to run; `recorder` fills as it does.
    fn started(&mut self, _approach: &dyn Approach, _recorder: &Arc<Recorder>) {}
    /// `approach` finished (verified or not).
    fn finished(&mut self, _measurement: &RunMeasurement) {}
}

/// An observer that does nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// The real executor: wall clock, getrusage and the peak-memory mark around the approach.
pub struct RealExecutor;

impl Executor for RealExecutor {
    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError> {
        measure::reset_peak_rss();
        let before = measure::Usage::now();
        let start = Instant::now();
        // The recorder was allocated and touched before the reset, so its memory counts in the
        // baseline of every approach alike.
        let outcome = approach.run(&ctx)?;
        let wall = start.elapsed();
        let used = measure::Usage::now().since(&before);
        let peak = measure::peak_rss_kib();
        let children = outcome.children;
        Ok(RunMeasurement {
            approach: approach.info().id.to_string(),
            wall_s: wall.as_secs_f64(),
            cpu_user_s: used.user.as_secs_f64(),
            cpu_sys_s: used.sys.as_secs_f64(),
            peak_rss_kib: peak,
            child_peak_rss_kib: children.iter().map(|c| c.peak_rss_kib).max(),
            voluntary_switches: used.voluntary,
            involuntary_switches: used.involuntary,
            verified: false,
            problem: None,
            tasks: rebase(ctx.recorder.events(), &ctx.recorder, start),
            children,
        })
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

/// Checks that every task ran exactly once and answered as the reference does.
pub fn verify(m: &mut RunMeasurement, work: &WorkSpec, tasks: u32) {
    let expected = work.expected_answer();
    let problem = if m.tasks.len() != tasks as usize {
        Some(format!("{} of {tasks} tasks recorded", m.tasks.len()))
    } else {
        m.tasks.iter().find_map(|e| match (e.runs, e.answer) {
            (1, Some(a)) if a == expected => None,
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
    /// Every approach that finished, in the order run.
    pub measurements: Vec<RunMeasurement>,
    /// Set when the run stopped before its end.
    pub stop: Option<Stop>,
}

/// The approaches to run, in order: the baseline (when wanted) first, then the user's order.
pub fn schedule(cfg: &RunConfig) -> Vec<&'static dyn Approach> {
    let mut order: Vec<&'static dyn Approach> = Vec::new();
    let sequential = crate::approach::find("sequential").expect("sequential is registered");
    if cfg.baseline || cfg.approaches.iter().any(|a| a.info().id == "sequential") {
        order.push(sequential);
    }
    for a in &cfg.approaches {
        if !order.iter().any(|o| o.info().id == a.info().id) {
            order.push(*a);
        }
    }
    order
}

/// Runs every scheduled approach once, measuring each with `executor`.
pub fn run_all(
    cfg: &RunConfig,
    executor: &dyn Executor,
    cancel: &Cancel,
    observer: &mut dyn Observer,
) -> BenchOutcome {
    let plan = cfg.work.plan();
    let mut measurements = Vec::new();
    for approach in schedule(cfg) {
        if let Some(signal) = cancel.signal() {
            return BenchOutcome {
                measurements,
                stop: Some(Stop::Signal(signal)),
            };
        }
        let recorder = Arc::new(Recorder::new(cfg.tasks, &plan, Instant::now()));
        observer.started(approach, &recorder);
        let ctx = RunContext {
            work: cfg.work,
            tasks: cfg.tasks,
            pool_size: cfg.pool_size,
            recorder,
            cancel: cancel.clone(),
        };
        match executor.measure(approach, ctx) {
            Ok(mut m) => {
                verify(&mut m, &cfg.work, cfg.tasks);
                observer.finished(&m);
                measurements.push(m);
            }
            Err(e) => {
                let stop = match (cancel.signal(), e) {
                    (Some(signal), _) => Stop::Signal(signal),
                    (None, ApproachError::Failed(msg)) => Stop::Failed(msg),
                    (None, ApproachError::Cancelled) => {
                        Stop::Failed(format!("approach {} stopped early", approach.info().id))
                    }
                };
                return BenchOutcome {
                    measurements,
                    stop: Some(stop),
                };
            }
        }
    }
    BenchOutcome {
        measurements,
        stop: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Answer;

    fn config(approach: &str) -> RunConfig {
        let args = [
            "--approach",
            approach,
            "--number",
            "97",
            "--tasks",
            "3",
            "--pool-size",
            "2",
        ];
        crate::export::fixture::config_for(&args)
    }

    #[test]
    fn a_wrong_or_missing_answer_fails_the_check_and_is_never_fastest() {
        let cfg = config("threads,rayon");
        let mut out = run_all(&cfg, &mock::MockExecutor, &Cancel::new(), &mut Quiet);
        assert!(out.stop.is_none());
        assert!(out.measurements.iter().all(|m| m.verified));
        // Make the fastest approach wrong: one task answers "composite" for a prime.
        let threads = out
            .measurements
            .iter_mut()
            .find(|m| m.approach == "threads")
            .unwrap();
        threads.tasks[1].answer = Some(Answer::Prime(false));
        threads.wall_s = 1e-9;
        verify(threads, &cfg.work, cfg.tasks);
        assert!(!threads.verified);
        assert!(
            threads
                .problem
                .as_deref()
                .unwrap()
                .contains("task 1 answered composite")
        );
        let report =
            crate::report::Report::build(&cfg, crate::machine::Machine::mock(), &out.measurements);
        assert_eq!(report.results.last().unwrap().approach, "threads");
        assert_eq!(report.results.last().unwrap().speedup, None);
        assert!(report.notes[0].contains("threads FAILED"));

        let rayon = out
            .measurements
            .iter_mut()
            .find(|m| m.approach == "rayon")
            .unwrap();
        rayon.tasks[2].runs = 2;
        verify(rayon, &cfg.work, cfg.tasks);
        assert_eq!(rayon.problem.as_deref(), Some("task 2 ran 2 times"));
        rayon.tasks.pop();
        verify(rayon, &cfg.work, cfg.tasks);
        assert_eq!(rayon.problem.as_deref(), Some("2 of 3 tasks recorded"));
    }

    #[test]
    fn the_baseline_runs_first_and_a_signal_stops_the_run_keeping_results() {
        let cfg = config("rayon,async");
        let order: Vec<_> = schedule(&cfg).iter().map(|a| a.info().id).collect();
        assert_eq!(order, ["sequential", "rayon", "async"]);

        struct StopAfterFirst(Cancel);
        impl Observer for StopAfterFirst {
            fn finished(&mut self, _m: &RunMeasurement) {
                self.0.raise(15);
            }
        }
        let cancel = Cancel::new();
        let out = run_all(
            &cfg,
            &mock::MockExecutor,
            &cancel,
            &mut StopAfterFirst(cancel.clone()),
        );
        assert_eq!(out.measurements.len(), 1);
        assert!(matches!(out.stop, Some(Stop::Signal(15))));
    }
}
