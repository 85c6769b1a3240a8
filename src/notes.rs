//! One sentence per notable fact the figures show, printed under the table and kept in exports.
//!
//! Each rule looks at the finished report, so notes describe what was measured, not what was
//! expected.

use crate::config::RunConfig;
use crate::format::{format_kib, format_seconds};
use crate::report::Report;

/// `report` with its notes: the step after [`Report::build`] that every caller takes before
/// showing or saving a report.
pub fn annotate(mut report: Report, cfg: &RunConfig) -> Report {
    report.notes = notes(&report, cfg);
    report
}

/// The notes for `report`.
pub fn notes(report: &Report, cfg: &RunConfig) -> Vec<String> {
    let mut notes = Vec::new();
    let cores = cfg.logical_cores;
    let computes = cfg.work.workload.computes();

    for r in report.results.iter().filter(|r| !r.verified) {
        notes.push(format!(
            "{} FAILED its check ({}): its time is not a result",
            r.approach,
            r.problem.as_deref().unwrap_or("unknown problem")
        ));
    }
    if let Some(reason) = &cfg.baseline_skipped {
        notes.push(reason.clone());
    }
    notes.extend(cfg.skipped.iter().cloned());
    let verified: Vec<_> = report.results.iter().filter(|r| r.verified).collect();
    if let Some(best) = verified.iter().find(|r| r.approach != "sequential")
        && let Some(s) = best.speedup
    {
        notes.push(format!(
            "fastest: {}, {:.2}x sequential's speed ({:.0}% of the ideal {}x)",
            best.approach,
            s,
            best.efficiency.unwrap_or(0.0) * 100.0,
            best.ideal_speedup
        ));
    }
    if computes && let Some(inline) = report.result("async-inline").filter(|r| r.verified) {
        let pooled = report.result("async").filter(|r| r.verified);
        match (inline.speedup, pooled) {
            (Some(s), _) if s < 1.2 => notes.push(format!(
                "async-inline ran CPU work on its event loop: no faster than sequential ({s:.2}x); \
                 `async` hands it to a thread pool instead"
            )),
            (_, Some(a)) if inline.wall_s > a.wall_s * 1.2 => notes.push(format!(
                "async-inline ran CPU work on its event loop, one task at a time: {:.2}x slower than \
                 `async`, which hands it to a thread pool",
                inline.wall_s / a.wall_s
            )),
            _ => {}
        }
    }
    let pooled_ran = report
        .results
        .iter()
        .any(|r| crate::approach::find(&r.approach).is_some_and(|a| a.info().pooled));
    if pooled_ran && cfg.pool_size > cores {
        notes.push(format!(
            "pool size {} exceeds the {cores} logical cores: at most {cores} workers compute at once",
            cfg.pool_size
        ));
    }
    if pooled_ran && computes && cfg.pool_size < cores {
        notes.push(format!(
            "pool size {} leaves {} of the {cores} logical cores idle",
            cfg.pool_size,
            cores - cfg.pool_size
        ));
    }
    if computes && (cfg.tasks as usize) < cores {
        notes.push(format!(
            "only {} tasks for {cores} logical cores: no approach can use every core",
            cfg.tasks
        ));
    }
    if computes && cfg.tasks as usize > cores && report.result("threads").is_some() {
        notes.push(format!(
            "threads started {} threads for {cores} cores: they take turns, no faster than {cores} would be",
            cfg.tasks
        ));
    }
    if !computes && !cfg.work.workload.waits() {
        if let Some(r) = verified.iter().max_by(|a, b| a.wall_s.total_cmp(&b.wall_s)) {
            notes.push(format!(
                "noop tasks do nothing, so each time is the approach's own cost: {} per task for {}, the costliest",
                format_seconds(r.wall_s / cfg.tasks as f64),
                r.approach
            ));
        }
    }
    if !computes && cfg.tasks >= 1000 {
        let threads = report.result("threads");
        let asyncs = report.result("async").or(report.result("async-mt"));
        if let (Some(t), Some(a)) = (threads, asyncs) {
            notes.push(format!(
                "{} waiting tasks: threads peaked at {}, {} at {}",
                cfg.tasks,
                format_kib(t.peak_rss_kib),
                a.approach,
                format_kib(a.peak_rss_kib)
            ));
        }
    }
    notes.extend(crate::spread::notes(report));
    notes
}
