//! The scheduler's behaviour: interleaved rounds, the observer's calls, and what survives a
//! failure or a signal. A scripted executor wraps the mock so every figure is exact.

use std::cell::RefCell;
use std::sync::Arc;

use super::mock::MockExecutor;
use super::*;
use crate::approach::{Approach, ApproachError, RunContext};
use crate::cancel::Cancel;
use crate::record::recorder::Recorder;

/// What the scripted executor does on its `n`-th call (from 0).
#[derive(Clone, Copy, PartialEq)]
enum Script {
    Measure,
    Fail,
    WrongAnswer,
    Signal,
}

/// Decides what call `n` (from 0) of approach `id` does.
type ScriptFn = Box<dyn Fn(usize, &str) -> Script>;

struct Scripted {
    calls: RefCell<Vec<(String, u32)>>,
    script: ScriptFn,
    cancel: Cancel,
}

impl Executor for Scripted {
    fn measure(&self, a: &dyn Approach, ctx: RunContext) -> Result<RunMeasurement, ApproachError> {
        self.measure_run(a, ctx, 0)
    }

    fn measure_run(
        &self,
        a: &dyn Approach,
        ctx: RunContext,
        ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        let n = self.calls.borrow().len();
        self.calls
            .borrow_mut()
            .push((a.info().id.to_string(), ordinal));
        match (self.script)(n, a.info().id) {
            Script::Measure => MockExecutor.measure_run(a, ctx, ordinal),
            Script::Fail => Err(ApproachError::Failed("boom".into())),
            Script::Signal => {
                self.cancel.raise(2);
                Err(ApproachError::Cancelled)
            }
            Script::WrongAnswer => {
                let mut m = MockExecutor.measure_run(a, ctx, ordinal)?;
                m.tasks[0].answer = Some(crate::workload::Answer::Prime(false));
                Ok(m)
            }
        }
    }
}

use crate::config::mock_config as config;

fn scripted(cancel: &Cancel, script: impl Fn(usize, &str) -> Script + 'static) -> Scripted {
    Scripted {
        calls: RefCell::new(Vec::new()),
        script: Box::new(script),
        cancel: cancel.clone(),
    }
}

/// Records every observer call as a line.
#[derive(Default)]
struct Log(Vec<String>);

impl Observer for Log {
    fn started(&mut self, a: &dyn Approach, _: &Arc<Recorder>) {
        self.0.push(format!("started {}", a.info().id));
    }
    fn finished(&mut self, m: &RunMeasurement) {
        self.0.push(format!("finished {}", m.approach));
    }
    fn discarded(&mut self, m: &RunMeasurement) {
        self.0.push(format!("discarded {}", m.approach));
    }
    fn planned(&mut self, a: &str, warmups: u32, runs: u32) {
        self.0.push(format!("planned {a} {warmups}+{runs}"));
    }
    fn complete(&mut self, a: &str, runs: &[RunMeasurement]) {
        self.0.push(format!("complete {a} {}", runs.len()));
    }
}

#[test]
fn rounds_interleave_the_approaches() {
    let cfg = config(&[
        "--approach",
        "threads,rayon",
        "--runs",
        "3",
        "--warmup",
        "1",
    ]);
    let cancel = Cancel::new();
    let exec = scripted(&cancel, |_, _| Script::Measure);
    let mut log = Log::default();
    let out = run_all(&cfg, &exec, &cancel, &mut log);
    assert!(out.stop.is_none());
    let order: Vec<String> = exec
        .calls
        .borrow()
        .iter()
        .map(|(a, n)| format!("{a}#{n}"))
        .collect();
    let expected: Vec<String> = (0..4)
        .flat_map(|n| ["sequential", "threads", "rayon"].map(|a| format!("{a}#{n}")))
        .collect();
    assert_eq!(order, expected);
    // Warm-ups are discarded, the rest kept, in the order run.
    assert_eq!(out.measurements.len(), 9);
    assert_eq!(out.measurements[0].approach, "sequential");
    assert_eq!(out.measurements[1].approach, "threads");
    assert_eq!(
        &log.0[..4],
        [
            "started sequential",
            "planned sequential 1+3",
            "discarded sequential",
            "started threads"
        ]
    );
    assert_eq!(
        log.0.iter().filter(|l| l.starts_with("finished")).count(),
        9
    );
    assert_eq!(
        log.0.iter().filter(|l| l.starts_with("discarded")).count(),
        3
    );
    assert_eq!(
        log.0
            .iter()
            .filter(|l| l.starts_with("complete"))
            .collect::<Vec<_>>(),
        [
            "complete sequential 3",
            "complete threads 3",
            "complete rayon 3"
        ]
    );
}

#[test]
fn the_default_plan_follows_each_approachs_first_run() {
    // The mock's sequential takes 0.4 s and threads 0.2 s (first runs 1.3 times that).
    let cfg = config(&["--approach", "threads"]);
    let cancel = Cancel::new();
    let exec = scripted(&cancel, |_, _| Script::Measure);
    let mut log = Log::default();
    let out = run_all(&cfg, &exec, &cancel, &mut log);
    let count = |id: &str| out.measurements.iter().filter(|m| m.approach == id).count();
    assert_eq!(count("sequential"), repeat::auto_runs(0.4 * 1.3) as usize);
    assert_eq!(count("threads"), repeat::auto_runs(0.2 * 1.3) as usize);
    assert!(count("threads") > count("sequential"));
    assert!(
        log.0.contains(&"planned threads 1+8".to_string()),
        "{:?}",
        log.0
    );
}

#[test]
fn a_failure_keeps_the_runs_that_finished() {
    let cfg = config(&[
        "--approach",
        "threads,rayon",
        "--runs",
        "3",
        "--warmup",
        "0",
    ]);
    let cancel = Cancel::new();
    // Round 2's rayon run fails.
    let exec = scripted(&cancel, |n, _| {
        if n == 5 {
            Script::Fail
        } else {
            Script::Measure
        }
    });
    let out = run_all(&cfg, &exec, &cancel, &mut Quiet);
    assert!(matches!(out.stop, Some(Stop::Failed(ref m)) if m == "boom"));
    let ids: Vec<&str> = out
        .measurements
        .iter()
        .map(|m| m.approach.as_str())
        .collect();
    assert_eq!(
        ids,
        ["sequential", "threads", "rayon", "sequential", "threads"]
    );
}

#[test]
fn a_signal_stops_the_rounds_and_keeps_what_finished() {
    let cfg = config(&["--approach", "threads", "--runs", "5", "--warmup", "0"]);
    let cancel = Cancel::new();
    let exec = scripted(&cancel, |n, _| {
        if n == 3 {
            Script::Signal
        } else {
            Script::Measure
        }
    });
    let out = run_all(&cfg, &exec, &cancel, &mut Quiet);
    assert!(matches!(out.stop, Some(Stop::Signal(2))));
    assert_eq!(out.measurements.len(), 3);
    assert_eq!(
        exec.calls.borrow().len(),
        4,
        "nothing runs after the signal"
    );
}

#[test]
fn a_wrong_answer_is_kept_and_ends_that_approach_only() {
    let cfg = config(&["--approach", "threads", "--runs", "4", "--warmup", "1"]);
    let cancel = Cancel::new();
    // threads' warm-up answers wrong: it must be reported, not thrown away.
    let exec = scripted(&cancel, |_, id| {
        if id == "threads" {
            Script::WrongAnswer
        } else {
            Script::Measure
        }
    });
    let out = run_all(&cfg, &exec, &cancel, &mut Quiet);
    assert!(out.stop.is_none());
    let threads: Vec<_> = out
        .measurements
        .iter()
        .filter(|m| m.approach == "threads")
        .collect();
    assert_eq!(threads.len(), 1);
    assert!(!threads[0].verified);
    assert!(threads[0].problem.as_deref().unwrap().contains("answered"));
    let sequential = out
        .measurements
        .iter()
        .filter(|m| m.approach == "sequential")
        .count();
    assert_eq!(sequential, 4);
}

#[test]
fn only_runs_near_the_median_keep_their_events() {
    let cfg = config(&["--approach", "threads", "--runs", "9", "--warmup", "0"]);
    let cancel = Cancel::new();
    let exec = scripted(&cancel, |_, _| Script::Measure);
    let out = run_all(&cfg, &exec, &cancel, &mut Quiet);
    for id in ["sequential", "threads"] {
        let runs: Vec<_> = out
            .measurements
            .iter()
            .filter(|m| m.approach == id)
            .collect();
        assert_eq!(runs.len(), 9);
        let kept: Vec<_> = runs.iter().filter(|m| !m.tasks.is_empty()).collect();
        assert_eq!(kept.len(), EVENT_RUNS_KEPT, "{id}");
        // They are typical runs: each ranks in the middle of the nine (not the fastest two or the
        // slowest two).
        let mut walls: Vec<f64> = runs.iter().map(|m| m.wall_s).collect();
        walls.sort_by(f64::total_cmp);
        for m in &kept {
            let rank = walls.iter().position(|&w| w == m.wall_s).unwrap();
            assert!((2..7).contains(&rank), "{id}: rank {rank} of {walls:?}");
        }
        // The slow first run (the mock's cold one) and the outlier are not.
        assert!(runs[0].tasks.is_empty() && runs[7].tasks.is_empty(), "{id}");
    }
}

#[test]
fn past_max_time_no_more_runs_start_once_each_approach_has_one() {
    let mut cfg = config(&["--approach", "threads", "--runs", "5", "--warmup", "1"]);
    cfg.max_time = Some(std::time::Duration::ZERO);
    let cancel = Cancel::new();
    let exec = scripted(&cancel, |_, _| Script::Measure);
    let mut log = Log::default();
    let out = run_all(&cfg, &exec, &cancel, &mut log);
    assert!(out.stop.is_none());
    // The warm-up, then one measured run each; then the deadline stops both.
    assert_eq!(exec.calls.borrow().len(), 4);
    assert_eq!(out.measurements.len(), 2);
    assert!(
        log.0.contains(&"complete sequential 1".to_string()),
        "{:?}",
        log.0
    );
    assert!(
        log.0.contains(&"complete threads 1".to_string()),
        "{:?}",
        log.0
    );
}
