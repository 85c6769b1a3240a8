//! `parlab sweep`: the pooled approaches at several pool sizes, to show how each scales.
//!
//! Each pool size is a complete measured run ([`crate::run::bench::run_all`]) that includes its own
//! sequential baseline, interleaved with the pooled approaches round by round. Measuring
//! sequential again at every size costs one more approach per size, but each speedup then
//! comes from runs taken moments apart, so drift over a long sweep (other load, heat) cancels
//! in every ratio instead of bending the curve. The speedups are then fitted to Amdahl's law.

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::judge::report::{ConfigSummary, FORMAT_VERSION, Report};
use crate::machine::Machine;
use crate::plan::Plan;
use crate::plan::approaches::Width;
use crate::plan::approaches::catalogue;
use crate::plan::ideal::{self, Concurrency, WorkCost};
use crate::run::bench::{self, Executor, Observer, Stop};
use crate::stats;

/// A whole sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The layout version of this document.
    pub format_version: u32,
    /// The parlab version that measured it.
    pub parlab_version: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// The settings (its `pool_size` is the first size).
    pub config: ConfigSummary,
    /// The pool sizes tried, ascending.
    pub pool_sizes: Vec<usize>,
    /// The best speedup a pooled approach could reach at each pool size (same order as
    /// `pool_sizes`): the work–span bound of [`crate::plan::ideal`] for a pool of that size; empty
    /// for work that costs nothing.
    pub ideal: Vec<f64>,
    /// What the work itself cost, measured (the least of every size's measurement).
    #[serde(default)]
    pub work: WorkCost,
    /// Sequential's median wall time at each size that finished, s.
    pub sequential_wall_s: Vec<f64>,
    /// One point per pool size and pooled approach, in the order measured.
    pub points: Vec<SweepPoint>,
    /// Each approach's Amdahl's-law fit.
    pub fits: Vec<AmdahlFit>,
    /// Notable facts, one sentence each.
    pub notes: Vec<String>,
}

/// One approach at one pool size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The pool size.
    pub pool_size: usize,
    /// The approach's id.
    pub approach: String,
    /// Median wall time, s.
    pub wall_s: f64,
    /// Standard deviation of the wall times, s.
    pub wall_s_stddev: f64,
    /// Measured runs.
    pub runs: usize,
    /// Times faster than sequential (medians); null if unverified.
    pub speedup: Option<f64>,
    /// Smallest pair-wise speedup.
    pub speedup_min: Option<f64>,
    /// Largest pair-wise speedup.
    pub speedup_max: Option<f64>,
    /// Speedup over the ideal at this size (0..1).
    pub efficiency: Option<f64>,
    /// This approach's own ideal speedup at this size, where it differs from the sweep's
    /// (a cluster across machines has the cores of every host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideal: Option<f64>,
    /// Every task ran once and answered right, in every run.
    pub verified: bool,
}

/// An approach's fit of Amdahl's law, S(n) = 1 / ((1 − p) + p / n).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmdahlFit {
    /// The approach's id.
    pub approach: String,
    /// The fitted parallel fraction p (0..1); null with no size beyond one worker.
    pub parallel_fraction: Option<f64>,
    /// How well the fit explains the speedups (1 = exactly; below [`GOOD_FIT_R2`] the fit is
    /// not drawn: something other than a serial fraction limits the work).
    #[serde(default)]
    pub r_squared: Option<f64>,
}

/// The least R² at which an Amdahl fit is drawn and quoted.
pub const GOOD_FIT_R2: f64 = 0.9;

/// The concurrency of a pool of `pool_size` workers on this run's work (fractional sizes
/// lie on the line between whole ones).
fn pool_concurrency(tasks: u32, cores: usize, pool_size: f64) -> Concurrency {
    Concurrency::of_widths(Width::Pool, Width::Pool, pool_size, tasks, cores)
}

/// The effective workers at `pool_size`: the tasks that can compute at once for work that
/// computes, else the tasks in flight (what Amdahl's n is).
pub fn effective_workers(computes: bool, tasks: u32, cores: usize, pool_size: f64) -> f64 {
    let c = pool_concurrency(tasks, cores, pool_size);
    if computes { c.compute } else { c.in_flight }
}

/// A sweep and why it stopped early, if it did.
pub struct SweepOutcome {
    /// What was measured (every size that finished, and the runs of one that did not).
    pub sweep: Sweep,
    /// Set when the sweep stopped before its end.
    pub stop: Option<Stop>,
    /// Whether any approach failed its check.
    pub any_unverified: bool,
    /// Every pool size's report, in the order measured (for `--export-*`; the last, the
    /// largest size measured, for `--html`, `--trace` and `--timeline`).
    pub reports: Vec<Report>,
}

/// Runs the sweep. `on_size` hears each pool size (index, size) before it runs.
pub fn run(
    plan: &Plan,
    pool_sizes: &[usize],
    executor: &dyn Executor,
    machine: Machine,
    cancel: &Cancel,
    observer: &mut dyn Observer,
    on_size: &mut dyn FnMut(usize, usize),
) -> SweepOutcome {
    let mut reports: Vec<(usize, Report)> = Vec::new();
    let mut stop = None;
    for (i, &size) in pool_sizes.iter().enumerate() {
        on_size(i, size);
        let run_cfg = Plan {
            pool_size: size,
            ..plan.clone()
        };
        let outcome = bench::run_all(&run_cfg, executor, cancel, observer);
        let mut report = Report::build(&run_cfg, machine.clone(), &outcome.measurements);
        report.add_waits(&outcome);
        reports.push((size, crate::judge::notes::annotate(report, &run_cfg)));
        if outcome.stop.is_some() {
            stop = outcome.stop;
            break;
        }
    }
    let any_unverified = reports.iter().any(|(_, r)| r.any_unverified());
    SweepOutcome {
        sweep: summarise(plan, pool_sizes, machine, &reports),
        stop,
        any_unverified,
        reports: reports.into_iter().map(|(_, r)| r).collect(),
    }
}

/// The sweep's figures from each pool size's report.
pub fn summarise(
    plan: &Plan,
    pool_sizes: &[usize],
    machine: Machine,
    reports: &[(usize, Report)],
) -> Sweep {
    let mut points = Vec::new();
    let mut sequential_wall_s = Vec::new();
    let mut notes = Vec::new();
    for (size, report) in reports {
        if let Some(s) = report.result(catalogue::SEQUENTIAL.id) {
            sequential_wall_s.push(s.wall_s);
        }
        let in_order = plan.approaches.iter().filter_map(|a| report.result(a.id));
        for r in in_order.filter(|r| r.approach != catalogue::SEQUENTIAL.id) {
            points.push(SweepPoint {
                pool_size: *size,
                approach: r.approach.clone(),
                wall_s: r.wall_s,
                wall_s_stddev: r.wall_s_stddev,
                runs: r.runs.len(),
                speedup: r.speedup,
                speedup_min: r.speedup_min,
                speedup_max: r.speedup_max,
                efficiency: r.efficiency,
                ideal: r.concurrency.and(r.ideal_speedup),
                verified: r.verified,
            });
        }
        for n in crate::judge::spread::notes(report, plan.vocabulary) {
            notes.push(format!("pool size {size}: {n}"));
        }
        for r in report.results.iter().filter(|r| !r.verified) {
            notes.push(format!(
                "pool size {size}: {} FAILED its check ({})",
                r.approach,
                r.problem.as_deref().unwrap_or("unknown problem")
            ));
        }
    }
    // Approaches in the user's order, as the first size's points list them.
    let mut approaches: Vec<String> = Vec::new();
    for a in &plan.approaches {
        if points.iter().any(|p| p.approach == a.id) {
            approaches.push(a.id.to_string());
        }
    }
    let fits = approaches
        .iter()
        .map(|a| {
            let pts: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| &p.approach == a)
                .filter_map(|p| {
                    let s = p.speedup?;
                    let n = effective_workers(
                        plan.work.workload.computes(),
                        plan.tasks,
                        plan.logical_cores,
                        p.pool_size as f64,
                    );
                    Some((n, s))
                })
                .collect();
            let p = stats::fit_amdahl(&pts);
            AmdahlFit {
                approach: a.clone(),
                parallel_fraction: p,
                r_squared: p.and_then(|p| stats::r_squared(&pts, |n| stats::amdahl(p, n))),
            }
        })
        .collect::<Vec<_>>();
    for f in fits
        .iter()
        .filter(|f| f.r_squared.is_some_and(|r| r < GOOD_FIT_R2))
    {
        notes.push(format!(
            "{}: Amdahl's law does not fit these speedups (R² {:.2}), so no fit is drawn: \
             per-task overhead, not a serial fraction, limits this work",
            f.approach,
            f.r_squared.unwrap_or(0.0)
        ));
    }
    let work = reports
        .iter()
        .map(|(_, r)| r.work)
        .min_by(|a, b| a.busy_s().total_cmp(&b.busy_s()))
        .unwrap_or_default();
    let cores = plan.logical_cores;
    let computes = plan.work.workload.computes();
    if computes && pool_sizes.iter().any(|&n| n > cores) {
        notes.push(format!(
            "pool sizes above the {cores} logical cores cannot compute faster: the ideal line is flat there"
        ));
    }
    let mut own: Vec<&str> = points
        .iter()
        .filter(|p| p.ideal.is_some())
        .map(|p| p.approach.as_str())
        .collect();
    own.dedup();
    if !own.is_empty() {
        notes.push(format!(
            "{}: its ideal (the ideal column and its │ mark) counts the cores of every host it \
             ran on; the ideal line counts this machine's",
            own.join(", ")
        ));
    }
    if let Some(&n) = pool_sizes.iter().find(|&&n| n > plan.tasks as usize) {
        notes.push(format!(
            "only {} tasks: pool sizes from {n} up have idle workers",
            plan.tasks
        ));
    }
    let mut sweep = Sweep {
        format_version: FORMAT_VERSION,
        parlab_version: env!("CARGO_PKG_VERSION").to_string(),
        machine,
        config: ConfigSummary {
            workload: plan.work.workload,
            number: plan.work.number,
            tasks: plan.tasks,
            pool_size: plan.pool_size,
            io_wait_s: plan.work.io_wait().as_secs_f64(),
            runs: plan.repetitions.runs,
            warmup: plan.repetitions.warmup,
            command: plan.command.as_ref().map(|c| c.command.clone()),
            py_func: plan
                .approach
                .python_function
                .as_ref()
                .map(|f| f.func.given.clone()),
            repetitions_used: Vec::new(),
        },
        pool_sizes: pool_sizes.to_vec(),
        ideal: Vec::new(),
        work,
        sequential_wall_s,
        points,
        fits,
        notes,
    };
    sweep.ideal = sweep
        .pool_sizes
        .iter()
        .map_while(|&n| sweep.ideal_at(n as f64))
        .collect();
    sweep
}

impl Sweep {
    /// The approaches measured, in the order first measured.
    pub fn approaches(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.points {
            if !out.contains(&p.approach.as_str()) {
                out.push(&p.approach);
            }
        }
        out
    }

    /// The fitted parallel fraction of `approach`, when the fit explains its speedups (R² at
    /// least [`GOOD_FIT_R2`]).
    pub fn fit(&self, approach: &str) -> Option<f64> {
        self.fits
            .iter()
            .find(|f| f.approach == approach)
            .filter(|f| f.r_squared.is_none_or(|r| r >= GOOD_FIT_R2))
            .and_then(|f| f.parallel_fraction)
    }

    /// The effective workers at `pool_size` (Amdahl's n), which may lie between the sizes tried.
    pub fn workers_at(&self, pool_size: f64) -> f64 {
        effective_workers(
            self.config.workload.computes(),
            self.config.tasks,
            self.machine.logical_cores,
            pool_size,
        )
    }

    /// The ideal speedup of a pool of `pool_size` workers, which may lie between the sizes
    /// tried: sequential's work–span bound over the pool's, both of the same work
    /// ([`crate::plan::ideal`]), as the report computes it, so it never passes the pool's compute
    /// width on work that only computes, however the load slowed the measured sequential runs.
    /// None for work that costs nothing or without a sequential run.
    pub fn ideal_at(&self, pool_size: f64) -> Option<f64> {
        if self.sequential_wall_s.is_empty() {
            return None;
        }
        let cores = self.machine.logical_cores;
        let base = ideal::sequential_wall_s(&self.work, self.config.tasks, cores);
        let c = pool_concurrency(self.config.tasks, cores, pool_size);
        let bound = ideal::ideal_wall_s(&self.work, c);
        ideal::ideal_speedup((base > 0.0).then_some(base), bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::workload::WorkloadKind;

    /// A sweep of 8 tasks of 0.1 s of pure computation on `cores` cores, whose sequential runs
    /// took `sequential_s` (slowed by other programs when above 0.8 s).
    fn sweep(cores: usize, sequential_s: f64) -> Sweep {
        let mut machine = Machine::mock();
        machine.logical_cores = cores;
        Sweep {
            format_version: FORMAT_VERSION,
            parlab_version: String::new(),
            machine,
            config: ConfigSummary {
                workload: WorkloadKind::Cpu,
                number: 1,
                tasks: 8,
                pool_size: 1,
                io_wait_s: 0.0,
                runs: None,
                warmup: None,
                command: None,
                py_func: None,
                repetitions_used: Vec::new(),
            },
            pool_sizes: vec![1, 2, 4],
            ideal: Vec::new(),
            work: WorkCost {
                tasks: 8,
                compute_s: 0.8,
                wait_s: 0.0,
                longest_task_s: 0.1,
            },
            sequential_wall_s: vec![sequential_s],
            points: Vec::new(),
            fits: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn the_ideal_is_a_ratio_of_bounds_and_never_passes_the_cores_on_computation() {
        // Sequential slowed to 3 s by others (its bound is 0.8 s): the ideal still stops at
        // the 2 cores, not at 3 s over the pool's bound of 0.4 s (7.5x).
        for slowed in [0.8, 3.0] {
            let s = sweep(2, slowed);
            for n in [1.0, 1.5, 2.0, 4.0, 8.0] {
                let ideal = s.ideal_at(n).unwrap();
                assert!(ideal <= n.min(2.0) + 1e-9, "{slowed} s, pool {n}: {ideal}");
            }
            assert!((s.ideal_at(2.0).unwrap() - 2.0).abs() < 1e-9);
        }
        let mut none = sweep(2, 1.0);
        none.sequential_wall_s.clear();
        assert_eq!(none.ideal_at(2.0), None);
    }
}
