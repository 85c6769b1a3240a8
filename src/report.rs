//! The results of a run as plain data: what every output and export reads.
//!
//! Built once from the measurements, with the derived figures (speedup, efficiency, CPU use)
//! and the notes computed here, so that the table, JSON and charts can never disagree.

use serde::{Deserialize, Serialize};

use crate::approach::{self, ChildFigures, Family, Width};
use crate::bench::RunMeasurement;
use crate::bench::recorder::TaskEvent;
use crate::config::RunConfig;
use crate::machine::Machine;
use crate::stats;
use crate::workload::WorkloadKind;

/// A whole run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The parlab version that measured it.
    pub parlab_version: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// The settings.
    pub config: ConfigSummary,
    /// One entry per approach, fastest first; unverified ones last.
    pub results: Vec<ApproachResult>,
    /// Notable facts the figures show, one sentence each.
    pub notes: Vec<String>,
}

/// The settings of a run, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// One approach's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproachResult {
    /// The approach's id.
    pub approach: String,
    /// Its family (sequential, thread, async, process).
    pub family: Family,
    /// Wall-clock time, s.
    pub wall_s: f64,
    /// Times faster than sequential; null without a baseline.
    pub speedup: Option<f64>,
    /// Speedup over the ideal for this run (0..1); null without a baseline.
    pub efficiency: Option<f64>,
    /// The speedup a perfect approach of this kind could reach here.
    pub ideal_speedup: usize,
    /// User CPU time, s.
    pub cpu_user_s: f64,
    /// System CPU time, s.
    pub cpu_sys_s: f64,
    /// CPU time over wall time (1.0 = one core busy throughout).
    pub cpu_use: f64,
    /// Peak resident memory of parlab's own process during the run, KiB.
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
    /// Every task: worker, start and end (s since the approach started), answer, steps.
    pub tasks: Vec<TaskEvent>,
    /// The child processes (process approaches): worker number, pid, peak memory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ChildFigures>,
}

impl Report {
    /// Builds the report of `measurements`, run with `cfg` on `machine`.
    pub fn build(cfg: &RunConfig, machine: Machine, measurements: &[RunMeasurement]) -> Self {
        let baseline = measurements
            .iter()
            .find(|m| m.approach == "sequential" && m.verified)
            .map(|m| m.wall_s);
        let mut results: Vec<ApproachResult> = measurements
            .iter()
            .map(|m| {
                let info = approach::find(&m.approach).map(|a| a.info());
                let ideal = info.map_or(1, |i| ideal_speedup(cfg, i.cpu_width, i.wait_width));
                let speedup = if m.verified {
                    stats::speedup(baseline, m.wall_s)
                } else {
                    None
                };
                ApproachResult {
                    approach: m.approach.clone(),
                    family: info.map_or(Family::Sequential, |i| i.family),
                    wall_s: m.wall_s,
                    speedup,
                    efficiency: stats::efficiency(speedup, ideal),
                    ideal_speedup: ideal,
                    cpu_user_s: m.cpu_user_s,
                    cpu_sys_s: m.cpu_sys_s,
                    cpu_use: stats::cpu_use(m.cpu_user_s + m.cpu_sys_s, m.wall_s),
                    peak_rss_kib: m.peak_rss_kib,
                    child_peak_rss_kib: m.child_peak_rss_kib,
                    voluntary_switches: m.voluntary_switches,
                    involuntary_switches: m.involuntary_switches,
                    verified: m.verified,
                    problem: m.problem.clone(),
                    tasks: m.tasks.clone(),
                    children: m.children.clone(),
                }
            })
            .collect();
        results.sort_by(|a, b| {
            b.verified
                .cmp(&a.verified)
                .then(a.wall_s.total_cmp(&b.wall_s))
        });
        let mut report = Self {
            parlab_version: env!("CARGO_PKG_VERSION").to_string(),
            machine,
            config: ConfigSummary {
                workload: cfg.work.workload,
                number: cfg.work.number,
                tasks: cfg.tasks,
                pool_size: cfg.pool_size,
                io_wait_s: cfg.work.io_wait().as_secs_f64(),
            },
            results,
            notes: Vec::new(),
        };
        report.notes = crate::notes::notes(&report, cfg);
        report
    }

    /// The result of `approach`, if it ran.
    pub fn result(&self, approach: &str) -> Option<&ApproachResult> {
        self.results.iter().find(|r| r.approach == approach)
    }

    /// True when any approach failed its check.
    pub fn any_unverified(&self) -> bool {
        self.results.iter().any(|r| !r.verified)
    }
}

/// The best speedup over sequential an approach of these widths could reach on this run: the
/// tasks it can run at once, capped by the cores for work that computes.
pub fn ideal_speedup(cfg: &RunConfig, cpu: Width, wait: Width) -> usize {
    let tasks = cfg.tasks as usize;
    match cfg.work.workload {
        WorkloadKind::Io | WorkloadKind::Noop => wait.resolve(cfg.pool_size, tasks),
        WorkloadKind::Cpu | WorkloadKind::Mixed => cpu
            .resolve(cfg.pool_size, tasks)
            .min(cfg.logical_cores)
            .max(1),
    }
}
