//! Issue 15 items 4 and 1: a hung worker stops the run under `--task-timeout` (and without it,
//! a note says the flag exists); async-mt under a process limit is an error, not a panic and a
//! hang, and a second SIGINT or SIGTERM always ends parlab at once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::PARLAB;
use crate::guard::{self, Ran};

/// Starts parlab with `args`, stops (SIGSTOP) one of its workers once one is busy, resumes it
/// after `resume` if given, and waits for the end under the guard's timeout.
fn with_a_stopped_worker(args: &[&str], resume: Option<Duration>) -> Ran {
    let mut cmd = Command::new(PARLAB);
    cmd.args(args)
        .env_remove("PARLAB_WORKER_FAIL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let since = Instant::now();
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let mut child = child;
    let stopped = loop {
        if since.elapsed() > guard::TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no worker ever started");
        }
        // SAFETY: kill takes plain integers; the pid is a live child of parlab's.
        let hit = guard::descendants(pid).into_iter().find(|&w| {
            guard::state(w).is_some_and(|s| s != 'Z')
                && unsafe { libc::kill(w as i32, libc::SIGSTOP) } == 0
        });
        if let Some(w) = hit {
            break w;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(after) = resume {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            // SAFETY: as above; a pid already reaped only makes this fail.
            unsafe { libc::kill(stopped as i32, libc::SIGCONT) };
        });
    }
    guard::finish(child, since)
}

#[test]
fn a_hung_worker_stops_the_run_under_task_timeout() {
    for id in ["process", "process-pool", "process-pool-chunked"] {
        let ran = with_a_stopped_worker(
            &[
                "run",
                "-a",
                id,
                "-w",
                "io",
                "--io-wait",
                "100ms",
                "-t",
                "40",
                "-p",
                "2",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--no-baseline",
                "--no-progress",
                "--task-timeout",
                "2s",
            ],
            None,
        );
        assert_eq!(ran.code(), 1, "{id}: {}", ran.stderr);
        let line = ran.stderr.lines().last().unwrap_or_default();
        assert!(
            line.starts_with(&format!("error: approach {id}: worker "))
                && line.contains("task ")
                && line.contains("--task-timeout"),
            "{id}: {}",
            ran.stderr
        );
        assert!(
            ran.took < Duration::from_secs(40),
            "{id} took {:?}",
            ran.took
        );
    }
}

#[test]
fn without_the_flag_a_long_stall_mentions_it() {
    let ran = with_a_stopped_worker(
        &[
            "run",
            "-a",
            "process-pool",
            "-w",
            "io",
            "--io-wait",
            "50ms",
            "-t",
            "40",
            "-p",
            "2",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--no-baseline",
            "--no-progress",
        ],
        Some(Duration::from_secs(4)),
    );
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("--task-timeout DURATION"),
        "{}",
        ran.stderr
    );
}
