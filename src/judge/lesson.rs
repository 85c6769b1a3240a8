//! What a run teaches: one or two sentences under the notes, chosen from the measured figures,
//! saying what this run shows and how the same work would go in Python.
//!
//! The notes list facts; the lesson is the one thing a learner should take away. It is chosen
//! by the kind of work the run measured (computation, waits, nothing) and by which approaches
//! ran, and it quotes the run's own figures. It is built as a [`Lesson`] value and held
//! against the report by [`crate::judge::claims::check::lesson`] before it is printed.

use crate::judge::claims::{Facts, Lesson, check};
use crate::judge::report::{ApproachResult, Report};
use crate::plan::Plan;
use crate::plan::approaches::Family;
use crate::plan::approaches::catalogue;

/// The lesson of `report`, if its figures teach one, before it is checked.
pub fn lesson(report: &Report, cfg: &Plan) -> Option<Lesson> {
    let facts = Facts::of(report, cfg);
    let baseline = facts.baseline();
    // The work as the rows did it: CPython's where only Python approaches ran.
    let work = facts.work();
    let w = cfg.work.workload;
    if w.measures_overhead() {
        return noop_lesson(report, cfg);
    }
    if work.per_task_s() <= 0.0 {
        return None; // work that was never measured teaches nothing
    }
    let best_of = |family: Family| {
        report
            .results
            .iter()
            .filter(|r| r.verified && r.family == family && r.approach != catalogue::SEQUENTIAL.id)
            .filter(|r| r.speedup.is_some())
            .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))
    };
    let any_beat = report
        .results
        .iter()
        .any(|r| r.approach != catalogue::SEQUENTIAL.id && r.beat_baseline(baseline));
    if baseline.is_some() && !any_beat {
        return Some(Lesson::NoneWon {
            per_task_s: work.per_task_s(),
        });
    }
    // Measured, not declared: a command or a user's function computes as far as its CPU time
    // says it did.
    if work.compute_share() > 0.5 {
        return compute_lesson(
            report,
            cfg,
            best_of(Family::Thread),
            best_of(Family::Process),
        );
    }
    wait_lesson(&facts, cfg, best_of(Family::Thread), best_of(Family::Async))
}

/// Work that is mostly computation: in Rust threads scale; in CPython the GIL stops them.
fn compute_lesson(
    report: &Report,
    cfg: &Plan,
    threads: Option<&ApproachResult>,
    processes: Option<&ApproachResult>,
) -> Option<Lesson> {
    let cores = cfg.logical_cores;
    // A command is a program of its own: what Python's GIL does to threads is beside the point.
    let programs = cfg.work.workload.runs_commands();
    if let Some(t) = threads
        && let Some(s) = t.speedup
        && s >= 1.2
    {
        let processes = processes
            .and_then(|p| Some((p.approach.clone(), p.speedup?)))
            // Quoted only where they gained here: on work this short they may not have.
            .filter(|(_, ps)| *ps >= 1.0);
        return Some(Lesson::ThreadsCompute {
            best: (t.approach.clone(), s),
            processes,
            cores,
            programs,
        });
    }
    if let Some(inline) = report
        .result(catalogue::ASYNC_INLINE.id)
        .filter(|r| r.verified)
        && let Some(speedup) = inline.speedup
    {
        return Some(Lesson::InlineCompute { speedup });
    }
    let p = processes?;
    Some(Lesson::ProcessesCompute {
        best: (p.approach.clone(), p.speedup?),
        cores,
        programs,
    })
}

/// Work that is mostly waiting: every concurrent approach overlaps it, in Python as in Rust;
/// what differs is the cost of each waiting task.
fn wait_lesson(
    facts: &Facts,
    cfg: &Plan,
    threads: Option<&ApproachResult>,
    asyncs: Option<&ApproachResult>,
) -> Option<Lesson> {
    let best = facts.fastest()?;
    let memory = match (threads, asyncs) {
        (Some(t), Some(a)) if cfg.tasks >= 100 => Some((
            (t.approach.clone(), t.peak_rss_kib),
            (a.approach.clone(), a.peak_rss_kib),
        )),
        _ => None,
    };
    let python_ran = facts
        .report
        .results
        .iter()
        .any(|r| r.approach.starts_with("py-"));
    Some(Lesson::Waits {
        best: (best.approach.clone(), best.speedup?),
        tasks: cfg.tasks,
        idle: facts.work().compute_share() < 0.1,
        python_as_well: python_ran.then(|| check::python_overlaps_as_well(facts)),
        memory,
    })
}

/// Work that is nothing: what is left is each approach's own cost.
fn noop_lesson(report: &Report, cfg: &Plan) -> Option<Lesson> {
    let mut costs: Vec<(&str, f64)> = report
        .results
        .iter()
        .filter(|r| crate::plan::approaches::find(&r.approach).is_some())
        .filter_map(|r| Some((r.approach.as_str(), r.own_cost_per_task_s(cfg.tasks)?)))
        .collect();
    costs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (cheap, cheap_s) = *costs.first()?;
    let (dear, dear_s) = *costs.last()?;
    Some(Lesson::Noop {
        cheap: (cheap.to_string(), cheap_s),
        dear: (dear.to_string(), dear_s),
    })
}
