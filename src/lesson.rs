//! What a run teaches: one or two sentences under the notes, chosen from the measured figures,
//! saying what this run shows and how the same work would go in Python.
//!
//! The notes list facts; the lesson is the one thing a learner should take away. It is chosen
//! by the kind of work the run measured (computation, waits, nothing) and by which approaches
//! ran, and it quotes the run's own figures, so it can never claim what was not measured.

use crate::approach::{self, Family};
use crate::config::RunConfig;
use crate::format::{format_kib, format_seconds};
use crate::report::{ApproachResult, Report};

/// The lesson of `report`, if its figures teach one.
pub fn lesson(report: &Report, cfg: &RunConfig) -> Option<String> {
    let baseline = report.result("sequential").filter(|r| r.verified);
    let work = &report.work;
    if work.per_task_s() <= 0.0 {
        return noop_lesson(report, cfg);
    }
    let best_of = |family: Family| {
        report
            .results
            .iter()
            .filter(|r| r.verified && r.family == family && r.approach != "sequential")
            .filter(|r| r.speedup.is_some())
            .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))
    };
    let any_beat = report
        .results
        .iter()
        .any(|r| r.approach != "sequential" && r.beat_baseline(baseline));
    if baseline.is_some() && !any_beat {
        return Some(format!(
            "Running tasks at once only pays when each task outweighs the cost of starting it: \
             here a task is {} of work and no approach won. Python's threads and processes cost \
             more to start than Rust's, so the same holds there, sooner.",
            format_seconds(work.per_task_s())
        ));
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
    wait_lesson(report, cfg, best_of(Family::Thread), best_of(Family::Async))
}

/// Work that is mostly computation: in Rust threads scale; in CPython the GIL stops them.
fn compute_lesson(
    report: &Report,
    cfg: &RunConfig,
    threads: Option<&ApproachResult>,
    processes: Option<&ApproachResult>,
) -> Option<String> {
    let cores = cfg.logical_cores;
    if let Some(t) = threads
        && let Some(s) = t.speedup
        && s >= 1.2
    {
        let beside = processes
            .and_then(|p| Some((p, p.speedup?)))
            // Quoted only where they gained here: on work this short they may not have.
            .filter(|(_, ps)| *ps >= 1.0)
            .map(|(p, ps)| format!(" ({} {ps:.2}x)", p.approach))
            .unwrap_or_default();
        return Some(format!(
            "Threads ran CPU work in parallel: {} {s:.2}x on {cores} cores. In CPython the GIL \
             would hold threads near 1.0x on this work, and only processes{beside} would scale.",
            t.approach
        ));
    }
    if let Some(inline) = report.result("async-inline").filter(|r| r.verified)
        && let Some(s) = inline.speedup
    {
        return Some(format!(
            "An event loop that computes runs one task at a time: async-inline {s:.2}x. Python's \
             asyncio does the same unless the work goes to run_in_executor, and even then the \
             GIL lets only one of its threads compute."
        ));
    }
    let p = processes?;
    let s = p.speedup?;
    let price = if p.approach == "cluster" {
        "a dataflow over TCP"
    } else {
        "a pipe per task"
    };
    Some(format!(
        "Processes ran CPU work in parallel: {} {s:.2}x on {cores} cores, paying a start-up and \
         {price}. In Rust threads do the same without that cost; in CPython processes \
         are the way around the GIL.",
        p.approach
    ))
}

/// Work that is mostly waiting: every concurrent approach overlaps it, in Python as in Rust;
/// what differs is the cost of each waiting task.
fn wait_lesson(
    report: &Report,
    cfg: &RunConfig,
    threads: Option<&ApproachResult>,
    asyncs: Option<&ApproachResult>,
) -> Option<String> {
    let best = report
        .results
        .iter()
        .filter(|r| r.verified && r.approach != "sequential" && r.speedup.is_some())
        .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))?;
    let s = best.speedup?;
    let memory = match (threads, asyncs) {
        (Some(t), Some(a)) if cfg.tasks >= 100 => format!(
            " What differs is the cost of a waiting task: {} peaked at {}, {} at {}.",
            t.approach,
            format_kib(t.peak_rss_kib),
            a.approach,
            format_kib(a.peak_rss_kib)
        ),
        _ => String::new(),
    };
    Some(format!(
        "Waits overlap whatever does the waiting: {} finished {} tasks {s:.2}x faster than one \
         after another{idle}. Python's threads and asyncio overlap waits just as well, because \
         the GIL is released while waiting.{memory}",
        best.approach,
        cfg.tasks,
        idle = if report.work.compute_share() < 0.1 {
            ", the cores mostly idle"
        } else {
            ""
        }
    ))
}

/// Work that is nothing: what is left is each approach's own cost.
fn noop_lesson(report: &Report, cfg: &RunConfig) -> Option<String> {
    let mut costs: Vec<(&str, f64)> = report
        .results
        .iter()
        .filter(|r| approach::find(&r.approach).is_some())
        .filter_map(|r| Some((r.approach.as_str(), r.own_cost_per_task_s(cfg.tasks)?)))
        .collect();
    costs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (cheap, cheap_s) = *costs.first()?;
    let (dear, dear_s) = *costs.last()?;
    Some(format!(
        "With no work, what is left is each approach's own cost per task: from {} for {cheap} \
         to {} for {dear}. Work must be much larger than that to gain; in Python every one of \
         these costs is higher.",
        format_seconds(cheap_s),
        format_seconds(dear_s)
    ))
}
