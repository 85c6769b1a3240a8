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

#[test]
fn a_stderr_that_is_not_a_terminal_gets_plain_lines_only() {
    let out = parlab().args(SLOW_ENOUGH).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = text(&out.stderr);
    assert!(!err.contains('\x1b'), "escape codes on a pipe: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
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
    assert!(!without.contains('\x1b'), "{without:?}");
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
