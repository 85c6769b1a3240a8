//! The results of a run as plain data: what every output and export reads.
//!
//! Built once from the measurements, with the derived figures (median and spread of the
//! repeated runs, speedup, efficiency, CPU use) and the notes computed here, so that the table,
//! JSON and charts can never disagree.

use serde::{Deserialize, Serialize};

use crate::judge::context::Context;
use crate::machine::Machine;
use crate::plan::Plan;
use crate::plan::approaches::catalogue;
use crate::plan::approaches::{self as approach, Family};
use crate::plan::ideal::{self, Concurrency, WorkCost};
use crate::plan::workload::WorkloadKind;
use crate::run::bench::RunMeasurement;
// What a report holds of the run's records: public here, where a library user reads them.
pub use crate::run::record::ChildFigures;
pub use crate::run::record::recorder::{StepEvent, TaskEvent};
use crate::stats;

/// The version of the JSON document's layout; `--compare` reads only this version.
pub const FORMAT_VERSION: u32 = 1;

/// A whole run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The layout version of this document ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The parlab version that measured it.
    pub parlab_version: String,
    /// When, by which command line, kernel and compiler (fixed under `--mock`).
    #[serde(default)]
    pub context: Context,
    /// The machine it ran on.
    pub machine: Machine,
    /// The settings.
    pub config: ConfigSummary,
    /// One entry per approach, fastest first; unverified ones last.
    pub results: Vec<ApproachResult>,
    /// What the work itself cost, measured: computation and waits of every task (the ideal
    /// of every approach is computed from it).
    #[serde(default)]
    pub work: WorkCost,
    /// The same work as CPython did it, when Python approaches ran (their ideal comes from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_work: Option<WorkCost>,
    /// Notable facts the figures show, one sentence each.
    pub notes: Vec<String>,
    /// What this run teaches, and how the same would go in Python: one or two sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// How busy other programs kept the machine while parlab measured (left out where nothing
    /// was read, as under the mock).
    #[serde(default, skip_serializing_if = "MachineLoad::is_unread")]
    pub load: MachineLoad,
    /// The bare primitives' costs, measured after a `noop` run (see [`crate::run::floor`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub floors: Vec<crate::run::floor::Floor>,
}

/// The settings of a run, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConfigSummary {
    /// The workload id.
    pub workload: WorkloadKind,
    /// The number tested for primality.
    pub number: u64,
    /// Tasks per approach.
    pub tasks: u32,
    /// Workers of pooled approaches.
    pub pool_size: usize,
    /// One wait, s.
    pub io_wait_s: f64,
    /// Measured runs per approach as asked (`--runs`); null when decided from the first run.
    #[serde(default)]
    pub runs: Option<u32>,
    /// Warm-up runs per approach as asked (`--warmup`); null when decided from the first run.
    #[serde(default)]
    pub warmup: Option<u32>,
    /// The command each task ran (`--command`), `{task}` not replaced; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The user's Python function each task called (`--py-func`), as given; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub py_func: Option<String>,
    /// The warm-up and measured runs each approach actually had, in the order asked for
    /// (`--approach`, an unasked baseline first): the order of the exports' results.
    #[serde(default)]
    pub repetitions_used: Vec<RepetitionsUsed>,
}

/// The runs one approach actually had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepetitionsUsed {
    /// The approach's id.
    pub approach: String,
    /// Warm-up runs (not measured).
    pub warmup: u32,
    /// Measured runs.
    pub runs: u32,
}

impl ConfigSummary {
    /// The work in a few words: `mixed × 6 tasks (number 97, io wait 200.0 ms)`, naming the
    /// number only for work that computes and the wait only for work that waits.
    pub fn work_text(&self) -> String {
        let w = self.workload.workload();
        let mut what = Vec::new();
        if w.computes() {
            what.push(format!("number {}", self.number));
        }
        if w.waits() {
            what.push(format!(
                "io wait {}",
                crate::format::format_seconds(self.io_wait_s)
            ));
        }
        let what = if what.is_empty() {
            String::new()
        } else {
            format!(" ({})", what.join(", "))
        };
        format!(
            "{} × {} task{}{what}",
            self.work_name(),
            self.tasks,
            if self.tasks == 1 { "" } else { "s" },
        )
    }

    /// What each task did, in a word: the user's Python function as `FILE.py:NAME` (its
    /// folder left out) or `module:NAME`, else the workload's id.
    pub fn work_name(&self) -> &str {
        match &self.py_func {
            Some(f) => f.rsplit('/').next().unwrap_or(f),
            None => self.workload.id(),
        }
    }

    /// The runs used, in a few words: `1 warm-up + 3 runs each`, or per approach when they
    /// differ.
    pub fn repetitions_text(&self) -> String {
        let plural = |n: u32, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let each = |u: &RepetitionsUsed| {
            format!(
                "{} + {}",
                plural(u.warmup, "warm-up"),
                plural(u.runs, "run")
            )
        };
        match self.repetitions_used.first() {
            None => "no runs".into(),
            Some(first)
                if self
                    .repetitions_used
                    .iter()
                    .all(|u| (u.warmup, u.runs) == (first.warmup, first.runs)) =>
            {
                format!("{} each", each(first))
            }
            Some(_) => self
                .repetitions_used
                .iter()
                .map(|u| format!("{} {}", u.approach, each(u)))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// One approach's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApproachResult {
    /// The approach's id.
    pub approach: String,
    /// Its family (sequential, thread, async, process).
    pub family: Family,
    /// Wall-clock time, s: the median of the measured runs.
    pub wall_s: f64,
    /// The fastest run's wall-clock time, s.
    pub wall_s_min: f64,
    /// The slowest run's wall-clock time, s.
    pub wall_s_max: f64,
    /// The mean wall-clock time, s.
    pub wall_s_mean: f64,
    /// The sample standard deviation of the wall-clock times, s (0 for one run).
    pub wall_s_stddev: f64,
    /// The coefficient of variation of the wall-clock times (0.01 = 1%).
    pub wall_cv: f64,
    /// Times faster than sequential: sequential's median over this one's; null without a
    /// baseline.
    pub speedup: Option<f64>,
    /// The smallest speedup of one run over the baseline's run of the same round (over any
    /// baseline run where the two had different run counts), so that `speedup` lies in
    /// `speedup_min..=speedup_max`; null without a baseline.
    pub speedup_min: Option<f64>,
    /// The largest such speedup; null without a baseline.
    pub speedup_max: Option<f64>,
    /// The work–span bound on this approach's wall time over its measured wall time (1.0 = as
    /// fast as the work and the approach's concurrency allow; see [`crate::plan::ideal`]); null for
    /// work that costs nothing.
    pub efficiency: Option<f64>,
    /// The least wall time this approach could take on this work, s (the work–span bound).
    #[serde(default)]
    pub ideal_wall_s: Option<f64>,
    /// The speedup over one task at a time that bound means: sequential's bound on the same
    /// work (CPython's for a Python row) over it, so never past the approach's width on work
    /// that only computes; null without a baseline or for work that costs nothing.
    pub ideal_speedup: Option<f64>,
    /// User CPU time, s.
    pub cpu_user_s: f64,
    /// System CPU time, s.
    pub cpu_sys_s: f64,
    /// CPU time over wall time (1.0 = one core busy throughout).
    pub cpu_use: f64,
    /// Peak resident memory of parlab's own process: its size at start-up plus the most the
    /// run added, KiB.
    pub peak_rss_kib: u64,
    /// Largest peak resident memory of one child process, KiB (process approaches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_peak_rss_kib: Option<u64>,
    /// Voluntary context switches.
    pub voluntary_switches: u64,
    /// Involuntary context switches.
    pub involuntary_switches: u64,
    /// Every task ran once and answered right.
    pub verified: bool,
    /// Why it is not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Every task of the representative run (the one nearest the median): worker, start and
    /// end (s since the approach started), answer, steps. CPU, memory and switch figures above
    /// are that run's too.
    pub tasks: Vec<TaskEvent>,
    /// The child processes (process approaches): worker number, pid, peak memory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ChildFigures>,
    /// Tasks that could compute at once and be in flight at once, where the approach knew
    /// better than its pool size and this machine's cores (a cluster across machines): the
    /// ideal uses them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<(f64, f64)>,
    /// Every measured run, in the order run.
    pub runs: Vec<RunFigures>,
}

/// One measured run's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunFigures {
    /// Wall-clock time, s.
    pub wall_s: f64,
    /// User CPU time, s.
    pub cpu_user_s: f64,
    /// System CPU time, s.
    pub cpu_sys_s: f64,
    /// Peak resident memory of parlab's own process: its size at start-up plus the most the
    /// run added, KiB.
    pub peak_rss_kib: u64,
    /// Largest peak resident memory of one child process, KiB (process approaches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_peak_rss_kib: Option<u64>,
    /// Every task ran once and answered right.
    pub verified: bool,
    /// Far from the other runs (modified Z-score above 3.5).
    pub outlier: bool,
    /// CPU time other programs used during this run, s (None: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_cpu_s: Option<f64>,
    /// That time as a share of the machine: over this run's wall time × the logical cores
    /// (0.5 = others kept half of the cores busy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_share: Option<f64>,
    /// Wall time kept out of `wall_s` as not the approach's own (a Python driver's request,
    /// report and exit), s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_cost_s: Option<f64>,
}

/// How busy the rest of the machine was while parlab measured: other programs take cores from
/// the approaches and slow them, unevenly, so a busy machine changes what a run can teach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MachineLoad {
    /// CPU time other programs used during every measured run together, s (None: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_cpu_s: Option<f64>,
    /// That time as a share of the machine over the measured runs: over their wall time
    /// together × the logical cores (0.5 = others kept half of the cores busy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_share: Option<f64>,
    /// The largest share of one measured run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busiest_run_share: Option<f64>,
    /// Runs measured again because other programs disturbed them (`--wait-idle`).
    #[serde(default)]
    pub retried_runs: u32,
    /// Time spent waiting for the machine to be idle before runs (`--wait-idle`), s.
    #[serde(default)]
    pub idle_wait_s: f64,
}

impl MachineLoad {
    /// True when nothing was read or done: no figure to report.
    pub fn is_unread(&self) -> bool {
        *self == Self::default()
    }

    /// The load over `runs` (every measured run of every approach) on `cores` logical cores.
    pub fn of<'a>(runs: impl IntoIterator<Item = &'a RunFigures>, cores: usize) -> Self {
        let (mut foreign, mut capacity, mut busiest) = (0.0, 0.0, None::<f64>);
        for r in runs {
            let (Some(f), Some(share)) = (r.foreign_cpu_s, r.foreign_share) else {
                continue;
            };
            foreign += f;
            capacity += r.wall_s * cores.max(1) as f64;
            busiest = Some(busiest.map_or(share, |b| b.max(share)));
        }
        Self {
            foreign_cpu_s: busiest.map(|_| foreign),
            foreign_share: busiest.map(|_| {
                if capacity > 0.0 {
                    foreign / capacity
                } else {
                    0.0
                }
            }),
            busiest_run_share: busiest,
            retried_runs: 0,
            idle_wait_s: 0.0,
        }
    }
}

impl Report {
    /// Builds the report of `measurements` (every measured run, of every approach, in the order
    /// run), run with `cfg` on `machine`.
    pub(crate) fn build(cfg: &Plan, machine: Machine, measurements: &[RunMeasurement]) -> Self {
        let mut groups = group_by_approach(measurements);
        // In the order asked for, an unasked baseline first: exports keep it (hyperfine keeps
        // its commands' order); the table below sorts by speed.
        groups.sort_by_key(|g| {
            cfg.approaches
                .iter()
                .position(|a| a.id == g[0].approach)
                .map_or(0, |i| i + 1)
        });
        let baseline: Option<Vec<f64>> = groups
            .iter()
            .find(|g| g[0].approach == cfg.baseline_approach().id && g.iter().all(|m| m.verified))
            .map(|g| g.iter().map(|m| m.wall_s).collect());
        // CPython computes far slower than Rust: each language's approaches are measured
        // against the work as that language does it.
        let is_python = |id: &str| approach::find(id).is_some_and(approach::is_python);
        let work_of = |python: bool| {
            WorkCost::measured(
                cfg.tasks,
                &cfg.work.plan(),
                measurements
                    .iter()
                    .filter(|m| m.verified && is_python(&m.approach) == python)
                    .map(|m| m.tasks.as_slice()),
            )
        };
        let mut work = work_of(false);
        // parlab cannot see inside a command or a user's function: its steps count as
        // computation only as far as the baseline's CPU time says they computed.
        if cfg
            .work
            .plan()
            .contains(&crate::plan::workload::Step::Custom)
            && let Some(cpu_s) = groups
                .iter()
                .find(|g| g[0].approach == catalogue::SEQUENTIAL.id)
                .map(|g| {
                    stats::median(
                        &g.iter()
                            .map(|m| m.cpu_user_s + m.cpu_sys_s)
                            .collect::<Vec<_>>(),
                    )
                })
        {
            work = work.with_compute_at_most(cpu_s);
        }
        let python_work = measurements
            .iter()
            .any(|m| is_python(&m.approach))
            .then(|| work_of(true));
        // The ideal speedup is the baseline's bound over each approach's: both bounds of the
        // same work (CPython's for a Python row), so it never passes the approach's width on
        // work that only computes, however the load slowed the measured baseline.
        let sequential_bound =
            |w: &WorkCost| ideal::sequential_wall_s(w, cfg.tasks, cfg.logical_cores);
        let cores = machine.logical_cores;
        let mut results: Vec<ApproachResult> = groups
            .iter()
            .map(|runs| approach_result(runs, baseline.as_deref(), cores))
            .collect();
        for r in &mut results {
            let own = match &python_work {
                Some(py) if is_python(&r.approach) => py,
                _ => &work,
            };
            let baseline_bound = baseline.as_ref().map(|_| sequential_bound(own));
            r.set_ideal(cfg, own, baseline_bound);
        }
        results.sort_by(|a, b| {
            b.verified
                .cmp(&a.verified)
                .then(a.wall_s.total_cmp(&b.wall_s))
        });
        let load = MachineLoad::of(results.iter().flat_map(|r| &r.runs), cores);
        Self {
            format_version: FORMAT_VERSION,
            parlab_version: env!("CARGO_PKG_VERSION").to_string(),
            context: Context::for_run(cfg.mock),
            machine,
            config: ConfigSummary {
                workload: cfg.work.workload,
                number: cfg.work.number,
                tasks: cfg.tasks,
                pool_size: cfg.pool_size,
                io_wait_s: cfg.work.io_wait().as_secs_f64(),
                runs: cfg.repetitions.runs,
                warmup: cfg.repetitions.warmup,
                command: cfg.command.as_ref().map(|c| c.command.clone()),
                py_func: cfg
                    .approach
                    .python_function
                    .as_ref()
                    .map(|f| f.func.given.clone()),
                repetitions_used: groups
                    .iter()
                    .map(|runs| RepetitionsUsed {
                        approach: runs[0].approach.clone(),
                        warmup: runs[0].warmups,
                        runs: runs.len() as u32,
                    })
                    .collect(),
            },
            results,
            work,
            python_work,
            notes: Vec::new(),
            lesson: None,
            load,
            floors: Vec::new(),
        }
    }

    /// This report with `outcome`'s waiting for an idle machine and its re-measured runs
    /// (`--wait-idle`) in its machine load.
    pub(crate) fn add_waits(&mut self, outcome: &crate::run::bench::BenchOutcome) {
        self.load.retried_runs = outcome.retried_runs;
        self.load.idle_wait_s = outcome.idle_wait_s;
    }

    /// The result of `approach`, if it ran.
    pub fn result(&self, approach: &str) -> Option<&ApproachResult> {
        self.results.iter().find(|r| r.approach == approach)
    }

    /// One line describing the work and the machine of this report.
    pub fn describe(&self) -> String {
        let c = &self.config;
        if let Some(command) = &c.command {
            return format!(
                "`{command}` × {} task{}, pool size {}, on {} ({} logical cores)",
                c.tasks,
                if c.tasks == 1 { "" } else { "s" },
                c.pool_size,
                self.machine.cpu_model,
                self.machine.logical_cores,
            );
        }
        format!(
            "{}, pool size {}, on {} ({} logical cores)",
            c.work_text(),
            c.pool_size,
            self.machine.cpu_model,
            self.machine.logical_cores,
        ) + &self
            .machine
            .python
            .as_ref()
            .map_or(String::new(), |p| format!("; Python: {}", p.describe()))
    }

    /// True when any approach failed its check.
    pub fn any_unverified(&self) -> bool {
        self.results.iter().any(|r| !r.verified)
    }
}

impl ApproachResult {
    /// This approach's own cost per task: how much longer than its ideal it took, per task, s
    /// (None when it failed its check).
    pub fn own_cost_per_task_s(&self, tasks: u32) -> Option<f64> {
        let ideal = self.ideal_wall_s.unwrap_or(0.0);
        self.verified
            .then(|| (self.wall_s - ideal).max(0.0) / f64::from(tasks.max(1)))
    }

    /// True when this approach was faster than `baseline` beyond the noise of both: every pair
    /// of runs agrees, and the median gain exceeds their combined spread (at least 2%).
    pub fn beat_baseline(&self, baseline: Option<&ApproachResult>) -> bool {
        let (Some(s), Some(base)) = (self.speedup, baseline) else {
            return false;
        };
        let noise = (self.wall_cv + base.wall_cv).max(0.02);
        self.verified && s > 1.0 + noise && self.speedup_min.unwrap_or(s) > 1.0
    }

    /// Sets the ideal and the efficiency from the work's cost and this approach's concurrency.
    fn set_ideal(&mut self, cfg: &Plan, work: &WorkCost, baseline_bound_s: Option<f64>) {
        let Some(info) = approach::find(&self.approach) else {
            return;
        };
        let mut c = Concurrency::of(info, cfg.pool_size, cfg.tasks, cfg.logical_cores);
        if let Some((compute, in_flight)) = self.concurrency {
            let tasks = f64::from(cfg.tasks.max(1));
            c = Concurrency {
                compute: compute.min(tasks).max(1.0),
                in_flight: in_flight.min(tasks).max(1.0),
            };
        }
        let bound = ideal::ideal_wall_s(work, c);
        self.ideal_wall_s = (bound > 0.0).then_some(bound);
        self.ideal_speedup = ideal::ideal_speedup(baseline_bound_s, bound);
        self.efficiency = self
            .verified
            .then(|| ideal::efficiency(bound, self.wall_s))
            .flatten();
    }
}

/// The runs of each approach, approaches in the order they first ran.
fn group_by_approach(measurements: &[RunMeasurement]) -> Vec<Vec<&RunMeasurement>> {
    let mut groups: Vec<Vec<&RunMeasurement>> = Vec::new();
    for m in measurements {
        match groups.iter_mut().find(|g| g[0].approach == m.approach) {
            Some(g) => g.push(m),
            None => groups.push(vec![m]),
        }
    }
    groups
}

/// One approach's figures from its runs (at least one), against the baseline's run times.
fn approach_result(
    runs: &[&RunMeasurement],
    baseline: Option<&[f64]>,
    cores: usize,
) -> ApproachResult {
    let walls: Vec<f64> = runs.iter().map(|m| m.wall_s).collect();
    let summary = stats::Summary::of(&walls);
    let outliers = stats::outliers(&walls);
    // The representative run: the one nearest the median among those that kept their task
    // events (see bench::keep), so its events come with its figures. (Whether none has events
    // is asked once: asked per run, it made 16,000 runs' report quadratic.)
    let none_has_events = runs.iter().all(|r| r.tasks.is_empty());
    let rep = runs
        .iter()
        .filter(|m| none_has_events || !m.tasks.is_empty())
        .min_by(|a, b| {
            (a.wall_s - summary.median)
                .abs()
                .total_cmp(&(b.wall_s - summary.median).abs())
        })
        .copied()
        .unwrap_or(runs[0]);
    let verified = runs.iter().all(|m| m.verified);
    let info = approach::find(&rep.approach);
    let (speedup, speedup_min, speedup_max) = match baseline.filter(|_| verified) {
        Some(base) => {
            let (lo, hi) = stats::speedup_range(base, &walls).unzip();
            (
                stats::speedup(Some(stats::median(base)), summary.median),
                lo,
                hi,
            )
        }
        None => (None, None, None),
    };
    ApproachResult {
        approach: rep.approach.clone(),
        family: info.map_or(Family::Sequential, |i| i.family),
        wall_s: summary.median,
        wall_s_min: summary.min,
        wall_s_max: summary.max,
        wall_s_mean: summary.mean,
        wall_s_stddev: summary.stddev,
        wall_cv: summary.cv,
        speedup,
        speedup_min,
        speedup_max,
        efficiency: None,
        ideal_wall_s: None,
        ideal_speedup: None,
        cpu_user_s: rep.cpu_user_s,
        cpu_sys_s: rep.cpu_sys_s,
        cpu_use: stats::cpu_use(rep.cpu_user_s + rep.cpu_sys_s, rep.wall_s),
        peak_rss_kib: rep.peak_rss_kib,
        child_peak_rss_kib: rep.child_peak_rss_kib,
        voluntary_switches: rep.voluntary_switches,
        involuntary_switches: rep.involuntary_switches,
        verified,
        problem: runs.iter().find_map(|m| m.problem.clone()),
        tasks: rep.tasks.clone(),
        children: rep.children.clone(),
        concurrency: rep.concurrency,
        runs: runs
            .iter()
            .enumerate()
            .map(|(i, m)| RunFigures {
                wall_s: m.wall_s,
                cpu_user_s: m.cpu_user_s,
                cpu_sys_s: m.cpu_sys_s,
                peak_rss_kib: m.peak_rss_kib,
                child_peak_rss_kib: m.child_peak_rss_kib,
                verified: m.verified,
                outlier: outliers.contains(&i),
                foreign_cpu_s: m.foreign_cpu_s,
                foreign_share: m
                    .foreign_cpu_s
                    .map(|f| f / (m.wall_s * cores.max(1) as f64).max(f64::MIN_POSITIVE)),
                fixed_cost_s: m.fixed_cost_s,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::config::mock_config;
    use crate::cancel::Cancel;
    use crate::run::bench::{self, Quiet, mock::MockExecutor};

    fn measured(args: &[&str]) -> (Plan, Vec<RunMeasurement>) {
        let cfg = mock_config(args);
        let out = bench::run_all(&cfg, &MockExecutor, &Cancel::new(), &mut Quiet);
        (cfg, out.measurements)
    }

    #[test]
    fn figures_summarise_every_run() {
        let (cfg, ms) = measured(&["--approach", "threads", "--runs", "9", "--warmup", "1"]);
        let report = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg);
        assert_eq!(report.format_version, FORMAT_VERSION);
        assert_eq!(report.config.runs, Some(9));
        let t = report.result("threads").unwrap();
        let walls: Vec<f64> = ms
            .iter()
            .filter(|m| m.approach == "threads")
            .map(|m| m.wall_s)
            .collect();
        assert_eq!(t.runs.len(), 9);
        assert_eq!(t.runs.iter().map(|r| r.wall_s).collect::<Vec<_>>(), walls);
        assert_eq!(t.wall_s, stats::median(&walls));
        assert_eq!(t.wall_s_min, walls.iter().copied().fold(f64::MAX, f64::min));
        assert_eq!(t.wall_s_max, walls.iter().copied().fold(0.0, f64::max));
        assert!(t.wall_s_stddev > 0.0 && t.wall_cv > 0.0);
        // The mock's 8th run (7th measured) is its outlier.
        let flagged: Vec<usize> = (0..9).filter(|&i| t.runs[i].outlier).collect();
        assert_eq!(flagged, [6]);
        // Speedup: medians for the headline, pair-wise ratios for the range.
        let s = report.result("sequential").unwrap();
        assert_eq!(t.speedup, Some(s.wall_s / t.wall_s));
        let (lo, hi) = (t.speedup_min.unwrap(), t.speedup_max.unwrap());
        assert!(
            lo < t.speedup.unwrap() && t.speedup.unwrap() < hi,
            "{lo} {hi}"
        );
        // The representative run's tasks and CPU time are one run's, the one nearest the median.
        let rep = &ms
            .iter()
            .filter(|m| m.approach == "threads")
            .collect::<Vec<_>>()[stats::median_index(&walls).unwrap()];
        assert_eq!(t.tasks, rep.tasks);
        assert_eq!(t.cpu_user_s, rep.cpu_user_s);
    }

    #[test]
    fn one_run_has_no_spread_and_an_unverified_approach_no_speedup() {
        let (cfg, mut ms) = measured(&["--approach", "threads", "--runs", "1"]);
        ms[1].verified = false;
        ms[1].problem = Some("task 0 ran 2 times".into());
        let report = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg);
        let t = report.result("threads").unwrap();
        assert_eq!((t.wall_s_stddev, t.wall_cv), (0.0, 0.0));
        assert_eq!(
            (t.speedup, t.speedup_min, t.speedup_max),
            (None, None, None)
        );
        assert_eq!(report.results.last().unwrap().approach, "threads");
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("too few to show a spread"))
        );
    }

    #[test]
    fn spread_notes_name_noise_outliers_and_a_slow_first_run() {
        // No warm-up: the mock's first run is 1.3 times slower.
        let (cfg, ms) = measured(&["--approach", "threads", "--runs", "9", "--warmup", "0"]);
        let report = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg);
        let notes = report.notes.join("\n");
        assert!(
            notes.contains("first measured run was much slower"),
            "{notes}"
        );
        assert!(notes.contains("outlier run"), "{notes}");
        assert!(notes.contains("looks noisy"), "{notes}");
        // Several outliers are counted, and the farthest named.
        let (cfg, mut ms) = measured(&["--approach", "threads", "--runs", "9", "--warmup", "1"]);
        let threads: Vec<usize> = (0..ms.len())
            .filter(|&i| ms[i].approach == "threads")
            .collect();
        ms[threads[1]].wall_s *= 1.5;
        ms[threads[4]].wall_s *= 2.0;
        let notes = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg)
            .notes
            .join("\n");
        assert!(
            notes.contains("threads 3 of 9 runs, the farthest run 5 ("),
            "{notes}"
        );
        // Three steady runs: none of these.
        let (cfg, ms) = measured(&["--approach", "threads", "--runs", "3", "--warmup", "1"]);
        let notes = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg)
            .notes
            .join("\n");
        assert!(!notes.contains("slower than the rest"), "{notes}");
        assert!(!notes.contains("outlier"), "{notes}");
        assert!(!notes.contains("noisy"), "{notes}");
    }

    #[test]
    fn the_json_round_trips() {
        let (cfg, ms) = measured(&["--approach", "rayon", "--runs", "3"]);
        let report = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg);
        let text = serde_json::to_string(&report).unwrap();
        let back = crate::judge::compare::parse(&text).unwrap();
        // serde_json reads floats back to within a unit in the last place.
        assert_eq!(back.results.len(), report.results.len());
        for (a, b) in back.results.iter().zip(&report.results) {
            assert_eq!((&a.approach, a.runs.len()), (&b.approach, b.runs.len()));
            assert!((a.wall_s - b.wall_s).abs() < 1e-12 * b.wall_s);
        }
        assert_eq!(
            (back.config.tasks, back.notes),
            (report.config.tasks, report.notes)
        );
    }
}
