//! `parlab demos`.

use super::{parlab, text};

#[test]
fn the_demos_in_the_python_format() {
    let out = parlab().args(["demos", "--mock"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn each_pair_is_followed_by_its_python_line_unless_no_python() {
    let out = parlab().args(["demos", "--mock"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let with = text(&out.stdout);
    let python: Vec<&str> = with
        .lines()
        .filter(|l| l.starts_with("  in Python: "))
        .collect();
    // Six pairs have Python counterparts; async-inline has none.
    assert_eq!(python.len(), 6, "{with}");
    assert!(
        with.contains("Faster approach: Finished 'async' in 1.0200s\nSpeed improvement 4.93x (4.83–5.10)\n  in Python: py-sequential "),
        "the line comes right under its pair: {with}"
    );
    assert!(python[0].contains(" → py-asyncio "), "{}", python[0]);
    // The GIL: threads do not divide faster in CPython.
    assert!(
        python[5].contains(" → py-threads ")
            && python[5].ends_with(", 1.01x (on a tenth of the work)"),
        "{}",
        python[5]
    );

    let out = parlab()
        .args(["demos", "--mock", "--no-python"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let without = text(&out.stdout);
    assert!(!without.contains("Python:"), "{without}");
    assert!(!without.contains("py-"), "{without}");
    // The Rust lines are the same either way.
    let rust_only: String = with
        .lines()
        .filter(|l| !l.starts_with("  in Python: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(rust_only, without);
}

#[test]
fn without_python3_the_python_lines_are_skipped_with_one_line() {
    let empty = tempfile::tempdir().unwrap();
    let out = parlab()
        .args(["demos", "--quick"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("the Python lines are skipped: ").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("python3"), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("in Python:"), "{stdout}");
    assert_eq!(stdout.matches("Speed improvement ").count(), 7, "{stdout}");
}

#[test]
fn a_named_interpreter_that_cannot_run_is_refused_before_any_pair() {
    let out = parlab()
        .args(["demos", "--quick", "--python", "/nonexistent/python3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--python"), "{stderr}");
    assert!(stderr.contains("/nonexistent/python3"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran: {out:?}");
}

#[test]
fn quick_demos_scale_the_waits_down() {
    let out = parlab()
        .args(["demos", "--mock", "--quick"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Async/await: 5 waits of 20 ms"), "{stdout}");
    assert!(stdout.contains("Finished 'async' in 0.02"), "{stdout}");
    // Each pair ran several times: the improvement shows its median and range.
    assert!(stdout.contains("Speed improvement 4.93x ("), "{stdout}");
}

#[test]
fn real_quick_demos_measure_and_check_every_pair() {
    let out = parlab().args(["demos", "--quick"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("Slower approach: Finished '").count(),
        7,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("Faster approach: Finished '").count(),
        7,
        "{stdout}"
    );
    assert_eq!(stdout.matches("Speed improvement ").count(), 7, "{stdout}");
    every_ratio_is_the_ratio_of_the_times(&stdout);
    // Where python3 runs, six pairs are run again in CPython, each checked.
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert_eq!(stdout.matches("  in Python: py-").count(), 6, "{stdout}");
        assert!(!stdout.contains("FAILED"), "{stdout}");
        // That py-threads and py-process divide the same tasks is checked structurally
        // (src/demos/python.rs): under --quick the work is so short that a process's start-up
        // decides, and a busy machine favours whichever has more threads, so no timing here.
    }
    // A pair below half of its ideal says why, in one line; none says it twice.
    assert!(
        stdout.matches("Below half of the ideal").count() <= 7,
        "{stdout}"
    );
    // Waits overlap whatever the load: 5 waits of 20 ms cannot take 5 × 20 ms concurrently.
    let improvement = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Speed improvement "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.trim_end_matches('x').parse::<f64>().ok())
        .unwrap();
    assert!(improvement > 1.5, "async/await improvement {improvement}");
}

#[test]
fn colours_in_a_terminal_unless_no_color() {
    use expectrl::{Eof, Expect, Session};
    let run = |no_color: Option<&str>| {
        let mut cmd = super::common::parlab_std();
        cmd.args(["demos", "--mock"]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let mut s = Session::spawn(cmd).unwrap();
        let all = s.expect(Eof).unwrap();
        let _ = s.get_process().wait();
        String::from_utf8_lossy(all.as_bytes()).into_owned()
    };
    let coloured = run(None);
    assert!(coloured.contains("\x1b[31mSlower approach"), "{coloured:?}");
    assert!(coloured.contains("\x1b[32mFaster approach"));
    assert!(coloured.contains("\x1b[34mSpeed improvement"));
    let plain = run(Some("1"));
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("Speed improvement 4.93x"));
}

/// One `  in Python: a 1.00s → b 0.50s, 2.00x` line, parsed.
struct PythonLine {
    slower: (String, f64),
    faster: (String, f64),
    gain: String,
}

fn python_lines(stdout: &str) -> Vec<PythonLine> {
    let side = |s: &str| -> (String, f64) {
        let (name, t) = s.trim().split_once(' ').unwrap();
        (name.into(), t.trim_end_matches('s').parse().unwrap())
    };
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  in Python: "))
        .filter(|l| !l.contains("FAILED"))
        .map(|l| {
            let (pair, rest) = l.split_once(", ").unwrap();
            let (slower, faster) = pair.split_once(" → ").unwrap();
            let gain = rest.split(' ').next().unwrap();
            PythonLine {
                slower: side(slower),
                faster: side(faster),
                gain: gain.into(),
            }
        })
        .collect()
}

/// Every improvement printed, Rust's and Python's, is the ratio of the two times printed above
/// or beside it, to the digits shown.
fn every_ratio_is_the_ratio_of_the_times(stdout: &str) {
    let time = |l: &str| -> f64 {
        let t = l.rsplit(" in ").next().unwrap();
        t.trim_end_matches('s').parse().unwrap()
    };
    let lines: Vec<&str> = stdout.lines().collect();
    let mut checked = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some(gain) = l.strip_prefix("Speed improvement ") else {
            continue;
        };
        let (slow, fast) = (time(lines[i - 2]), time(lines[i - 1]));
        let gain = gain.split_whitespace().next().unwrap();
        assert_eq!(gain, format!("{:.2}x", slow / fast), "{stdout}");
        checked += 1;
    }
    assert!(checked >= 6, "{stdout}");
    for l in python_lines(stdout) {
        assert_eq!(
            l.gain,
            format!("{:.2}x", l.slower.1 / l.faster.1),
            "{stdout}"
        );
    }
}

#[test]
fn every_ratio_printed_is_the_ratio_of_the_times_printed() {
    let out = parlab().args(["demos", "--mock"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    every_ratio_is_the_ratio_of_the_times(&stdout);
    assert_eq!(python_lines(&stdout).len(), 6, "{stdout}");
}
