//! The checker: each claim held against the report's own figures, read afresh, and kept,
//! rewritten to what the figures do support, or dropped.
//!
//! What it holds every claim to:
//! - a quoted figure is the row's figure (a speedup, a cost, a name);
//! - "fastest" names the verified row with the least median, which beat the baseline; its
//!   "% of its ideal" is dropped if the efficiency or the speedup passes its ideal by more than
//!   2%;
//! - "no approach won" never stands beside a row that beat the baseline or whose whole speedup
//!   range lies above 1 plus the noise;
//! - "take turns" only where threads were no faster than the cores allow (2% for rounding);
//! - "costs more than it gains" (and any other cost) only where the cost, less what the
//!   machine's load explains, is measured to account for it;
//! - on a busy machine the busy note is first, and a lesson resting on figures the load
//!   contests says the run cannot tell.

use super::{Claim, Lesson, NoWin, PyProcessWhy};
use crate::judge::report::{ApproachResult, Report};
use crate::plan::Plan;
use crate::plan::approaches as approach;
use crate::plan::approaches::catalogue;
use crate::plan::ideal::{Concurrency, WorkCost};

/// A task's work under this many times the cheapest approach's own cost per task is too short
/// to learn from: the approaches' overheads decide the result, not the work.
pub const SHORT_TASK_RATIO: f64 = 20.0;
/// A baseline run under this, s, is too short to learn from.
pub const SHORT_RUN_S: f64 = 0.010;
/// A task at least this long, s, is long enough to learn from whatever the approaches' costs
/// look like: on a busy machine those costs swell with the load, not with the approach.
pub const LONG_ENOUGH_TASK_S: f64 = 0.05;
/// Other programs above this share of the cores make a machine busy (0.1 = a tenth).
pub const BUSY_SHARE: f64 = 0.10;
/// How far past 100% an efficiency may go and still be noise.
pub const EFFICIENCY_NOISE: f64 = 0.02;
/// CPU use (CPU time over wall time) above which a row computed on more than one core at once.
pub const PARALLEL_CPU_USE: f64 = 1.2;
/// py-sequential's CPU use above which it already computed on more than one core (a library
/// such as numpy's BLAS running threads of its own): py-threads' result is not the GIL's doing.
pub const BASELINE_PARALLEL_CPU_USE: f64 = 1.3;
/// How far a quoted figure may be from the row's and still be the same figure (rounding).
const SAME: f64 = 1e-9;

/// One run disturbed this much (others' share of the cores during it) makes the machine busy
/// even where the share over every run stays under [`BUSY_SHARE`]: a short blip in one of
/// many runs (a system task waking) is what outlier detection is for, a run slowed by a
/// quarter of the machine is not.
pub const BUSY_RUN_SHARE: f64 = 0.25;

/// Others' share of the cores over every run of `load`, when it passed [`BUSY_SHARE`] or one
/// run's share passed [`BUSY_RUN_SHARE`]: the machine was busy.
pub fn busy_share(load: &crate::judge::report::MachineLoad) -> Option<f64> {
    let share = load.foreign_share?;
    let busiest = load.busiest_run_share.unwrap_or(share);
    (share > BUSY_SHARE || busiest > BUSY_RUN_SHARE).then_some(share)
}

/// The figures claims are held against: a report, its settings, and what follows from them.
pub struct Facts<'a> {
    /// The report.
    pub report: &'a Report,
    /// Its settings.
    pub cfg: &'a Plan,
}

impl<'a> Facts<'a> {
    /// The facts of `report` run with `cfg`.
    pub fn of(report: &'a Report, cfg: &'a Plan) -> Self {
        Self { report, cfg }
    }

    /// Others' share of the cores over every run, when it or one run's share passed
    /// [`BUSY_SHARE`]: the machine was busy.
    pub fn busy(&self) -> Option<f64> {
        busy_share(&self.report.load)
    }

    /// The verified baseline.
    pub fn baseline(&self) -> Option<&'a ApproachResult> {
        self.report
            .result(catalogue::SEQUENTIAL.id)
            .filter(|r| r.verified)
    }

    /// The verified row, other than sequential, with a speedup and the least median.
    pub fn fastest(&self) -> Option<&'a ApproachResult> {
        self.report
            .results
            .iter()
            .filter(|r| r.verified && r.approach != catalogue::SEQUENTIAL.id && r.speedup.is_some())
            .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))
    }

    /// The noise of `r` against the baseline: their combined variation, at least 2%.
    pub fn noise(&self, r: &ApproachResult) -> f64 {
        (r.wall_cv + self.baseline().map_or(0.0, |b| b.wall_cv)).max(0.02)
    }

    /// A row that beat the baseline, or whose whole speedup range lies above 1 plus the noise.
    pub fn a_winner(&self) -> Option<&'a ApproachResult> {
        let base = self.baseline();
        self.report.results.iter().find(|r| {
            r.approach != catalogue::SEQUENTIAL.id
                && r.verified
                && (r.beat_baseline(base)
                    || r.speedup_min.is_some_and(|lo| lo > 1.0 + self.noise(r)))
        })
    }

    /// The work as the run's rows did it: Rust's where a Rust row was verified, else
    /// CPython's (a run of Python approaches only).
    pub fn work(&self) -> &'a WorkCost {
        let rust_ran = self
            .report
            .results
            .iter()
            .any(|r| r.verified && !is_python(&r.approach));
        match &self.report.python_work {
            Some(py) if !rust_ran => py,
            _ => &self.report.work,
        }
    }

    /// Others' share of the cores during `r`'s runs (their median; 0 where not read).
    fn share_of(&self, r: &ApproachResult) -> f64 {
        let shares: Vec<f64> = r.runs.iter().filter_map(|x| x.foreign_share).collect();
        if shares.is_empty() {
            self.report.load.foreign_share.unwrap_or(0.0)
        } else {
            crate::stats::median(&shares)
        }
        .clamp(0.0, 1.0)
    }

    /// `r`'s own cost per task less what the machine's load explains, s. With others' share
    /// `s` of the cores and each runnable thread getting a fair share of them, an approach
    /// computing on `w` threads had `cores·w/(w + s·cores)` cores (at most `w`): everything it
    /// did on a CPU stretched by `w` over that. Its least disturbed run (the fastest) shrunk
    /// back by that stretch, less its bound, is its own cost: the median run carries whatever
    /// else the load did. On an idle machine this is the row's own cost per task.
    pub fn own_cost_s(&self, r: &ApproachResult) -> Option<f64> {
        let own = r.own_cost_per_task_s(self.cfg.tasks)?;
        let share = self.share_of(r);
        if share <= 0.0 {
            return Some(own);
        }
        let info = approach::find(&r.approach)?;
        let cores = self.cfg.logical_cores.max(1) as f64;
        let w = Concurrency::of(info, self.cfg.pool_size, self.cfg.tasks, cores as usize).compute;
        let got = w.min(cores * w / (w + share * cores));
        let idle_wall = r.wall_s_min * got / w;
        let bound = r.ideal_wall_s.unwrap_or(0.0);
        Some((idle_wall - bound).max(0.0) / f64::from(self.cfg.tasks.max(1)))
    }

    /// On a busy machine, how much the load and its unevenness add to one task where no
    /// approach adds anything: sequential's time per task beyond its bound, s (0 on an idle
    /// machine or without a baseline). An approach's cost is its own only well above this.
    pub fn load_floor_s(&self) -> f64 {
        self.busy()
            .and(self.baseline())
            .and_then(|b| b.own_cost_per_task_s(self.cfg.tasks))
            .unwrap_or(0.0)
    }

    /// `r`'s own cost per task where it is measured to be its own ([`Self::own_cost_s`], and
    /// on a busy machine well above [`Self::load_floor_s`]).
    pub fn attributable_cost_s(&self, r: &ApproachResult) -> Option<f64> {
        let c = self.own_cost_s(r)?;
        (self.busy().is_none() || c > 2.0 * self.load_floor_s()).then_some(c)
    }

    fn speedup(&self, id: &str) -> Option<f64> {
        self.report
            .result(id)
            .filter(|r| r.verified)
            .and_then(|r| r.speedup)
    }
}

fn is_python(id: &str) -> bool {
    approach::find(id).is_some_and(approach::is_python)
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME * a.abs().max(b.abs()).max(1.0)
}

/// The notes that hold, the busy note first.
pub fn notes(claims: Vec<Claim>, facts: &Facts) -> Vec<Claim> {
    let mut kept: Vec<Claim> = claims.into_iter().filter_map(|c| hold(c, facts)).collect();
    kept.sort_by_key(|c| !matches!(c, Claim::Busy { .. }));
    kept
}

/// `claim` as the figures support it, or None.
pub fn hold(claim: Claim, facts: &Facts) -> Option<Claim> {
    let cores = facts.cfg.logical_cores;
    match claim {
        Claim::Busy { share, .. } => {
            let s = facts.busy()?;
            same(s, share).then_some(claim)
        }
        Claim::Fastest {
            approach,
            speedup,
            of_ideal,
            ..
        } => {
            let best = facts.fastest()?;
            let ok = best.approach == approach
                && best.beat_baseline(facts.baseline())
                && best.speedup.is_some_and(|s| same(s, speedup));
            if !ok {
                return None;
            }
            // A speedup printed past its ideal reads as a contradiction, whatever the noise
            // (a baseline slowed by other programs does that): the ideal is left out then.
            let of_ideal = of_ideal.filter(|&(e, i)| {
                e <= 1.0 + EFFICIENCY_NOISE
                    && speedup <= i * (1.0 + EFFICIENCY_NOISE)
                    && best.efficiency.is_some_and(|x| same(x, e))
                    && best.ideal_speedup.is_some_and(|x| same(x, i))
            });
            // On a busy machine a speedup can pass what the cores allow: others take more
            // from sequential's one thread than from many threads. Said beside the figure.
            let past_ideal = best
                .ideal_speedup
                .filter(|&i| facts.busy().is_some() && speedup > i * (1.0 + EFFICIENCY_NOISE));
            Some(Claim::Fastest {
                approach,
                speedup,
                of_ideal,
                past_ideal,
            })
        }
        Claim::NoneWon(why) => {
            facts.baseline()?;
            if facts.a_winner().is_some() {
                return None;
            }
            let why = match why {
                NoWin::Costs { per_task_s, costs } => {
                    // Only costs the load does not explain, each still the row's own.
                    let costs: Vec<(String, f64)> = costs
                        .into_iter()
                        .filter_map(|(id, _)| {
                            let r = facts.report.result(&id)?;
                            let c = facts.attributable_cost_s(r)?;
                            (facts.busy().is_none() || c * SHORT_TASK_RATIO > per_task_s)
                                .then_some((id, c))
                        })
                        .collect();
                    match (costs.is_empty(), facts.busy()) {
                        (false, _) => NoWin::Costs { per_task_s, costs },
                        (true, Some(_)) => busy_no_win(facts),
                        (true, None) => NoWin::Short { per_task_s },
                    }
                }
                NoWin::Short { .. } if facts.busy().is_some() => busy_no_win(facts),
                other => other,
            };
            Some(Claim::NoneWon(why))
        }
        Claim::TooShort {
            per_task_s,
            cheapest_cost_s: Some(c),
            baseline_wall_s,
            suggestion,
        } => {
            // The cheapest cost, less the load's part, must still dwarf the task.
            let cheapest = facts
                .report
                .results
                .iter()
                .filter(|r| r.approach != catalogue::SEQUENTIAL.id)
                .filter_map(|r| facts.attributable_cost_s(r))
                .filter(|&c| c > 0.0)
                .min_by(f64::total_cmp);
            let still = cheapest.is_some_and(|x| per_task_s < SHORT_TASK_RATIO * x);
            match (still, baseline_wall_s) {
                (true, _) => Some(Claim::TooShort {
                    per_task_s,
                    cheapest_cost_s: Some(if facts.busy().is_some() {
                        cheapest.unwrap_or(c)
                    } else {
                        c
                    }),
                    baseline_wall_s,
                    suggestion,
                }),
                (false, Some(w)) if w < SHORT_RUN_S => Some(Claim::TooShort {
                    per_task_s,
                    cheapest_cost_s: None,
                    baseline_wall_s,
                    suggestion,
                }),
                _ => None,
            }
        }
        Claim::InlineNoFaster { speedup } => facts
            .speedup(catalogue::ASYNC_INLINE.id)
            .filter(|&s| same(s, speedup) && s < 1.2)
            .map(|_| claim),
        // "no faster than the cores would be" never beside a threads row past the cores.
        Claim::TakeTurns { .. } => facts
            .speedup(catalogue::THREADS.id)
            .is_none_or(|s| s <= cores as f64 * (1.0 + EFFICIENCY_NOISE))
            .then_some(claim),
        Claim::NoopCost {
            ref approach,
            per_task_s,
        } => {
            let dear = facts
                .report
                .results
                .iter()
                .filter(|r| r.verified)
                .max_by(|a, b| a.wall_s.total_cmp(&b.wall_s))?;
            let tasks = f64::from(facts.cfg.tasks.max(1));
            (dear.approach == *approach && same(dear.wall_s / tasks, per_task_s)).then_some(claim)
        }
        Claim::PoolBoundsWaits {
            ref pooled,
            pool,
            ref wide,
        } => {
            let wide_s = facts.speedup(&wide.0)?;
            let ok = same(wide_s, wide.1)
                && pooled.iter().all(|(id, s)| {
                    facts
                        .speedup(id)
                        .is_some_and(|x| same(x, *s) && x <= pool as f64 * 1.1 && wide_s > x * 1.2)
                });
            ok.then_some(claim)
        }
        // The GIL is blamed only where py-sequential kept one core busy; where it kept more,
        // its own CPU use, read afresh, is what the note says.
        Claim::PyGil {
            times,
            gil_off,
            threads,
            ..
        } => Some(Claim::PyGil {
            times,
            gil_off,
            threads,
            baseline_cores: baseline_cores(facts.report),
        }),
        Claim::PyProcess {
            approach,
            times,
            why: PyProcessWhy::CostsMore { per_task_s, .. },
        } => {
            let r = facts.report.result(&approach)?;
            let cost = facts.own_cost_s(r)?;
            let costs_more = times <= 1.2
                && per_task_s < LONG_ENOUGH_TASK_S
                && per_task_s < SHORT_TASK_RATIO * cost;
            let why = if costs_more {
                PyProcessWhy::CostsMore {
                    per_task_s,
                    cost_s: cost,
                }
            } else {
                PyProcessWhy::HeldBack {
                    per_task_s,
                    cpu_use: r.cpu_use,
                }
            };
            Some(Claim::PyProcess {
                approach,
                times,
                why,
            })
        }
        Claim::PyProcess {
            times,
            why: PyProcessWhy::Scaled,
            ..
        } => (times > 1.2).then_some(claim),
        other => Some(other),
    }
}

/// py-sequential's CPU use where it passed [`BASELINE_PARALLEL_CPU_USE`]: the function ran on
/// more than one core without any help from the approach.
pub fn baseline_cores(report: &Report) -> Option<f64> {
    report
        .result(catalogue::PY_SEQUENTIAL.id)
        .filter(|r| r.verified)
        .map(|r| r.cpu_use)
        .filter(|&c| c > BASELINE_PARALLEL_CPU_USE)
}

/// Why none won on a busy machine: the load, with the best median beside it.
fn busy_no_win(facts: &Facts) -> NoWin {
    NoWin::Busy {
        best: facts
            .fastest()
            .and_then(|r| Some((r.approach.clone(), r.speedup?))),
    }
}

/// `lesson` as the figures support it, or None.
pub fn lesson(lesson: Lesson, facts: &Facts) -> Option<Lesson> {
    let work = facts.work();
    let cores = facts.cfg.logical_cores;
    let busy = facts.busy();
    let quoted = |id: &str, s: f64| facts.speedup(id).is_some_and(|x| same(x, s));
    // The figure the busy note gives: the share over every run, or one run's where only that
    // one was busy.
    // A speedup past the row's ideal: a baseline slowed more than the row (other programs
    // do that) or noise, not what the approach can do.
    let past_ideal = |id: &str, s: f64| {
        facts
            .report
            .result(id)
            .and_then(|r| r.ideal_speedup)
            .is_some_and(|i| s > i * (1.0 + EFFICIENCY_NOISE))
    };
    // The row used more than one core at once (CPU time over wall time): it computed in
    // parallel.
    let parallel = |id: &str| {
        facts
            .report
            .result(id)
            .is_some_and(|r| r.cpu_use >= PARALLEL_CPU_USE)
    };
    let cannot_tell = busy.map(|share| {
        let one_run = share <= BUSY_SHARE;
        Lesson::CannotTell {
            share: if one_run {
                facts.report.load.busiest_run_share.unwrap_or(share)
            } else {
                share
            },
            one_run,
            cores,
        }
    });
    match lesson {
        Lesson::NoneWon { .. } => {
            facts.baseline()?;
            if facts.a_winner().is_some() {
                return None;
            }
            cannot_tell.or(Some(lesson))
        }
        Lesson::CannotTell { .. } => busy.and(Some(lesson)),
        Lesson::ThreadsCompute {
            ref best,
            ref processes,
            ..
        } => {
            let ok = work.compute_share() > 0.5
                && best.1 >= 1.2
                && quoted(&best.0, best.1)
                && processes
                    .as_ref()
                    .is_none_or(|(id, s)| *s >= 1.0 && quoted(id, *s));
            // "In parallel" needs more than one core busy at once, which the row's own CPU use
            // shows whatever else ran: on a busy machine many threads get a larger share of
            // the cores than sequential's one, and a speedup alone could come from that.
            let past = past_ideal(&best.0, best.1)
                || !parallel(&best.0)
                || processes.as_ref().is_some_and(|(id, s)| past_ideal(id, *s));
            match (ok, past) {
                (false, _) => None,
                (true, true) => cannot_tell,
                (true, false) => Some(lesson),
            }
        }
        Lesson::InlineCompute { speedup } => {
            let ok = work.compute_share() > 0.5 && quoted(catalogue::ASYNC_INLINE.id, speedup);
            match (ok, past_ideal(catalogue::ASYNC_INLINE.id, speedup)) {
                (false, _) => None,
                (true, true) => cannot_tell,
                (true, false) => Some(lesson),
            }
        }
        Lesson::ProcessesCompute { ref best, .. } => {
            let ok = work.compute_share() > 0.5 && quoted(&best.0, best.1);
            // A process row that did not gain on a busy machine says nothing of processes.
            let contested = best.1 < 1.0 || past_ideal(&best.0, best.1) || !parallel(&best.0);
            match (ok, contested) {
                (false, _) => None,
                (true, true) => cannot_tell,
                (true, false) => Some(lesson),
            }
        }
        Lesson::Waits {
            ref best,
            python_as_well,
            ..
        } => {
            let fastest = facts.fastest()?;
            let ok = work.compute_share() <= 0.5
                && fastest.approach == best.0
                && quoted(&best.0, best.1)
                && python_as_well.is_none_or(|well| well == python_overlaps_as_well(facts));
            ok.then_some(lesson)
        }
        Lesson::Noop { .. } => {
            let w = facts.cfg.work.workload;
            let nothing = w.measures_overhead() && work.per_task_s() <= 0.0;
            nothing.then_some(lesson)
        }
    }
}

/// True unless py-threads, against py-sequential, overlapped waits clearly less than the
/// fastest Rust row did against sequential.
pub fn python_overlaps_as_well(facts: &Facts) -> bool {
    let ok = |id: &str| facts.report.result(id).filter(|r| r.verified);
    let (Some(t), Some(s)) = (
        ok(catalogue::PY_THREADS.id),
        ok(catalogue::PY_SEQUENTIAL.id),
    ) else {
        return true;
    };
    let python = s.wall_s / t.wall_s;
    let rust = facts
        .report
        .results
        .iter()
        .filter(|r| r.verified && !is_python(&r.approach))
        .filter_map(|r| r.speedup)
        .fold(0.0, f64::max);
    python >= 0.8 * rust
}
