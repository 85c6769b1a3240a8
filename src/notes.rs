//! One sentence per notable fact the figures show, printed under the table and kept in exports.
//!
//! Each rule looks at the finished report, so notes describe what was measured, not what was
//! expected; a note that could mislead (a "fastest" that did not beat the baseline, "threads
//! take turns" on work that mostly waits) is held back unless the figures bear it out.

use crate::config::RunConfig;
use crate::format::{format_kib, format_seconds};
use crate::primes;
use crate::report::Report;

pub mod net;

/// A task's work under this many times the cheapest approach's own cost per task is too short
/// to learn from: the approaches' overheads decide the result, not the work.
pub const SHORT_TASK_RATIO: f64 = 20.0;
/// A baseline run under this, s, is too short to learn from.
pub const SHORT_RUN_S: f64 = 0.010;
/// The task length that `--number` suggestions aim at, s.
pub const SUGGESTED_TASK_S: f64 = 0.1;
/// A task at least this long, s, is long enough to learn from whatever the approaches' costs
/// look like: on a busy machine those costs swell with the load, not with the approach.
pub const LONG_ENOUGH_TASK_S: f64 = 0.05;

/// `report` with its notes and its lesson: the step after [`Report::build`] that every caller
/// takes before showing or saving a report.
pub fn annotate(mut report: Report, cfg: &RunConfig) -> Report {
    report.notes = notes(&report, cfg);
    report.lesson = crate::lesson::lesson(&report, cfg);
    report
}

/// The notes for `report`.
pub fn notes(report: &Report, cfg: &RunConfig) -> Vec<String> {
    let mut notes = Vec::new();
    let cores = cfg.logical_cores;
    let computes = cfg.work.workload.computes();
    let work = &report.work;
    // Computation decides the result where it is most of the work.
    let compute_bound = computes && work.compute_share() > 0.5;

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
    // Approaches `all` left out because the workload refuses them.
    if let Some(skipped) = &cfg.approaches_skipped {
        notes.push(skipped.clone());
    }
    notes.extend(cfg.skipped.iter().cloned());
    notes.extend(fastest(report, cfg));
    let short = too_short(report, cfg);
    // On tasks too short to learn from, overheads explain every figure: notes about how the
    // computation was shared would mislead.
    let compute_bound = compute_bound && short.is_none();
    notes.extend(short);
    if compute_bound && let Some(inline) = report.result("async-inline").filter(|r| r.verified) {
        let pooled = report.result("async").filter(|r| r.verified);
        match (inline.speedup, pooled) {
            (Some(s), _) if s < 1.2 && compute_bound => notes.push(format!(
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
    notes.extend(net::notes(report, cfg));
    let pooled_ran = report
        .results
        .iter()
        .any(|r| crate::approach::find(&r.approach).is_some_and(|a| a.info().pooled));
    if pooled_ran && compute_bound && cfg.pool_size > cores {
        notes.push(format!(
            "pool size {} exceeds the {cores} logical cores: at most {cores} workers compute at once",
            cfg.pool_size
        ));
    }
    if pooled_ran && compute_bound && cfg.pool_size < cores {
        notes.push(format!(
            "pool size {} leaves {} of the {cores} logical cores idle",
            cfg.pool_size,
            cores - cfg.pool_size
        ));
    }
    if compute_bound && (cfg.tasks as usize) < cores {
        notes.push(format!(
            "only {} tasks for {cores} logical cores: no approach can use every core",
            cfg.tasks
        ));
    }
    if compute_bound && cfg.tasks as usize > cores && report.result("threads").is_some() {
        notes.push(format!(
            "threads started {} threads for {cores} cores: they take turns computing, no faster \
             than {cores} would be",
            cfg.tasks
        ));
    }
    // A command or a user's function is work parlab cannot see, not nothing.
    let custom = cfg.work.plan().contains(&crate::workload::Step::Custom);
    if !computes && !cfg.work.workload.waits() && !custom {
        let verified: Vec<_> = report.results.iter().filter(|r| r.verified).collect();
        if let Some(r) = verified.iter().max_by(|a, b| a.wall_s.total_cmp(&b.wall_s)) {
            notes.push(format!(
                "noop tasks do nothing, so each time is the approach's own cost: {} per task for {}, the costliest",
                format_seconds(r.wall_s / f64::from(cfg.tasks.max(1))),
                r.approach
            ));
        }
    }
    if !compute_bound && cfg.work.workload.waits() && cfg.tasks >= 1000 {
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
    notes.extend(crate::notes_python::notes(report, cfg));
    notes.extend(crate::notes_cluster::notes(report, cfg));
    notes
}

/// The "fastest" note: the fastest approach when it beat the baseline beyond the noise, else
/// why none did.
fn fastest(report: &Report, cfg: &RunConfig) -> Option<String> {
    let baseline = report.result("sequential").filter(|r| r.verified);
    baseline?;
    let best = report
        .results
        .iter()
        .filter(|r| r.verified && r.approach != "sequential" && r.speedup.is_some())
        .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))?;
    if best.beat_baseline(baseline) {
        let s = best.speedup?;
        let of_ideal = match (best.efficiency, best.ideal_speedup) {
            (Some(e), Some(i)) => format!(" ({:.0}% of its ideal {i:.2}x)", e * 100.0),
            _ => String::new(),
        };
        return Some(format!(
            "fastest: {}, {s:.2}x sequential's speed{of_ideal}",
            best.approach
        ));
    }
    let per_task = report.work.per_task_s();
    let costs: Vec<String> = ["threads", "thread-pool", "process"]
        .iter()
        .filter_map(|id| {
            let r = report.result(id)?;
            Some(format!(
                "{id} {}",
                format_seconds(r.own_cost_per_task_s(cfg.tasks)?)
            ))
        })
        .collect();
    let why = if per_task <= 0.0 {
        "the tasks do no work, so there is nothing to overlap".to_string()
    } else if costs.is_empty() {
        format!(
            "each task takes {}, too little to gain from running tasks at once",
            format_seconds(per_task)
        )
    } else {
        format!(
            "each task takes {}, too little beside what an approach costs per task here ({})",
            format_seconds(per_task),
            costs.join(", ")
        )
    };
    Some(format!(
        "no approach beat sequential beyond the noise: {why}"
    ))
}

/// The note that the tasks are too short to learn from, with a `--number` (or `--io-wait`) that
/// makes a task take about [`SUGGESTED_TASK_S`] on this machine, calibrated from this run.
fn too_short(report: &Report, cfg: &RunConfig) -> Option<String> {
    let work = &report.work;
    let per_task = work.per_task_s();
    if per_task <= 0.0 {
        return None; // noop: the noop note explains what its times are.
    }
    let cheapest = report
        .results
        .iter()
        .filter(|r| r.approach != "sequential")
        .filter_map(|r| r.own_cost_per_task_s(cfg.tasks))
        .filter(|&c| c > 0.0)
        .min_by(f64::total_cmp);
    let baseline_wall = report.result("sequential").map(|r| r.wall_s);
    let short_task =
        per_task < LONG_ENOUGH_TASK_S && cheapest.is_some_and(|c| per_task < SHORT_TASK_RATIO * c);
    let short_run = baseline_wall.is_some_and(|w| w < SHORT_RUN_S);
    if !short_task && !short_run {
        return None;
    }
    let why = match (short_task, cheapest) {
        (true, Some(c)) => format!(
            "each task takes {}, under {SHORT_TASK_RATIO:.0}× the cheapest approach's own cost per \
             task ({})",
            format_seconds(per_task),
            format_seconds(c)
        ),
        _ => format!(
            "the whole sequential run took {}",
            format_seconds(baseline_wall.unwrap_or(0.0))
        ),
    };
    let suggestion = if cfg.work.workload.computes() && work.compute_s > 0.0 {
        suggest_number(
            cfg.work.number,
            work.compute_s / f64::from(cfg.tasks.max(1)),
        )
        .map(|n| format!("try --number {n} (about 100 ms per task here)"))
    } else if cfg.work.workload.waits() {
        Some("try a longer --io-wait (100ms, say)".to_string())
    } else {
        Some("give each task more work".to_string())
    };
    Some(format!(
        "tasks too short to learn from: {why}; overheads decide this result{}",
        suggestion.map(|s| format!("; {s}")).unwrap_or_default()
    ))
}

/// A prime whose trial division takes about [`SUGGESTED_TASK_S`] here, given that testing
/// `number` took `compute_s` per task.
pub fn suggest_number(number: u64, compute_s: f64) -> Option<u64> {
    let (from, to) = primes::divisor_range(number);
    let divisions = to.saturating_sub(from) + 1;
    if compute_s <= 0.0 || divisions < 100 {
        return None;
    }
    let per_division = compute_s / divisions as f64;
    let wanted = (SUGGESTED_TASK_S / per_division).min(4.0e9);
    let mut n = (wanted * wanted) as u64;
    n |= 1;
    while !primes::is_prime_reference(n) {
        n = n.checked_add(2)?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixture::report_for;
    use proptest::prelude::*;

    /// The notes and the lesson of the mock run of `args`, as a learner reads them.
    fn words(args: &[&str]) -> String {
        let report = report_for(args);
        let mut out = crate::format::bullets(&report.notes, Some(100));
        out.push_str(&crate::output::table::lesson_text(
            report.lesson.as_deref().unwrap_or("(none)"),
            Some(100),
        ));
        out
    }

    #[test]
    fn mixed_work_is_measured_against_its_waits_not_the_cores() {
        // The new user's case: efficiencies were 300% and 597%, and threads "took turns".
        let args = [
            "--workload",
            "mixed",
            "--tasks",
            "6",
            "--number",
            "1000000007",
            "--io-wait",
            "200ms",
            "--runs",
            "3",
        ];
        let report = report_for(&args);
        for r in &report.results {
            let e = r.efficiency.unwrap();
            assert!(e <= 1.0 + 1e-9, "{} {e}", r.approach);
        }
        let threads = report.result("threads").unwrap();
        assert!(threads.ideal_speedup.unwrap() > 5.5, "{threads:?}");
        let text = words(&args);
        assert!(!text.contains("take turns"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn tiny_tasks_name_no_winner_and_suggest_a_number() {
        // 40009 takes under a microsecond per task in the mock: less than any approach's own
        // cost per task, so no approach wins and the notes say why.
        let args = ["--tasks", "8", "--number", "40009", "--runs", "3"];
        let text = words(&args);
        assert!(!text.contains("fastest:"), "{text}");
        assert!(text.contains("no approach beat sequential"), "{text}");
        assert!(text.contains("tasks too short to learn from"), "{text}");
        assert!(text.contains("try --number "), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn noop_tasks_show_each_approachs_own_cost() {
        let args = ["--workload", "noop", "--tasks", "500", "--runs", "3"];
        let report = report_for(&args);
        assert!(report.results.iter().all(|r| r.efficiency.is_none()));
        let text = words(&args);
        assert!(!text.contains("fastest:"), "{text}");
        assert!(text.contains("own cost"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn the_default_cpu_run_names_the_fastest_and_the_gil() {
        let args = ["--runs", "3"];
        let text = words(&args);
        assert!(text.contains("fastest: "), "{text}");
        assert!(text.contains("GIL"), "{text}");
        insta::assert_snapshot!(text);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever the work, the bound is a bound: no mock approach beats it beyond the
        /// mock's run-to-run jitter (at most 2%).
        #[test]
        fn efficiency_never_exceeds_the_ideal(
            workload in prop::sample::select(vec!["cpu", "io", "mixed"]),
            tasks in 1u32..24,
            pool in 1usize..6,
            small in any::<bool>(),
        ) {
            let number = if small { "1000000007" } else { "834238027356431" };
            let (t, p) = (tasks.to_string(), pool.to_string());
            let report = report_for(&[
                "--workload", workload, "--tasks", &t, "--pool-size", &p, "--number", number,
                "--io-wait", "20ms", "--runs", "3",
            ]);
            for r in &report.results {
                if let Some(e) = r.efficiency {
                    prop_assert!(e <= 1.02 + 1e-9, "{} {e}", r.approach);
                }
            }
        }
    }

    #[test]
    fn a_suggested_number_is_prime_and_scales_with_the_time_wanted() {
        // 1000000007 has about 31,622 divisors to try; at 60 µs per task, 100 ms needs about
        // 1,666 times more divisions: a number near (52.7 million)².
        let n = suggest_number(1_000_000_007, 60e-6).unwrap();
        assert!(primes::is_prime_reference(n));
        let divisions = primes::isqrt(n) as f64;
        let ratio = divisions / 31_622.0;
        assert!((ratio - 1666.0).abs() / 1666.0 < 0.01, "{n}: {ratio}");
        assert_eq!(suggest_number(7, 1e-6), None, "too small to calibrate");
    }
}
