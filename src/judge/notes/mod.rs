//! One sentence per notable fact the figures show, printed under the table and kept in exports.
//!
//! Each rule looks at the finished report, so notes describe what was measured, not what was
//! expected; a note that could mislead (a "fastest" that did not beat the baseline, "threads
//! take turns" on work that mostly waits) is held back unless the figures bear it out.

use crate::judge::claims::{Claim, Facts, NoWin, check, render};
use crate::judge::report::Report;
use crate::plan::Plan;
use crate::plan::approaches::catalogue;
use crate::plan::primes;
use crate::plan::vocabulary::Setting;

pub mod backlog;
pub mod cluster;
pub mod floor;
pub mod net;
pub mod python;

pub use crate::judge::claims::check::{LONG_ENOUGH_TASK_S, SHORT_RUN_S, SHORT_TASK_RATIO};

/// The task length that `--number` suggestions aim at, s.
pub const SUGGESTED_TASK_S: f64 = 0.1;

/// `report` with its notes and its lesson: the step after [`Report::build`] that every caller
/// takes before showing or saving a report. Each note and the lesson is built as a claim
/// ([`crate::judge::claims`]), held against the report's figures, and only then rendered.
pub fn annotate(mut report: Report, cfg: &Plan) -> Report {
    let facts = Facts::of(&report, cfg);
    let notes: Vec<String> = check::notes(claims(&report, cfg), &facts)
        .iter()
        .map(|c| render::note(c, cfg.vocabulary))
        .collect();
    let lesson = crate::judge::lesson::lesson(&report, cfg)
        .and_then(|l| check::lesson(l, &facts))
        .map(|l| render::lesson(&l, cfg.vocabulary));
    let lesson = match (lesson, python::function_line(cfg)) {
        (Some(l), Some(how)) => Some(format!("{l} {how}")),
        (l, how) => l.or(how),
    };
    report.notes = notes;
    report.lesson = lesson;
    report
}

/// The notes for `report` as claims, before they are checked.
pub fn claims(report: &Report, cfg: &Plan) -> Vec<Claim> {
    let mut notes = Vec::new();
    let cores = cfg.logical_cores;
    let computes = cfg.work.workload.computes();
    let work = &report.work;
    // Computation decides the result where it is most of the work.
    let compute_bound = computes && work.compute_share() > 0.5;

    let load = &report.load;
    if let (Some(share), Some(foreign_cpu_s)) = (load.foreign_share, load.foreign_cpu_s) {
        notes.push(Claim::Busy {
            share,
            busiest_run_share: load.busiest_run_share.unwrap_or(share),
            foreign_cpu_s,
            cores,
            waited_s: load.idle_wait_s,
        });
    }
    for r in report.results.iter().filter(|r| !r.verified) {
        notes.push(Claim::Fact(format!(
            "{} FAILED its check ({}): its time is not a result",
            r.approach,
            r.problem.as_deref().unwrap_or("unknown problem")
        )));
    }
    if let Some(reason) = &cfg.baseline_skipped {
        notes.push(Claim::Fact(reason.clone()));
    }
    // Approaches `all` left out because the workload refuses them.
    if let Some(skipped) = &cfg.approaches_skipped {
        notes.push(Claim::Fact(skipped.clone()));
    }
    notes.extend(cfg.skipped.iter().cloned().map(Claim::Fact));
    notes.extend(fastest(report, cfg));
    let short = too_short(report, cfg);
    // On tasks too short to learn from, overheads explain every figure: notes about how the
    // computation was shared would mislead.
    let compute_bound = compute_bound && short.is_none();
    notes.extend(short);
    if compute_bound
        && let Some(inline) = report
            .result(catalogue::ASYNC_INLINE.id)
            .filter(|r| r.verified)
    {
        let pooled = report.result(catalogue::ASYNC.id).filter(|r| r.verified);
        match (inline.speedup, pooled) {
            (Some(speedup), _) if speedup < 1.2 => notes.push(Claim::InlineNoFaster { speedup }),
            (_, Some(a)) if inline.wall_s > a.wall_s * 1.2 => notes.push(Claim::InlineSlower {
                times: inline.wall_s / a.wall_s,
            }),
            _ => {}
        }
    }
    notes.extend(net::notes(report, cfg).into_iter().map(Claim::Fact));
    let pooled_ran = report
        .results
        .iter()
        .any(|r| crate::plan::approaches::find(&r.approach).is_some_and(|a| a.pooled));
    let pool = cfg.pool_size;
    if pooled_ran && compute_bound && pool > cores {
        notes.push(Claim::PoolOverCores { pool, cores });
    }
    if pooled_ran && compute_bound && pool < cores {
        notes.push(Claim::PoolLeavesIdle { pool, cores });
    }
    if compute_bound && (cfg.tasks as usize) < cores {
        notes.push(Claim::FewTasks {
            tasks: cfg.tasks,
            cores,
        });
    }
    if compute_bound && cfg.tasks as usize > cores && report.result(catalogue::THREADS.id).is_some()
    {
        notes.push(Claim::TakeTurns {
            threads: cfg.tasks,
            cores,
        });
    }
    // A command or a user's function is work parlab cannot see, not nothing: only work that
    // measures the approaches' own cost is nothing.
    if cfg.work.workload.measures_overhead() {
        let verified: Vec<_> = report.results.iter().filter(|r| r.verified).collect();
        if let Some(r) = verified.iter().max_by(|a, b| a.wall_s.total_cmp(&b.wall_s)) {
            notes.push(Claim::NoopCost {
                approach: r.approach.clone(),
                per_task_s: r.wall_s / f64::from(cfg.tasks.max(1)),
            });
        }
    }
    notes.extend(floor::note(report).map(Claim::Fact));
    if !compute_bound && cfg.work.workload.waits() {
        notes.extend(pool_bounds_waits(report, cfg));
    }
    if !compute_bound && cfg.work.workload.waits() && cfg.tasks >= 1000 {
        let threads = report.result(catalogue::THREADS.id);
        let asyncs = report
            .result(catalogue::ASYNC.id)
            .or(report.result(catalogue::ASYNC_MT.id));
        if let (Some(t), Some(a)) = (threads, asyncs) {
            notes.push(Claim::WaitMemory {
                tasks: cfg.tasks,
                threads_kib: t.peak_rss_kib,
                other: (a.approach.clone(), a.peak_rss_kib),
            });
        }
    }
    notes.extend(
        crate::judge::spread::notes(report, cfg.vocabulary)
            .into_iter()
            .map(Claim::Fact),
    );
    notes.extend(crate::judge::notes::python::claims(report, cfg));
    notes.extend(
        crate::judge::notes::cluster::notes(report, cfg)
            .into_iter()
            .map(Claim::Fact),
    );
    notes
}

/// On waits: the pooled approaches whose pool, smaller than the tasks, held how many waits
/// overlapped, beside the approach that had every wait in flight at once.
fn pool_bounds_waits(report: &Report, cfg: &Plan) -> Option<Claim> {
    use crate::plan::approaches::Width;
    let pool = cfg.pool_size;
    if pool >= cfg.tasks as usize {
        return None;
    }
    let width = |id: &str| crate::plan::approaches::find(id).map(|a| a.wait_width);
    let rows = || {
        report
            .results
            .iter()
            .filter(|r| r.verified && r.approach != catalogue::SEQUENTIAL.id)
            .filter_map(|r| Some((r, r.speedup?)))
    };
    let wide_rows = || rows().filter(|(r, _)| width(&r.approach) == Some(Width::Tasks));
    // threads where it ran, as the learner compares pools with it; else the widest.
    let (wide, wide_s) = wide_rows()
        .find(|(r, _)| r.approach == catalogue::THREADS.id)
        .or_else(|| wide_rows().max_by(|a, b| a.1.total_cmp(&b.1)))?;
    let mut pooled: Vec<(String, f64)> = rows()
        .filter(|(r, s)| {
            width(&r.approach) == Some(Width::Pool) && *s <= pool as f64 * 1.1 && wide_s > s * 1.2
        })
        .map(|(r, s)| (r.approach.clone(), s))
        .collect();
    // The pools a learner names first, first; at most three.
    let rank = |id: &str| {
        [
            catalogue::THREAD_POOL.id,
            catalogue::PROCESS_POOL.id,
            catalogue::PY_THREAD_POOL.id,
            catalogue::PY_POOL.id,
        ]
        .iter()
        .position(|p| *p == id)
        .unwrap_or(usize::MAX)
    };
    pooled.sort_by_key(|(id, _)| rank(id));
    pooled.truncate(3);
    (!pooled.is_empty()).then(|| Claim::PoolBoundsWaits {
        pooled,
        pool,
        wide: (wide.approach.clone(), wide_s),
    })
}

/// The "fastest" note: the fastest approach when it beat the baseline beyond the noise, else
/// why none did.
fn fastest(report: &Report, cfg: &Plan) -> Option<Claim> {
    let baseline = report
        .result(catalogue::SEQUENTIAL.id)
        .filter(|r| r.verified);
    baseline?;
    let best = report
        .results
        .iter()
        .filter(|r| r.verified && r.approach != catalogue::SEQUENTIAL.id && r.speedup.is_some())
        .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))?;
    if best.beat_baseline(baseline) {
        return Some(Claim::Fastest {
            approach: best.approach.clone(),
            speedup: best.speedup?,
            of_ideal: best.efficiency.zip(best.ideal_speedup),
            past_ideal: None,
        });
    }
    let per_task_s = report.work.per_task_s();
    let costs: Vec<(String, f64)> = [
        catalogue::THREADS.id,
        catalogue::THREAD_POOL.id,
        catalogue::PROCESS.id,
    ]
    .iter()
    .filter_map(|id| {
        let r = report.result(id)?;
        Some((id.to_string(), r.own_cost_per_task_s(cfg.tasks)?))
    })
    .collect();
    let why = if per_task_s <= 0.0 {
        NoWin::NoWork
    } else if costs.is_empty() {
        NoWin::Short { per_task_s }
    } else {
        NoWin::Costs { per_task_s, costs }
    };
    Some(Claim::NoneWon(why))
}

/// The note that the tasks are too short to learn from, with a `--number` (or `--io-wait`) that
/// makes a task take about [`SUGGESTED_TASK_S`] on this machine, calibrated from this run.
fn too_short(report: &Report, cfg: &Plan) -> Option<Claim> {
    let work = &report.work;
    let per_task_s = work.per_task_s();
    if per_task_s <= 0.0 {
        return None; // noop: the noop note explains what its times are.
    }
    let cheapest = report
        .results
        .iter()
        .filter(|r| r.approach != catalogue::SEQUENTIAL.id)
        .filter_map(|r| r.own_cost_per_task_s(cfg.tasks))
        .filter(|&c| c > 0.0)
        .min_by(f64::total_cmp);
    let baseline_wall_s = report.result(catalogue::SEQUENTIAL.id).map(|r| r.wall_s);
    let short_task = per_task_s < LONG_ENOUGH_TASK_S
        && cheapest.is_some_and(|c| per_task_s < SHORT_TASK_RATIO * c);
    let short_run = baseline_wall_s.is_some_and(|w| w < SHORT_RUN_S);
    if !short_task && !short_run {
        return None;
    }
    let words = cfg.vocabulary;
    let number = words
        .name(Setting::Number)
        .filter(|_| cfg.work.workload.computes());
    let io_wait = words
        .name(Setting::IoWait)
        .filter(|_| cfg.work.workload.waits());
    let suggestion = if let (Some(flag), true) = (number, work.compute_s > 0.0) {
        suggest_number(
            cfg.work.number,
            work.compute_s / f64::from(cfg.tasks.max(1)),
        )
        .map(|n| format!("try {flag} {n} (about 100 ms per task here)"))
    } else if let Some(flag) = io_wait {
        Some(format!("try a longer {flag} (100ms, say)"))
    } else {
        Some("give each task more work".to_string())
    };
    Some(Claim::TooShort {
        per_task_s,
        cheapest_cost_s: cheapest.filter(|_| short_task),
        baseline_wall_s,
        suggestion,
    })
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
    use crate::app::fixture::report_for;
    use proptest::prelude::*;

    /// The notes and the lesson of the mock run of `args`, as a learner reads them.
    fn words(args: &[&str]) -> String {
        let report = report_for(args);
        let mut out = crate::format::bullets(&report.notes, Some(100));
        out.push_str(&crate::show::output::table::lesson_text(
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
