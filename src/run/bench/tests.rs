//! The scheduler's behaviour: interleaved rounds, the observer's calls, and what survives a
//! failure or a signal. A scripted executor wraps the mock so every figure is exact.

use std::cell::RefCell;
use std::sync::Arc;

use super::mock::MockExecutor;
use super::*;
use crate::cancel::Cancel;
use crate::run::approach::{Approach, ApproachError, RunContext};
use crate::run::record::recorder::Recorder;

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
                m.tasks[0].answer = Some(crate::plan::workload::Answer::Prime(false));
                Ok(m)
            }
        }
    }
}

use crate::app::config::mock_config as config;

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

/// A CPU-bound program that is not parlab's descendant (as another program on the machine is
/// not), killed when dropped.
struct Hog(libc::pid_t);

impl Hog {
    fn start() -> Self {
        // The inner shell outlives the outer one, so it is nobody's child here.
        let out = std::process::Command::new("sh")
            .args([
                "-c",
                "sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $!",
            ])
            .output()
            .expect("sh runs");
        let pid = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a pid");
        Self(pid)
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        // SAFETY: kill has no memory preconditions; the pid is the hog's.
        unsafe { libc::kill(self.0, libc::SIGKILL) };
    }
}

#[test]
fn another_programs_cpu_during_a_real_run_is_counted_as_foreign() {
    if crate::run::record::load::machine_busy().is_none() {
        return; // no /proc/stat here: nothing to read
    }
    let hog = Hog::start();
    let argv = [
        "parlab",
        "run",
        "-a",
        "sequential",
        "--tasks",
        "6",
        "--runs",
        "1",
        "--warmup",
        "0",
    ];
    let Some(crate::app::cli::Command::Run(run)) =
        <crate::app::cli::Cli as clap::Parser>::try_parse_from(argv)
            .expect("valid args")
            .command
    else {
        unreachable!("a run command")
    };
    let cfg = crate::app::config::RunConfig::from_args(&run)
        .expect("valid config")
        .plan;
    let out = run_all(&cfg, &RealExecutor, &Cancel::new(), &mut Quiet);
    let pid = hog.0;
    drop(hog);
    let m = &out.measurements[0];
    assert!(m.verified, "{m:?}");
    let foreign = m.foreign_cpu_s.expect("read from /proc/stat");
    // The hog had a core's share for the whole run (less, with the run and others' builds
    // taking turns on the cores): a generous fraction of it must show.
    assert!(
        foreign >= 0.25 * m.wall_s,
        "foreign {foreign:.3} s over a wall of {:.3} s",
        m.wall_s
    );
    // The hog is gone.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(state.is_empty() || state.contains(") Z"), "{state}");
}

/// The mock, on a machine whose load a test sets: `share` answers each look at the machine,
/// `foreign` sets each measured run's foreign CPU (by call, from 0).
struct Loaded {
    share: Box<dyn Fn(usize) -> Option<f64>>,
    foreign: Box<dyn Fn(usize) -> f64>,
    looks: RefCell<usize>,
    runs: RefCell<usize>,
}

impl Loaded {
    fn new(
        share: impl Fn(usize) -> Option<f64> + 'static,
        foreign: impl Fn(usize) -> f64 + 'static,
    ) -> Self {
        Self {
            share: Box::new(share),
            foreign: Box::new(foreign),
            looks: RefCell::new(0),
            runs: RefCell::new(0),
        }
    }
}

impl Executor for Loaded {
    fn measure(&self, a: &dyn Approach, ctx: RunContext) -> Result<RunMeasurement, ApproachError> {
        self.measure_run(a, ctx, 0)
    }

    fn measure_run(
        &self,
        a: &dyn Approach,
        ctx: RunContext,
        ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        let n = *self.runs.borrow();
        *self.runs.borrow_mut() += 1;
        let mut m = MockExecutor.measure_run(a, ctx, ordinal)?;
        m.foreign_cpu_s = Some((self.foreign)(n) * m.wall_s);
        Ok(m)
    }

    fn machine_share(&self, _window: std::time::Duration, _cancel: &Cancel) -> Option<f64> {
        let n = *self.looks.borrow();
        *self.looks.borrow_mut() += 1;
        (self.share)(n)
    }
}

/// Observer lines of waiting only.
#[derive(Default)]
struct Waits(Vec<String>);

impl Observer for Waits {
    fn waiting(&mut self, why: &str) {
        self.0.push(why.to_string());
    }
}

const ONE_RUN: [&str; 6] = ["--approach", "sequential", "--runs", "1", "--warmup", "0"];

#[test]
fn a_run_disturbed_twice_is_measured_again_and_counted() {
    let cfg = config(&[&ONE_RUN[..], &["--wait-idle=10s"]].concat());
    // Idle between runs; others take the whole machine (share 1.0 on 2 cores) in the first
    // two runs, nothing in the third.
    let exec = Loaded::new(|_| Some(0.0), |n| if n < 2 { 2.0 } else { 0.0 });
    let mut waits = Waits::default();
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut waits);
    assert!(out.stop.is_none());
    assert_eq!(*exec.runs.borrow(), 3);
    assert_eq!(out.measurements.len(), 1);
    assert_eq!(out.measurements[0].foreign_cpu_s, Some(0.0));
    assert_eq!(out.retried_runs, 2);
    assert_eq!(out.idle_wait_s, 0.0);
    assert_eq!(waits.0.len(), 2, "{:?}", waits.0);
    assert!(
        waits.0[0].contains("used 100% of the cores"),
        "{:?}",
        waits.0
    );

    // A machine that stays busy: measured again at most a few times, then kept.
    let exec = Loaded::new(|_| Some(0.0), |_| 2.0);
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut Quiet);
    assert_eq!(out.retried_runs, idle::MAX_RETRIES);
    assert_eq!(out.measurements.len(), 1);

    // Without --wait-idle nothing is retried nor waited for.
    let cfg = config(&ONE_RUN);
    let exec = Loaded::new(|_| Some(1.0), |_| 2.0);
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut Quiet);
    assert_eq!((out.retried_runs, *exec.looks.borrow()), (0, 0));
}

#[test]
fn waiting_for_an_idle_machine_is_bounded_by_its_limit() {
    let cfg = config(&[&ONE_RUN[..], &["--wait-idle=1s"]].concat());
    // Busy at every look: each look stands for its window, so the limit is reached after
    // four; then the run goes ahead, and later runs wait no more.
    let exec = Loaded::new(|_| Some(0.9), |_| 0.0);
    let mut waits = Waits::default();
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut waits);
    assert!(out.stop.is_none());
    assert_eq!(out.measurements.len(), 1);
    assert_eq!(*exec.looks.borrow(), 4);
    assert!((out.idle_wait_s - 1.0).abs() < 0.2, "{}", out.idle_wait_s);
    assert_eq!(waits.0.len(), 2, "{:?}", waits.0);
    assert!(waits.0[0].contains("90% of the 2 cores"), "{:?}", waits.0);
    assert!(waits.0[1].contains("measuring anyway"), "{:?}", waits.0);

    // A machine that stayed busy past the limit disturbs retries too: none are made.
    let exec = Loaded::new(|_| Some(0.9), |_| 2.0);
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut Quiet);
    assert_eq!((out.retried_runs, *exec.runs.borrow()), (0, 1));

    // Busy twice, then idle: two looks of waiting.
    let exec = Loaded::new(|n| Some(if n < 2 { 0.5 } else { 0.01 }), |_| 0.0);
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut Quiet);
    assert_eq!(*exec.looks.borrow(), 3);
    assert!((out.idle_wait_s - 0.5).abs() < 0.2, "{}", out.idle_wait_s);
}

#[test]
fn ctrl_c_ends_the_wait_at_once() {
    let cfg = config(&[&ONE_RUN[..], &["--wait-idle=1h"]].concat());
    let cancel = Cancel::new();
    let c = cancel.clone();
    let exec = Loaded::new(
        move |n| {
            if n == 2 {
                c.raise(2);
            }
            Some(1.0)
        },
        |_| 0.0,
    );
    let out = run_all(&cfg, &exec, &cancel, &mut Quiet);
    assert!(matches!(out.stop, Some(Stop::Signal(2))), "{:?}", out.stop);
    assert_eq!(*exec.looks.borrow(), 3);
    assert_eq!(*exec.runs.borrow(), 0);
}

#[test]
fn the_busy_mock_reports_the_load_and_efficiencies_within_the_ideal() {
    let cfg = config(&["--mock-load", "2", "--tasks", "8", "--pool-size", "2"]);
    let exec = super::mock::BusyMockExecutor { load: 2.0 };
    let out = run_all(&cfg, &exec, &Cancel::new(), &mut Quiet);
    let report = crate::judge::report::Report::build(
        &cfg,
        crate::machine::Machine::mock(),
        &out.measurements,
    );
    let json = serde_json::to_value(&report).unwrap();
    let share = json["load"]["foreign_share"].as_f64().expect("in the JSON");
    assert!((share - 1.0).abs() < 1e-9, "{share}");
    // Parallel approaches lose more to the load than sequential does.
    let wall = |id: &str| {
        report
            .results
            .iter()
            .find(|r| r.approach == id)
            .unwrap()
            .wall_s
    };
    let idle = crate::app::fixture::report_for(&["--tasks", "8", "--pool-size", "2"]);
    let idle_wall = |id: &str| {
        idle.results
            .iter()
            .find(|r| r.approach == id)
            .unwrap()
            .wall_s
    };
    assert!(wall("threads") / idle_wall("threads") > wall("sequential") / idle_wall("sequential"));
    for r in &report.results {
        if let Some(e) = r.efficiency {
            assert!(e <= 1.0 + 1e-9, "{}: efficiency {e}", r.approach);
        }
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
