//! Unit tests of the demos' list, format and ideal gains.

use super::*;

fn result(slow: Result<Vec<f64>, String>) -> DemoResult {
    DemoResult {
        heading: "Threading: 4 waits of 1 s".into(),
        slower: ("sequential".into(), slow),
        faster: ("threads".into(), Ok(vec![1.00213, 1.01, 0.99])),
        shortfall: None,
        others: None,
    }
}

#[test]
fn the_python_format_with_median_and_range() {
    let text = render(&result(Ok(vec![4.0123456, 4.02, 4.01])), false);
    assert_eq!(
        text,
        "Threading: 4 waits of 1 s\n\
         Slower approach: Finished 'sequential' in 4.0123s\n\
         Faster approach: Finished 'threads' in 1.0021s\n\
         Speed improvement 4.00x (3.98–4.05)\n\n"
    );
}

#[test]
fn the_improvement_is_the_ratio_of_the_times_printed() {
    // Per-round ratios 4.05, 3.98, 4.00 have the median 4.00; the medians' ratio is 4.01/1.00.
    let r = DemoResult {
        heading: "h".into(),
        slower: ("sequential".into(), Ok(vec![4.05, 3.98, 4.01])),
        faster: ("threads".into(), Ok(vec![1.0, 1.0, 1.002])),
        shortfall: None,
        others: None,
    };
    let text = render(&r, false);
    assert!(text.contains("in 4.0100s\n"), "{text}");
    assert!(text.contains("in 1.0000s\n"), "{text}");
    assert!(
        text.contains("Speed improvement 4.01x (3.98–4.05)\n"),
        "{text}"
    );
}

#[test]
fn a_shortfall_line_follows_the_improvement() {
    let mut r = result(Ok(vec![1.0, 1.0, 1.0]));
    r.shortfall = Some("Below half of the ideal 4.00x: a busy machine".into());
    let text = render(&r, false);
    assert!(
        text.ends_with(
            "Speed improvement 1.00x (0.99–1.01)\nBelow half of the ideal 4.00x: a busy machine\n\n"
        ),
        "{text}"
    );
}

#[test]
fn ideal_gains_count_whole_rounds() {
    assert_eq!(ideal_gain(5, 5), 5.0);
    assert_eq!(ideal_gain(2, 2), 2.0);
    assert_eq!(ideal_gain(10, 2), 2.0);
    assert_eq!(ideal_gain(10, 4), 10.0 / 3.0);
    assert_eq!(ideal_gain(4, 1), 1.0);
    assert_eq!(ideal_gain(3, 8), 3.0);
}

#[test]
fn colours_as_the_original() {
    let text = render(&result(Ok(vec![4.0; 3])), true);
    assert!(text.contains("\x1b[31mSlower approach"));
    assert!(text.contains("\x1b[32mFaster approach"));
    assert!(text.contains("\x1b[34mSpeed improvement"));
    assert!(!text.starts_with('\x1b'), "the heading stays plain");
}

#[test]
fn a_failed_check_shows_and_gives_no_improvement() {
    let text = render(&result(Err("task 0 never finished".into())), false);
    assert!(text.contains("'sequential' FAILED its check: task 0 never finished"));
    assert!(!text.contains("Speed improvement"));
}

#[test]
fn every_demo_names_registered_approaches_and_quick_is_small() {
    for quick in [false, true] {
        let all = demos(4, quick);
        assert_eq!(all.len(), 7);
        for d in &all {
            assert!(approach::find(d.slower).is_some(), "{}", d.slower);
            assert!(approach::find(d.faster).is_some(), "{}", d.faster);
            assert_ne!(d.slower, d.faster);
        }
        let waits: Vec<u64> = all
            .iter()
            .filter(|d| d.work.workload == WorkloadKind::Io)
            .map(|d| d.work.io_wait_ns)
            .collect();
        assert_eq!(waits.len(), 3);
        let expected = if quick { 20_000_000 } else { 1_000_000_000 };
        assert!(waits.iter().all(|&w| w == expected));
    }
    assert!(
        demos(4, false)[1]
            .heading
            .contains("400 million divisions split over 4 ")
    );
    assert_eq!(human_wait(20_000_000), "20 ms");
    assert_eq!(human_count(4_000_000), "4 million");
    assert_eq!(human_count(400_000), "400 thousand");
}

#[test]
fn a_busy_machine_is_named() {
    let note = busy_note_for("6.59 5.93 5.24 3/120 999", 2).unwrap();
    assert!(
        note.contains("load average 6.6 on 2 logical cores"),
        "{note}"
    );
    assert_eq!(busy_note_for("0.30 0.2 0.1 1/90 5", 2), None);
    assert_eq!(busy_note_for("", 2), None);
}

#[test]
fn the_split_loop_is_the_same_size_whatever_the_cores() {
    for cores in [1usize, 2, 3, 8] {
        let d = &demos(cores, false)[1];
        let (from, to) = primes::divisor_range(d.work.number);
        let per_task = to - from + 1;
        let total = per_task * d.tasks as u64;
        assert!(primes::is_prime_reference(d.work.number));
        assert!(
            total + d.tasks as u64 > LOOP_DIVISIONS && total < LOOP_DIVISIONS + 2 * d.tasks as u64,
            "{cores} cores: {total}"
        );
    }
}

#[test]
fn a_pair_on_a_busy_machine_says_so_and_draws_no_conclusion() {
    // Others' share is read from the runs' foreign CPU: the busy mock keeps 0.9 of 2 cores.
    let demo = &demos(2, true)[5];
    assert!(
        demo.heading.contains("so near-linear speedup"),
        "{}",
        demo.heading
    );
    let cfg = crate::plan::Plan::programmatic(
        demo.work,
        demo.tasks,
        demo.pool_size,
        vec![
            approach::find(demo.slower).unwrap(),
            approach::find(demo.faster).unwrap(),
        ],
        2,
        true,
    );
    let busy = bench::mock::BusyMockExecutor { load: 0.9 };
    let out = bench::run_all(&cfg, &busy, &Cancel::new(), &mut Quiet);
    let share = others_share_of(&out.measurements, 2).unwrap();
    assert!((share - 0.45).abs() < 1e-9, "{share}");
    let quiet = bench::run_all(&cfg, &bench::mock::MockExecutor, &Cancel::new(), &mut Quiet);
    assert_eq!(others_share_of(&quiet.measurements, 2), None);

    let mut r = result(Ok(vec![1.2, 1.3, 1.25]));
    r.heading = demo.heading.clone();
    r.others = Some((share, 2));
    let text = render(&r, false);
    let busy_line = "Busy: other programs kept 45% of the 2 cores busy; this pair cannot tell";
    assert!(text.contains(busy_line), "{text}");
    assert!(
        text.contains("near-linear speedup on an idle machine"),
        "{text}"
    );
    let py = python::render_line(&r, Some(10));
    assert!(py.contains(busy_line), "{py}");
    // A quiet machine (5% is noise): the lines as they were.
    r.others = Some((0.05, 2));
    let text = render(&r, false);
    assert!(!text.contains("other programs"), "{text}");
    assert!(!text.contains("idle machine"), "{text}");
    assert!(!python::render_line(&r, Some(10)).contains("other programs"));
}
