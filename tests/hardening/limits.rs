//! Issue 15 items 4 and 1: a hung worker stops the run under `--task-timeout` (and without it,
//! a note says the flag exists); async-mt under a process limit is an error, not a panic and a
//! hang, and a second SIGINT or SIGTERM always ends parlab at once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::guard::{self, Ran};
use crate::common::PARLAB;

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
        // Only a worker that has started (exec'd, so its command line says `worker`): a child
        // stopped between fork and exec holds its parent inside `spawn`, which no timeout of
        // parlab's can reach (the parent is in the kernel, waiting for the exec).
        let hit = guard::descendants(pid).into_iter().find(|&w| {
            guard::state(w).is_some_and(|s| s != 'Z')
                && is_a_worker(w)
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

/// True when `pid` runs `parlab worker` (it has exec'd).
fn is_a_worker(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmd| cmd.split(|&b| b == 0).nth(1) == Some(b"worker".as_slice()))
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
            "200",
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

/// Runs parlab with `args` as user nobody with a process limit of `nproc`, or None (with the
/// reason printed) when this environment cannot produce that limit.
fn as_nobody_with_nproc(nproc: u32, args: &str) -> Option<Ran> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        // Not root: the limit applies to the user running the tests as it is.
        return Some(guard::sh(&format!(
            "ulimit -u {nproc} && exec \"$PARLAB\" {args}"
        )));
    }
    let probe = guard::sh("setpriv --reuid=65534 --regid=65534 --clear-groups true");
    if probe.code() != 0 {
        println!(
            "skipped: setpriv cannot switch to nobody here: {}",
            probe.stderr
        );
        return None;
    }
    let ran = guard::sh(&format!(
        "ulimit -u {nproc} && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
         --inh-caps=-all \"$PARLAB\" {args}"
    ));
    if ran.stderr.starts_with("setpriv:") {
        println!("skipped: nobody cannot run parlab here: {}", ran.stderr);
        return None;
    }
    Some(ran)
}

#[test]
fn async_mt_under_a_process_limit_is_refused_not_a_panic_and_a_hang() {
    let run = "run -a async-mt -w io --io-wait 50ms -t 8 --runs 1 --warmup 0 --no-progress \
               --no-baseline";
    let Some(ran) = as_nobody_with_nproc(4, &format!("{run} -p 8")) else {
        return;
    };
    assert_eq!(ran.code(), 2, "{}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with("error: --pool-size: approach async-mt needs 9 threads"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    // Room for its threads: it runs.
    let ran = as_nobody_with_nproc(64, &format!("{run} -p 2")).expect("ran once already");
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
}

#[test]
fn a_second_sigterm_ends_parlab_at_once_with_its_status() {
    let mut cmd = Command::new(PARLAB);
    cmd.args([
        "run",
        "-a",
        "async-mt",
        "-w",
        "io",
        "--io-wait",
        "20s",
        "-t",
        "4",
        "-p",
        "2",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--no-progress",
        "--no-baseline",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let since = Instant::now();
    let child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..2 {
        // SAFETY: kill takes plain integers; the child is not reaped yet.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        std::thread::sleep(Duration::from_millis(50));
    }
    let ran = guard::finish(child, since);
    assert_eq!(ran.code(), 143, "{}", ran.stderr);
    assert!(ran.took < Duration::from_secs(15), "took {:?}", ran.took);
}

/// A worker stopped between its fork and its exec holds parlab inside `spawn`, beyond every
/// deadline; parlab's spawn watch kills it, and the run fails naming the worker and why.
#[test]
fn a_worker_stopped_before_its_exec_does_not_hold_the_run() {
    for id in ["process", "process-pool"] {
        let ran = guard::sh(&format!(
            "PARLAB_WORKER_FAIL=task=1,mode=stop-before-exec exec \"$PARLAB\" run -a {id} \
             -w io --io-wait 10ms -t 4 -p 2 --runs 1 --warmup 0 --no-baseline --no-progress"
        ));
        assert_eq!(ran.code(), 1, "{id}: {}", ran.stderr);
        let line = ran.stderr.lines().last().unwrap_or_default();
        assert!(
            line.starts_with(&format!("error: approach {id}: worker 1 "))
                && line.contains("stopped (SIGSTOP or a debugger) before it could start"),
            "{id}: {}",
            ran.stderr
        );
    }
}
