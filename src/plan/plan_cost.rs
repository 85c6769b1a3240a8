//! The whole plan's cost before anything runs: every scheduled approach (the baseline
//! included), each run's least wall time, times the warm-up and measured runs
//! [`crate::run::bench::repeat`] will give it. Printed as one line when the plan is long, and held
//! against `--max-time`, which bounds the whole plan: a plan that could not fit even with one
//! run of each approach is refused before anything runs; one that fits only with fewer runs is
//! cut short by the scheduler's deadline (see [`crate::run::bench::run_all`]).
//!
//! Waits are known from the plan. Computation is estimated from one short, bounded timing of
//! the trial division (a few milliseconds), counted only where the number of divisions is known
//! (a prime is divided all the way); elsewhere it counts as nothing, so the estimate stays a
//! lower bound, and approaches' own costs (starting processes, the interpreter) are left out
//! likewise. A Python approach divides [`PYTHON_DIVISION_FACTOR`] times slower, at least.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use crate::format::format_seconds;
use crate::plan::Repetitions;
use crate::plan::approaches::ApproachInfo;
use crate::plan::ideal::{Concurrency, WorkCost, ideal_wall_s};
use crate::plan::repetitions::{auto_runs, auto_warmup};
use crate::plan::workload::{Step, WorkSpec};

/// Plans shorter than this, s, get no line.
pub const QUIET_BELOW_S: f64 = 10.0;

/// How many times longer CPython takes for a trial division than Rust, at least: measured at
/// 30-60 times on CPython 3.8-3.12, so 20 keeps a Python row's estimate a lower bound (as the
/// whole estimate is, for `--max-time`) without the Rust cost's being some 40 times too low.
pub const PYTHON_DIVISION_FACTOR: f64 = 20.0;

/// Divisions timed once to estimate the cost of one.
const SAMPLE_DIVISIONS: u64 = 2_000_000;

/// What one task costs, as far as it is known before running.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskCost {
    /// Computation, s (0 where unknown).
    pub compute_s: f64,
    /// Waits, s.
    pub wait_s: f64,
}

impl TaskCost {
    /// The cost of one task of `work`, with `division_s` the cost of one trial division.
    pub fn of(work: &WorkSpec, division_s: f64) -> Self {
        let known = crate::plan::primes::is_prime_reference(work.number);
        let mut cost = Self {
            compute_s: 0.0,
            wait_s: 0.0,
        };
        for step in work.plan() {
            match step {
                Step::Wait(ns) | Step::Request { wait_ns: ns, .. } => {
                    cost.wait_s += ns as f64 / 1e9
                }
                Step::Divide { from, to } if known && to >= from => {
                    cost.compute_s += (to - from + 1) as f64 * division_s
                }
                // A connection's time is not planned: the measured cost shows it.
                Step::Connect | Step::Divide { .. } | Step::Custom | Step::Call(_) => {}
            }
        }
        cost
    }

    /// `tasks` such tasks.
    pub fn times(self, tasks: u32) -> WorkCost {
        let n = f64::from(tasks);
        WorkCost {
            tasks,
            compute_s: self.compute_s * n,
            wait_s: self.wait_s * n,
            longest_task_s: self.compute_s + self.wait_s,
        }
    }
}

/// The cost of one trial division on this machine, s: `SAMPLE_DIVISIONS` timed once.
pub fn division_s() -> f64 {
    let n = crate::plan::DEFAULT_NUMBER;
    let start = Instant::now();
    let found = crate::plan::primes::divide(
        std::hint::black_box(n),
        2,
        SAMPLE_DIVISIONS + 1,
        &AtomicU64::new(0),
        || false,
    );
    std::hint::black_box(found);
    start.elapsed().as_secs_f64() / SAMPLE_DIVISIONS as f64
}

/// One approach's share of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The approach's id.
    pub id: &'static str,
    /// The least wall time of one run, s.
    pub run_s: f64,
    /// Runs it will have, warm-ups included, by the rules or as asked.
    pub runs: u32,
    /// Runs it must have even when cut short: the asked counts, else a warm-up where the rules
    /// give one and one measured run.
    pub fewest_runs: u32,
}

/// The whole plan's cost.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCost {
    /// Every scheduled approach, the baseline first.
    pub parts: Vec<Part>,
    /// Whether the first part is a baseline the user did not name.
    pub unasked_baseline: bool,
    /// Whether the work waits.
    pub waits: bool,
}

impl PlanCost {
    /// The cost of running `order` on `tasks` tasks of `work`.
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        order: &[&ApproachInfo],
        unasked_baseline: bool,
        work: &WorkSpec,
        tasks: u32,
        pool_size: usize,
        cores: usize,
        asked: Repetitions,
        division_s: f64,
    ) -> Self {
        let cost = TaskCost::of(work, division_s).times(tasks);
        let py_cost = TaskCost::of(work, division_s * PYTHON_DIVISION_FACTOR).times(tasks);
        let parts = order
            .iter()
            .map(|a| {
                let own = if crate::plan::approaches::is_python(a) {
                    &py_cost
                } else {
                    &cost
                };
                let run_s = ideal_wall_s(own, Concurrency::of(a, pool_size, tasks, cores));
                let warm = asked.warmup.unwrap_or_else(|| auto_warmup(run_s));
                Part {
                    id: a.id,
                    run_s,
                    runs: warm + asked.runs.unwrap_or_else(|| auto_runs(run_s)),
                    fewest_runs: warm + asked.runs.unwrap_or(1),
                }
            })
            .collect();
        Self {
            parts,
            unasked_baseline,
            waits: cost.wait_s > 0.0,
        }
    }

    /// The whole plan, s.
    pub fn total_s(&self) -> f64 {
        self.parts.iter().map(|p| p.run_s * f64::from(p.runs)).sum()
    }

    /// The plan with each approach run as few times as it must, s.
    pub fn fewest_s(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| p.run_s * f64::from(p.fewest_runs))
            .sum()
    }

    /// The part that costs most in all.
    fn largest(&self) -> Option<&Part> {
        self.parts
            .iter()
            .max_by(|a, b| (a.run_s * f64::from(a.runs)).total_cmp(&(b.run_s * f64::from(b.runs))))
    }

    /// What takes longest, and what to change: "the sequential baseline alone is 200 s a run;
    /// add --no-baseline or use fewer --tasks".
    pub fn why(&self) -> String {
        let Some(part) = self.largest() else {
            return String::new();
        };
        let baseline = self.unasked_baseline && self.parts.first() == Some(part);
        let runs = match part.runs {
            1 => "1 run".to_string(),
            n => format!("{n} runs"),
        };
        let what = if baseline {
            format!(
                "the sequential baseline alone is {} a run ({runs})",
                per_run(part.run_s)
            )
        } else {
            format!(
                "the longest, {}, is {} a run ({runs})",
                part.id,
                per_run(part.run_s)
            )
        };
        let mut fixes = Vec::new();
        if baseline {
            fixes.push("add --no-baseline");
        }
        fixes.push("use fewer --tasks");
        if self.waits {
            fixes.push("a shorter --io-wait");
        }
        if part.runs > 1 {
            fixes.push("--runs 1 --warmup 0");
        }
        format!("{what}; {}", join_or(&fixes))
    }

    /// The line printed before a long plan, or None for a short one. `max` is `--max-time`.
    pub fn line(&self, max: Option<Duration>) -> Option<String> {
        let total = self.total_s();
        if total < QUIET_BELOW_S {
            return None;
        }
        let cut = match max {
            Some(m) if total > m.as_secs_f64() => format!(
                " (--max-time {} stops it sooner: fewer runs each)",
                format_seconds(m.as_secs_f64())
            ),
            _ => String::new(),
        };
        Some(format!(
            "parlab: this plan takes about {}{cut}: {}",
            about(total),
            self.why()
        ))
    }

    /// Refuses a plan that could not end within `max` even with each approach run as few
    /// times as it must.
    pub fn check(&self, max: Option<Duration>) -> Result<(), crate::error::UsageError> {
        let Some(max) = max else { return Ok(()) };
        let fewest = self.fewest_s();
        if fewest <= max.as_secs_f64() {
            return Ok(());
        }
        Err(crate::error::UsageError::bad(
            "--max-time",
            format!(
                "this plan takes at least {} even with as few runs as it allows, more than \
                 --max-time {}: {}",
                about(fewest),
                format_seconds(max.as_secs_f64()),
                self.why()
            ),
            "or raise --max-time (none: no limit)",
        ))
    }
}

/// One run's time: "200 s", "4 s", "0.300 s".
fn per_run(s: f64) -> String {
    if s < 1.0 {
        format_seconds(s)
    } else if s < 600.0 {
        format!("{} s", s.round() as u64)
    } else {
        about(s)
    }
}

/// "a, b or c".
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A rounded duration for a plan: "45 min", "2 h 10 min", "40 s".
pub fn about(s: f64) -> String {
    if s < 90.0 {
        format!("{} s", s.round().max(1.0) as u64)
    } else if s < 5400.0 {
        format!("{} min", (s / 60.0).round() as u64)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("{} h {} min", m / 60, m % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::workload::{NetSpec, WorkloadKind};

    fn io(wait_s: f64) -> WorkSpec {
        WorkSpec {
            workload: WorkloadKind::Io,
            number: 0,
            io_wait_ns: (wait_s * 1e9) as u64,
            net: NetSpec::DEFAULT,
        }
    }

    fn find(id: &str) -> &'static ApproachInfo {
        crate::plan::approaches::find(id).unwrap()
    }

    #[test]
    fn a_long_baseline_is_named_with_its_fix() {
        let order = [find("sequential"), find("threads")];
        let plan = PlanCost::of(
            &order,
            true,
            &io(1.0),
            200,
            2,
            2,
            Repetitions::default(),
            1e-9,
        );
        // 200 s a run: no warm-up, 60 / 200 rounds down to 1 run; threads: 1 s, 1 + 5 runs.
        assert_eq!(plan.parts[0].runs, 1);
        assert_eq!(plan.parts[1].runs, 6);
        assert!((plan.total_s() - 206.0).abs() < 1e-6, "{}", plan.total_s());
        let line = plan.line(None).unwrap();
        assert!(
            line.starts_with("parlab: this plan takes about 3 min:"),
            "{line}"
        );
        assert!(
            line.contains(
                "the sequential baseline alone is 200 s a run (1 run); add --no-baseline"
            ),
            "{line}"
        );
        let max = Some(Duration::from_secs(60));
        let err = plan.check(max).unwrap_err().to_string();
        assert!(
            err.starts_with("--max-time: this plan takes at least 3 min"),
            "{err}"
        );
        assert!(err.contains("--no-baseline"), "{err}");
        assert!(plan.check(Some(Duration::from_secs(600))).is_ok());
    }

    #[test]
    fn short_plans_are_quiet_and_runs_asked_are_counted() {
        let order = [find("sequential"), find("thread-pool")];
        let auto = PlanCost::of(
            &order,
            false,
            &io(0.001),
            4,
            2,
            2,
            Repetitions::default(),
            1e-9,
        );
        assert_eq!(auto.line(None), None);
        let asked = Repetitions {
            runs: Some(10),
            warmup: Some(2),
        };
        let plan = PlanCost::of(&order, false, &io(1.0), 4, 2, 2, asked, 1e-9);
        // sequential 4 s and thread-pool 2 s a run, 12 runs each.
        assert!((plan.total_s() - 72.0).abs() < 1e-6);
        assert_eq!(
            plan.fewest_s(),
            plan.total_s(),
            "asked counts are not trimmed"
        );
        let why = plan.why();
        assert!(
            why.contains("the longest, sequential, is 4 s a run (12 runs)"),
            "{why}"
        );
    }

    #[test]
    fn computation_counts_where_the_divisions_are_known() {
        let cpu = |number| WorkSpec {
            workload: WorkloadKind::Cpu,
            number,
            io_wait_ns: 0,
            net: NetSpec::DEFAULT,
        };
        let prime = TaskCost::of(&cpu(1_000_000_007), 1e-9);
        assert!(
            (prime.compute_s - 31_621.0 * 1e-9).abs() < 1e-9,
            "{prime:?}"
        );
        assert_eq!(TaskCost::of(&cpu(1_000_000_008), 1e-9).compute_s, 0.0);
        let d = division_s();
        assert!(d > 0.0 && d < 1e-6, "{d}");
        assert_eq!(about(44.6 * 60.0), "45 min");
        assert_eq!(about(7_300.0), "2 h 2 min");
    }

    #[test]
    fn python_rows_divide_slower_than_rust_rows() {
        let cpu = WorkSpec {
            workload: WorkloadKind::Cpu,
            number: 1_000_000_007,
            io_wait_ns: 0,
            net: NetSpec::DEFAULT,
        };
        let order = [find("sequential"), find("py-sequential")];
        let plan = PlanCost::of(&order, false, &cpu, 4, 2, 2, Repetitions::default(), 1e-8);
        let ratio = plan.parts[1].run_s / plan.parts[0].run_s;
        assert!((ratio - PYTHON_DIVISION_FACTOR).abs() < 1e-9, "{plan:?}");
    }
}
