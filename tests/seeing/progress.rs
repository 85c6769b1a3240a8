//! Progress: plain lines without a terminal, live bars with one.

use std::time::Duration;

use super::{parlab, text};

/// A run long enough for the drawing thread to have drawn several frames, had it run.
const SLOW_ENOUGH: &[&str] = &[
    "run",
    "--workload",
    "io",
    "--io-wait",
    "300ms",
    "--tasks",
    "2",
    "--approach",
    "threads,async",
    "--runs",
    "1",
    "--warmup",
    "0",
];

/// The progress lines of `err`: those before the lesson and the hint, which follow them on
/// stderr when stdout is not a terminal.
fn progress_lines(err: &str) -> Vec<&str> {
    err.lines()
        .take_while(|l| !l.starts_with("Lesson:") && !l.starts_with("hint:"))
        .collect()
}

/// `text` less its colour codes (SGR: `ESC [ … m`), which a terminal gets by default.
fn without_colour(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find(|c: char| !c.is_ascii_digit() && c != ';') {
            Some(end) if after[end..].starts_with('m') => rest = &after[end + 1..],
            _ => {
                out.push_str("\x1b[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_stderr_that_is_not_a_terminal_gets_plain_lines_only() {
    let out = parlab().args(SLOW_ENOUGH).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    assert!(!err.contains('\x1b'), "escape codes on a pipe: {err:?}");
    let lines = progress_lines(&err);
    assert_eq!(lines.len(), 3, "one line per approach: {err}");
    for (line, id) in lines.iter().zip(["sequential", "threads", "async"]) {
        assert!(line.starts_with(id) && line.ends_with("verified"), "{line}");
    }
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains('\x1b'),
        "escape codes on stdout: {stdout:?}"
    );
}

/// A mock run of five measured runs (and one warm-up) per approach.
const FIVE_RUNS: &[&str] = &[
    "run",
    "--mock",
    "--runs",
    "5",
    "--tasks",
    "2",
    "--approach",
    "threads,async",
];

#[test]
fn off_a_terminal_one_line_per_approach_and_verbose_one_per_run() {
    let out = parlab().args(FIVE_RUNS).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    let lines = progress_lines(&err);
    assert_eq!(lines.len(), 3, "one line per approach: {err}");
    for (line, id) in lines.iter().zip(["sequential", "threads", "async"]) {
        assert!(line.starts_with(id), "{line}");
        assert!(
            line.contains("5 runs") && line.ends_with("verified"),
            "{line}"
        );
    }

    let out = parlab().args(FIVE_RUNS).arg("--verbose").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    // Per approach: a warm-up line and a line per measured run.
    assert_eq!(progress_lines(&err).len(), 3 * (1 + 5), "{err}");
    assert_eq!(err.matches("run 5/5").count(), 3, "{err}");
    assert_eq!(err.matches("warm-up").count(), 3, "{err}");
}

/// Runs `args` in a pseudo-terminal and returns everything it wrote there (stdout and stderr).
fn in_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    use expectrl::{Eof, Expect, Session};
    let mut cmd = super::common::parlab_std();
    cmd.args(args).env("LANG", "C.UTF-8").env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut session = Session::spawn(cmd).expect("a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let all = session.expect(Eof).expect("parlab ends");
    let status = session.get_process().wait().expect("reaped");
    assert!(
        matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 0)),
        "{status:?}"
    );
    String::from_utf8_lossy(all.as_bytes()).into_owned()
}

#[test]
fn a_terminal_gets_live_bars_per_task_and_no_progress_turns_them_off() {
    let with = in_a_terminal(SLOW_ENOUGH, &[]);
    assert!(
        with.contains("threads task 0") && with.contains("async task 1"),
        "{with}"
    );
    assert!(with.contains("waiting"), "waits show as waits: {with}");
    assert!(with.contains('\x1b'), "bars are redrawn in place");

    let mut args = SLOW_ENOUGH.to_vec();
    args.push("--no-progress");
    let without = in_a_terminal(&args, &[]);
    assert!(!without.contains("task 0"), "{without}");
    // Colour stays (a terminal gets it by default); nothing is redrawn.
    assert!(!without_colour(&without).contains('\x1b'), "{without:?}");
    assert!(without.contains("async") && without.contains("verified"));
}

#[test]
fn more_tasks_than_rows_get_worker_lanes_and_an_overall_bar() {
    let out = in_a_terminal(
        &[
            "run",
            "--workload",
            "io",
            "--io-wait",
            "30ms",
            "--tasks",
            "100",
            "--approach",
            "thread-pool",
            "--pool-size",
            "3",
            "--no-baseline",
        ],
        &[],
    );
    assert!(out.contains("thread-pool all tasks"), "{out}");
    assert!(out.contains("/100 done, 3 running"), "{out}");
    assert!(out.contains("thread-pool worker"), "{out}");
    assert!(!out.contains("thread-pool task "), "no bar per task: {out}");
}

#[test]
fn in_a_terminal_each_run_replaces_its_approach_line() {
    let all = in_a_terminal(FIVE_RUNS, &[]);
    // Every run's line is drawn at some point...
    assert!(all.contains("run 3/5"), "{all:?}");
    // ...but the block of live lines is redrawn in place (cursor up, clear to the end), and
    // after its last redraw only the approaches' summary lines and the table remain.
    let last = all
        .rfind("\r\x1b[J")
        .expect("the live lines are redrawn in place");
    let screen = &all[last..];
    assert!(
        !screen.contains("run "),
        "a per-run line was left: {screen:?}"
    );
    let before_table = screen.split('┌').next().unwrap();
    assert!(
        before_table.contains("async ") && before_table.contains("5 runs"),
        "{screen:?}"
    );
    assert_eq!(
        all.matches("5 runs").count(),
        3,
        "each approach's summary line printed once: {all:?}"
    );
}
