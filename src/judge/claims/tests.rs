//! The claims against random mock reports (busy or idle machines, with or without a baseline,
//! Python rows, tiny tasks, one run, uneven run counts), and snapshots of what a learner reads.

use proptest::prelude::*;

use crate::app::fixture::config_for;
use crate::cancel::Cancel;
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::plan::Plan;
use crate::plan::approaches::{self as approach, Width};
use crate::plan::ideal::Concurrency;
use crate::run::bench::{self, RunMeasurement, mock::MockExecutor};

/// Two CPU hogs running beside the mock: each runnable thread gets a fair share of the cores,
/// so an approach computing on `w` threads has `cores·w/(w+2)` of them, the parallel ones lose
/// most; the hogs' CPU time is what the approach did not get. Runs jitter by ±10%, as runs on
/// a busy machine do (`jitter` times more where asked). Task events are left alone: CPU time
/// per step is not slowed by waiting.
fn make_busy(cfg: &Plan, ms: &mut [RunMeasurement], jitter: f64) {
    let cores = cfg.logical_cores as f64;
    let hogs = 2.0;
    let computes = cfg.work.workload.computes();
    let waits = cfg.work.workload.waits();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for m in ms.iter_mut() {
        // The run's round, so that each approach's runs differ and the approaches differ too.
        let round = seen.entry(m.approach.clone()).or_default();
        let i = *round;
        *round += 1;
        let Some(info) = approach::find(&m.approach) else {
            continue;
        };
        let w = Concurrency::of(info, cfg.pool_size, cfg.tasks, cfg.logical_cores).compute;
        let got = w.min(cores * w / (w + hogs));
        let weight = match (computes, waits) {
            (true, false) => 1.0,
            (true, true) => 0.5,
            _ => 0.1,
        };
        let slow = 1.0 + (w / got - 1.0) * weight;
        let jitter = 1.0 + 0.1 * jitter * ((i + m.approach.len()) % 3) as f64;
        m.wall_s *= slow * jitter;
        m.foreign_cpu_s = Some((cores - got * weight).max(0.0) * m.wall_s);
    }
}

/// The report of `parlab run --mock ARGS`, on a busy machine when `busy`, with the last run of
/// every approach but sequential dropped when `uneven` (as auto repetitions give).
fn report_with(args: &[&str], busy: bool, uneven: bool) -> (Plan, Report) {
    report_jittered(args, busy.then_some(1.0), uneven)
}

/// [`report_with`], busy with `jitter` times the usual unevenness when it is Some.
fn report_jittered(args: &[&str], jitter: Option<f64>, uneven: bool) -> (Plan, Report) {
    let cfg = config_for(args);
    let out = bench::run_all(&cfg, &MockExecutor, &Cancel::new(), &mut bench::Quiet);
    let mut ms = out.measurements;
    if let Some(j) = jitter {
        make_busy(&cfg, &mut ms, j);
    }
    if uneven {
        let mut keep = vec![true; ms.len()];
        let mut seen = std::collections::HashSet::new();
        for i in (0..ms.len()).rev() {
            let id = &ms[i].approach;
            let count = ms.iter().filter(|m| &m.approach == id).count();
            if id != "sequential" && count > 1 && seen.insert(id.clone()) {
                keep[i] = false;
            }
        }
        let mut k = keep.into_iter();
        ms.retain(|_| k.next().unwrap_or(true));
    }
    let report = crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg);
    (cfg, report)
}

/// The notes and the lesson as a learner reads them.
fn words(report: &Report) -> String {
    let mut out = crate::format::bullets(&report.notes, Some(100));
    out.push_str(&crate::show::output::table::lesson_text(
        report.lesson.as_deref().unwrap_or("(none)"),
        Some(100),
    ));
    out
}

/// The number after `prefix` in `text` (`1.93` of `"fastest: x, 1.93x"` after `"x, "`).
fn number_after(text: &str, prefix: &str) -> Option<f64> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Every speedup quoted for `id` in `text` ("threads 1.68x", not "py-threads 1.68x").
fn quoted_speedups(text: &str, id: &str) -> Vec<f64> {
    let pattern = format!("{id} ");
    text.match_indices(&pattern)
        .filter(|(i, _)| {
            text[..*i]
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '-'))
        })
        .filter_map(|(i, _)| {
            let rest = &text[i + pattern.len()..];
            let end = rest.find('x')?;
            rest[..end].parse().ok()
        })
        .collect()
}

/// Every invariant of the claims, on the report's figures and on the text printed.
fn assert_invariants(cfg: &Plan, report: &Report) -> Result<(), TestCaseError> {
    let cores = cfg.logical_cores as f64;
    let text = format!(
        "{}\n{}",
        report.notes.join("\n"),
        report.lesson.clone().unwrap_or_default()
    );
    let base = report.result("sequential").filter(|r| r.verified);
    let noise = |r: &crate::judge::report::ApproachResult| {
        (r.wall_cv + base.map_or(0.0, |b| b.wall_cv)).max(0.02)
    };
    let only_computes = cfg.work.workload.computes() && !cfg.work.workload.waits();
    for r in &report.results {
        // Every printed speedup lies inside its printed range.
        let printed = crate::format::format_speedup(r.speedup, r.speedup_min, r.speedup_max);
        let nums: Vec<f64> = printed
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|s| s.parse().ok())
            .collect();
        if let [s, lo, hi] = nums[..] {
            prop_assert!(lo <= s && s <= hi, "{}: {printed}", r.approach);
        }
        // Efficiency within noise of 100%, Rust and Python rows alike.
        if let Some(e) = r.efficiency {
            prop_assert!(e <= 1.02 + 1e-9, "{} efficiency {e}", r.approach);
        }
        // The ideal within the approach's compute width on work that only computes.
        if only_computes && let (Some(i), Some(a)) = (r.ideal_speedup, approach::find(&r.approach))
        {
            let c = Concurrency::of(a, cfg.pool_size, cfg.tasks, cfg.logical_cores);
            prop_assert!(i <= c.compute * (1.0 + 1e-9), "{} ideal {i}", r.approach);
        }
    }
    for pct in text.match_indices("% of its ideal").map(|(i, _)| {
        let head = &text[..i];
        let start = head.rfind('(').unwrap_or(0) + 1;
        head[start..].parse::<f64>().unwrap_or(0.0)
    }) {
        prop_assert!(pct <= 102.0, "{text}");
    }
    let fastest = report
        .results
        .iter()
        .filter(|r| r.verified && r.approach != "sequential" && r.speedup.is_some())
        .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    if let Some(line) = report.notes.iter().find(|n| n.starts_with("fastest: ")) {
        let f = fastest.expect("a fastest row");
        prop_assert!(
            line.starts_with(&format!("fastest: {}, ", f.approach)),
            "{line}"
        );
        let s = number_after(line, &format!("{}, ", f.approach)).unwrap();
        prop_assert_eq!(format!("{s:.2}"), format!("{:.2}", f.speedup.unwrap()));
        prop_assert!(f.beat_baseline(base), "{line}");
        if let Some(i) = number_after(line, "of its ideal ") {
            prop_assert!(s <= i * 1.02 + 0.01, "{line}");
        }
    }
    let a_winner = report.results.iter().any(|r| {
        r.approach != "sequential"
            && r.verified
            && (r.beat_baseline(base) || r.speedup_min.is_some_and(|lo| lo > 1.0 + noise(r)))
    });
    if text.contains("no approach beat sequential") || text.contains("no approach won") {
        prop_assert!(!a_winner, "{text}");
    }
    if text.contains("take turns") {
        let t = report.result("threads").unwrap();
        prop_assert!(
            t.speedup.is_none_or(|s| s <= cores * (1.0 + noise(t))),
            "{text}"
        );
    }
    if text.contains("costs more than these tasks gain") {
        // Only on tasks shorter than 50 ms: never printed in seconds.
        prop_assert!(!text.contains(" s of work a task"), "{text}");
    }
    // The lesson matches the workload and the table.
    let lesson = report.lesson.as_deref().unwrap_or("");
    let noop = !cfg.work.workload.computes() && !cfg.work.workload.waits();
    if lesson.starts_with("With no work") {
        prop_assert!(noop, "{lesson}");
    }
    for r in &report.results {
        if let Some(s) = r.speedup {
            for q in quoted_speedups(lesson, &r.approach) {
                prop_assert_eq!(format!("{q:.2}"), format!("{s:.2}"), "{}", lesson);
                // No lesson teaches from a speedup past what the approach can do.
                if let Some(i) = r.ideal_speedup {
                    prop_assert!(q <= i * 1.02 + 0.01, "{} ideal {i}: {}", r.approach, lesson);
                }
            }
        }
    }
    // CPU use never passes the cores, beyond the clocks' slack, on any row or run.
    let slack = crate::run::record::measure::CPU_SLACK_S;
    for r in &report.results {
        let within = |cpu: f64, wall: f64| cpu <= wall * cores * 1.02 + slack;
        prop_assert!(
            within(r.cpu_user_s + r.cpu_sys_s, r.wall_s),
            "{}: CPU {} s in {} s",
            r.approach,
            r.cpu_user_s + r.cpu_sys_s,
            r.wall_s
        );
        for run in &r.runs {
            prop_assert!(
                within(run.cpu_user_s + run.cpu_sys_s, run.wall_s),
                "{}: a run's CPU {} s in {} s",
                r.approach,
                run.cpu_user_s + run.cpu_sys_s,
                run.wall_s
            );
        }
    }
    // A busy machine: said first, with its figure; no lesson on contested figures.
    let busy = report.load.foreign_share.is_some_and(|s| s > 0.1)
        || report.load.busiest_run_share.is_some_and(|s| s > 0.1);
    if busy {
        prop_assert!(
            report.notes[0].starts_with("other programs kept "),
            "{text}"
        );
        prop_assert!(!lesson.contains("no approach won"), "{lesson}");
        // The spread is put down to the other programs, and more warm-up is no fix for them.
        prop_assert!(!text.contains("--warmup"), "{text}");
        prop_assert!(!text.contains("lazily started machinery"), "{text}");
    } else {
        prop_assert!(!text.contains("other programs kept"), "{text}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random mock reports through the checker: every invariant holds on what is printed.
    #[test]
    fn every_claim_holds_against_the_figures(
        workload in prop::sample::select(vec!["cpu", "io", "mixed", "noop"]),
        tasks in 1u32..10,
        pool in 1usize..5,
        runs in 1u32..5,
        number in prop::sample::select(vec!["40009", "1000000007", "834238027356431"]),
        approaches in prop::sample::select(vec![
            "all",
            "sequential,threads,thread-pool,process-pool,python",
            "py-thread-pool,py-process",
            "threads,async-inline,process",
        ]),
        baseline in any::<bool>(),
        busy in any::<bool>(),
        uneven in any::<bool>(),
    ) {
        let (t, p, r) = (tasks.to_string(), pool.to_string(), runs.to_string());
        let mut args = vec![
            "--workload", workload, "--tasks", &t, "--pool-size", &p, "--runs", &r,
            "--number", number, "--io-wait", "20ms", "--approach", approaches,
        ];
        if !baseline {
            args.push("--no-baseline");
        }
        let (cfg, report) = report_with(&args, busy, uneven);
        assert_invariants(&cfg, &report)?;
    }
}

#[test]
fn a_busy_machine_is_named_first_and_blames_no_approach() {
    let (cfg, report) = report_with(&["--runs", "3"], true, false);
    let text = words(&report);
    assert!(
        report.notes[0].starts_with("other programs kept "),
        "{text}"
    );
    assert!(!text.contains("costs per task here"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn a_busy_uneven_machine_is_blamed_not_the_approaches() {
    // The new user's case: runs so uneven that nothing beat sequential beyond the noise, and the
    // notes blamed the approaches' "costs per task" (swollen by the load) and the lesson said
    // "no approach won".
    let (cfg, report) = report_jittered(&["--runs", "3"], Some(6.0), false);
    let text = words(&report);
    assert!(
        text.contains("other programs made the runs too uneven to tell"),
        "{text}"
    );
    assert!(!text.contains("costs per task here"), "{text}");
    assert!(text.contains("this run cannot tell"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn a_busy_machine_with_tiny_tasks_cannot_tell() {
    let (cfg, report) = report_with(
        &["--runs", "3", "--number", "40009", "--tasks", "8"],
        true,
        false,
    );
    let text = words(&report);
    assert!(!text.contains("no approach won"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn without_a_baseline_no_claim_needs_one() {
    let args = [
        "-a",
        "threads,thread-pool,process",
        "--runs",
        "3",
        "--no-baseline",
    ];
    let (cfg, report) = report_with(&args, false, false);
    let text = words(&report);
    assert!(!text.contains("fastest"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn python_rows_alone_get_no_lesson_about_no_work() {
    // The new user's case: `-a py-thread-pool --tasks 2 --no-baseline` on CPU work was told
    // "With no work, what is left is each approach's own cost per task".
    let args = [
        "-a",
        "py-thread-pool",
        "--tasks",
        "2",
        "--no-baseline",
        "--runs",
        "1",
    ];
    let (cfg, report) = report_with(&args, false, false);
    let text = words(&report);
    assert!(!text.contains("With no work"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn python_rows_beside_rust_rows() {
    let args = [
        "-a",
        "sequential,threads,process-pool,python",
        "--tasks",
        "4",
        "--pool-size",
        "2",
    ];
    let (cfg, report) = report_with(&args, false, false);
    let text = words(&report);
    // Tasks of 100 ms: the cost of processes does not explain a small gain.
    assert!(!text.contains("costs more than these tasks gain"), "{text}");
    assert_invariants(&cfg, &report).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn a_pool_bounds_how_many_waits_overlap() {
    let args = [
        "-w",
        "io",
        "--tasks",
        "4",
        "--pool-size",
        "2",
        "--io-wait",
        "100ms",
    ];
    let (cfg, report) = report_with(&args, false, false);
    let line = report
        .notes
        .iter()
        .find(|n| n.contains("waits at once (--pool-size 2)"))
        .unwrap_or_else(|| panic!("{:#?}", report.notes));
    assert!(line.contains("thread-pool"), "{line}");
    assert!(
        line.contains("where threads had every wait at once: 3.9"),
        "{line}"
    );
    assert_invariants(&cfg, &report).unwrap();
    // A pool as large as the tasks bounds nothing.
    let (_, report) = report_with(
        &["-w", "io", "--tasks", "4", "--pool-size", "4"],
        false,
        false,
    );
    assert!(!report.notes.iter().any(|n| n.contains("waits at once")));
}

#[test]
fn uneven_run_counts_keep_the_speedup_in_its_range() {
    // Auto repetitions give approaches different run counts; the range pairs every run then.
    let (cfg, report) = report_with(&["--runs", "4"], true, true);
    for r in &report.results {
        if let (Some(s), Some(lo), Some(hi)) = (r.speedup, r.speedup_min, r.speedup_max) {
            assert!(lo <= s && s <= hi, "{}: {s} ({lo}–{hi})", r.approach);
        }
    }
    assert_invariants(&cfg, &report).unwrap();
}

#[test]
fn the_ideal_is_a_ratio_of_bounds() {
    // On work that only computes the ideal is the approach's compute width at most, and the
    // baseline's own ideal is 1.0, however much the load slowed the baseline.
    let (_, report) = report_with(&["--runs", "3", "--tasks", "8"], true, false);
    let seq = report.result("sequential").unwrap();
    assert!((seq.ideal_speedup.unwrap() - 1.0).abs() < 1e-9);
    for r in &report.results {
        let Some(a) = approach::find(&r.approach) else {
            continue;
        };
        let wide = matches!(a.cpu_width, Width::Pool | Width::Tasks);
        let limit = if wide { 2.0 } else { 1.0 };
        assert!(r.ideal_speedup.unwrap() <= limit + 1e-9, "{r:?}");
    }
}

#[test]
fn the_checker_drops_or_rewrites_what_the_figures_deny() {
    use crate::judge::claims::{Claim, Facts, Lesson, NoWin, check};
    let (cfg, mut report) = report_with(&["--runs", "3"], false, false);
    let facts = Facts::of(&report, &cfg);
    let best = facts.fastest().unwrap().clone();
    let s = best.speedup.unwrap();
    // "fastest" must name the row with the least median, with its own speedup.
    let wrong = Claim::Fastest {
        approach: "process".into(),
        speedup: s,
        of_ideal: None,
        past_ideal: None,
    };
    assert_eq!(check::hold(wrong, &facts), None);
    // An efficiency past 100% beyond noise is not quoted.
    let over = Claim::Fastest {
        approach: best.approach.clone(),
        speedup: s,
        of_ideal: Some((1.5, best.ideal_speedup.unwrap())),
        past_ideal: None,
    };
    let kept = check::hold(over, &facts).unwrap();
    assert!(
        matches!(kept, Claim::Fastest { of_ideal: None, .. }),
        "{kept:?}"
    );
    // "no approach won" never beside a winner, as a note or a lesson.
    let none = Claim::NoneWon(NoWin::Short { per_task_s: 0.1 });
    assert_eq!(check::hold(none, &facts), None);
    assert_eq!(
        check::lesson(Lesson::NoneWon { per_task_s: 0.1 }, &facts),
        None
    );
    // "With no work" never on CPU work.
    let noop = Lesson::Noop {
        cheap: ("threads".into(), 1e-6),
        dear: ("process".into(), 1e-3),
    };
    assert_eq!(check::lesson(noop, &facts), None);
    // No busy note on an idle machine.
    let busy = Claim::Busy {
        share: 0.5,
        busiest_run_share: 0.5,
        foreign_cpu_s: 1.0,
        cores: 2,
        waited_s: 0.0,
    };
    assert_eq!(check::hold(busy, &facts), None);
    // "take turns" not where threads beat the cores.
    let threads = report
        .results
        .iter_mut()
        .find(|r| r.approach == "threads")
        .unwrap();
    threads.speedup = Some(3.0);
    let facts = Facts::of(&report, &cfg);
    let turns = Claim::TakeTurns {
        threads: 4,
        cores: 2,
    };
    assert_eq!(check::hold(turns, &facts), None);
}

#[test]
fn a_speedup_past_its_ideal_on_a_busy_machine_says_why() {
    use crate::judge::claims::{Claim, Facts, check};
    // Seen with two CPU hogs on 2 cores: threads 2.59x, past the 2x the cores allow, because
    // the hogs took more from sequential's one thread than from threads' four.
    let (cfg, mut report) = report_with(&["--runs", "3"], true, false);
    let best_id = Facts::of(&report, &cfg).fastest().unwrap().approach.clone();
    let best = report
        .results
        .iter_mut()
        .find(|r| r.approach == best_id)
        .unwrap();
    let ideal = best.ideal_speedup.unwrap();
    let s = ideal * 1.3;
    best.speedup = Some(s);
    best.speedup_min = Some(s * 0.99);
    best.speedup_max = Some(s * 1.01);
    let facts = Facts::of(&report, &cfg);
    assert!(facts.busy().is_some());
    let claim = Claim::Fastest {
        approach: best_id.clone(),
        speedup: s,
        of_ideal: None,
        past_ideal: None,
    };
    let kept = check::hold(claim, &facts).expect("the fastest still holds");
    let text =
        crate::judge::claims::render::note(&kept, crate::plan::vocabulary::Vocabulary::Flags);
    assert!(
        text.contains(&format!("past the {ideal:.2}x an idle machine allows")),
        "{text}"
    );
    // On an idle machine the same figure is not explained away by others.
    report.load = Default::default();
    let facts = Facts::of(&report, &cfg);
    let claim = Claim::Fastest {
        approach: best_id,
        speedup: s,
        of_ideal: None,
        past_ideal: None,
    };
    let kept = check::hold(claim, &facts).unwrap();
    assert!(
        matches!(
            kept,
            Claim::Fastest {
                past_ideal: None,
                ..
            }
        ),
        "{kept:?}"
    );
}

/// Mock runs with a first run twice as slow and a fifth run far out, every run's foreign CPU
/// `foreign` times its wall time (0: an idle machine).
fn slow_first_report(foreign: f64) -> Report {
    let cfg = config_for(&["--runs", "5", "--approach", "sequential,threads"]);
    let out = bench::run_all(&cfg, &MockExecutor, &Cancel::new(), &mut bench::Quiet);
    let mut ms = out.measurements;
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for m in ms.iter_mut() {
        let i = seen.entry(m.approach.clone()).or_default();
        let jitter = [2.0, 1.0, 1.02, 0.98, 1.0][*i % 5];
        *i += 1;
        m.wall_s *= jitter;
        m.foreign_cpu_s = Some(foreign * m.wall_s);
    }
    crate::judge::notes::annotate(Report::build(&cfg, Machine::mock(), &ms), &cfg)
}

#[test]
fn a_spread_on_a_busy_machine_is_put_down_to_the_other_programs() {
    // Idle: a slow first run is put down to warming up, and more --warmup is the fix.
    let idle = crate::judge::spread::notes(
        &slow_first_report(0.0),
        crate::plan::vocabulary::Vocabulary::Flags,
    );
    let text = idle.join("\n");
    assert!(
        text.contains("the first measured run was much slower"),
        "{text}"
    );
    assert!(text.contains("--warmup"), "{text}");
    // Others kept 0.9 of the mock's 2 cores busy: 45%, quoted; no warm-up advice, no caches.
    let busy = slow_first_report(0.9);
    assert!(busy.load.foreign_share.is_some_and(|s| s > 0.1));
    let spread = crate::judge::spread::notes(&busy, crate::plan::vocabulary::Vocabulary::Flags);
    let text = spread.join("\n");
    assert!(
        text.contains("the first measured run was much slower"),
        "{text}"
    );
    for n in &spread {
        if n.contains("slower") || n.contains("noisy") || n.contains("outlier") {
            assert!(
                n.contains("other programs kept 45% of the 2 cores busy"),
                "{n}"
            );
        }
    }
    assert!(!text.contains("--warmup"), "{text}");
    assert!(!text.contains("caches"), "{text}");
    assert!(!text.contains("something else may have run"), "{text}");
}

#[test]
fn a_lesson_about_commands_does_not_bring_in_the_gil() {
    // A command is a program of its own: no GIL holds it, so the lesson says so rather than
    // that CPython's threads would stay near 1.0x.
    use crate::judge::claims::{Lesson, render};
    let threads = |programs| Lesson::ThreadsCompute {
        best: ("threads".into(), 1.9),
        processes: Some(("process-pool".into(), 1.5)),
        cores: 2,
        programs,
    };
    let text = render::lesson(&threads(true), crate::plan::vocabulary::Vocabulary::Flags);
    assert!(
        text.starts_with("Threads ran the commands in parallel: threads 1.90x"),
        "{text}"
    );
    assert!(text.contains("no GIL holds"), "{text}");
    assert!(!text.contains("would hold threads"), "{text}");
    assert!(
        render::lesson(&threads(false), crate::plan::vocabulary::Vocabulary::Flags)
            .contains("the GIL would hold threads")
    );
    let processes = Lesson::ProcessesCompute {
        best: ("process-pool".into(), 1.5),
        cores: 2,
        programs: true,
    };
    let text = render::lesson(&processes, crate::plan::vocabulary::Vocabulary::Flags);
    assert!(!text.contains("way around the GIL"), "{text}");
    assert!(text.contains("no GIL holds"), "{text}");
}

#[test]
fn the_gil_is_blamed_only_where_py_sequential_kept_one_core_busy() {
    // numpy's matmul releases the GIL and OpenBLAS already used both cores: py-threads 0.64x
    // was not the GIL's doing, py-sequential had no idle core left for threads to use.
    use crate::judge::claims::{Claim, Facts, check, render};
    let args = ["-a", "python", "--tasks", "4", "--pool-size", "2"];
    let (cfg, report) = report_with(&args, false, false);
    let gil_note = |report: &Report, cpu_use: f64| {
        let mut report = report.clone();
        let seq = report
            .results
            .iter_mut()
            .find(|r| r.approach == "py-sequential")
            .unwrap();
        seq.cpu_use = cpu_use;
        let facts = Facts::of(&report, &cfg);
        let claims = crate::judge::notes::python::claims(&report, &cfg);
        let gil = check::notes(claims, &facts)
            .into_iter()
            .find(|c| matches!(c, Claim::PyGil { .. }))
            .expect("a GIL note");
        // A claim built before the figures changed is rewritten to them.
        let stale = Claim::PyGil {
            times: 0.64,
            gil_off: false,
            threads: None,
            baseline_cores: None,
        };
        let rewritten = check::hold(stale, &facts).unwrap();
        (
            render::note(&gil, cfg.vocabulary),
            render::note(&rewritten, cfg.vocabulary),
        )
    };
    let (one, stale_one) = gil_note(&report, 1.0);
    for n in [&one, &stale_one] {
        assert!(
            n.contains("the GIL lets one thread run Python at a time"),
            "{n}"
        );
        assert!(!n.contains("already kept"), "{n}");
    }
    let (two, stale_two) = gil_note(&report, 1.9);
    for n in [&two, &stale_two] {
        assert!(
            n.contains(
                "py-sequential already kept 1.9 cores busy (the function's library runs its \
                 own threads), so threads had no idle core to gain"
            ),
            "{n}"
        );
        assert!(!n.contains("GIL"), "{n}");
    }
    assert!(
        stale_two.starts_with("py-threads 0.64x py-sequential's speed"),
        "{stale_two}"
    );
}
