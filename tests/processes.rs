//! `parlab run` with the process approaches when things go wrong, end to end: a worker that dies
//! (killed, panics, exits), Ctrl-C and SIGTERM, a parlab executable deleted under a run,
//! settings refused up front, and a worker fed garbage on its stdin. Each test has its own
//! timeout and checks that no worker of the parlab it started is left alive.
//!
//! Workers are made to fail with the hidden `PARLAB_WORKER_FAIL=task=N,mode=kill|panic|exit`.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

use crate::common::{PARLAB, Ran, stat_field};

const IDS: [&str; 3] = ["process", "process-pool", "process-pool-chunked"];

/// Longer than any of these runs can take unless something hangs.
const TIMEOUT: Duration = Duration::from_secs(60);

fn start(program: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(program);
    // Only the faults a test asks for, whatever the environment of the test itself.
    cmd.args(args)
        .env_remove("PARLAB_WORKER_FAIL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for &(k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Waits for `child` (started at `since`), killing it and failing the test after [`TIMEOUT`].
fn finish(child: Child, since: Instant) -> Ran {
    common::wait_capturing(child, since, TIMEOUT, |_| {})
}

fn parlab(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let since = Instant::now();
    let ran = finish(start(PARLAB, args, env), since);
    assert_no_workers_left(ran.pid);
    ran
}

/// Pids of processes that are children of `pid`, or parlab workers it started.
fn workers_of(pid: u32) -> Vec<u32> {
    let tag = format!("worker\0--parent\0{pid}\0");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
        let named = cmdline.windows(tag.len()).any(|w| w == tag.as_bytes());
        if named || stat_field(p, 1) == Some(pid) {
            out.push(p);
        }
    }
    out
}

fn assert_no_workers_left(pid: u32) {
    let left = workers_of(pid);
    assert!(
        left.is_empty(),
        "workers of parlab {pid} left alive: {left:?}"
    );
}

/// The approaches the JSON report on stdout holds.
fn reported(stdout: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("a JSON report");
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["approach"].as_str().unwrap().to_string())
        .collect()
}

/// A worker failing on task 17 stops the run with a message naming the worker and the task;
/// the approaches that finished before are still reported.
fn worker_failure_ends_cleanly(mode: &str, how: &str) {
    for id in IDS {
        let approaches = format!("thread-pool,{id}");
        let ran = parlab(
            &[
                "run",
                "--workload",
                "io",
                "--io-wait",
                "2ms",
                "--tasks",
                "30",
                "--pool-size",
                "3",
                "--approach",
                &approaches,
                "--format",
                "json",
                "--runs",
                "1",
                "--warmup",
                "0",
            ],
            &[("PARLAB_WORKER_FAIL", &format!("task=17,mode={mode}"))],
        );
        let last = ran.stderr.lines().last().unwrap_or_default();
        assert_eq!(ran.status.code(), Some(1), "{id} {mode}: {}", ran.stderr);
        assert!(
            last.starts_with(&format!("error: approach {id}: worker ")),
            "{last}"
        );
        assert!(last.contains(" (pid "), "{last}");
        assert!(last.contains(") died while running task 17: "), "{last}");
        assert!(last.contains(how), "{id} {mode}: {last}");
        if id == "process" {
            assert!(last.contains("worker 17 "), "a process per task: {last}");
        }
        // The table sorts by speed, which a busy machine may swap: compare the set.
        let mut finished = reported(&ran.stdout);
        finished.sort();
        assert_eq!(finished, ["sequential", "thread-pool"], "{id}");
    }
}

#[test]
fn a_worker_killed_mid_task_ends_the_run_cleanly() {
    worker_failure_ends_cleanly("kill", "killed by signal 9 (SIGKILL)");
}

#[test]
fn a_worker_that_panics_mid_task_ends_the_run_cleanly() {
    worker_failure_ends_cleanly(
        "panic",
        "asked for a panic on task 17 (exited with status 101)",
    );
}

#[test]
fn a_worker_that_exits_mid_task_ends_the_run_cleanly() {
    worker_failure_ends_cleanly("exit", "exited with status 3");
}

#[test]
fn a_death_stops_the_run_at_once_not_when_the_other_tasks_end() {
    for id in IDS {
        // Every other task waits a minute; the run must not.
        let ran = parlab(
            &[
                "run",
                "--workload",
                "io",
                "--io-wait",
                "60s",
                "--tasks",
                "3",
                "--pool-size",
                "3",
                "--approach",
                id,
                "--no-baseline",
            ],
            &[("PARLAB_WORKER_FAIL", "task=0,mode=kill")],
        );
        assert_eq!(ran.status.code(), Some(1), "{id}: {}", ran.stderr);
        assert!(
            ran.took < Duration::from_secs(30),
            "{id} took {:?}",
            ran.took
        );
        assert!(
            ran.stderr
                .contains(&format!("approach {id}: worker 0 (pid ")),
            "{}",
            ran.stderr
        );
        assert!(
            ran.stderr
                .contains("died while running task 0: killed by signal 9")
        );
    }
}

/// Runs `threads` then approach `id` on tasks that wait 3 s, signals parlab as soon as its
/// workers exist (long before their tasks could end), and checks that it stops at once with
/// `status`, no worker left, and the `threads` result printed. `threads` goes first because it
/// runs every task at once: it finishes in one wait, whatever `tasks` is.
fn signal_during(id: &str, tasks: &str, signal: i32, status: i32) {
    let approaches = format!("threads,{id}");
    let since = Instant::now();
    let child = start(
        PARLAB,
        &[
            "run",
            "--workload",
            "io",
            "--io-wait",
            "3s",
            "--tasks",
            tasks,
            "--pool-size",
            "2",
            "--approach",
            &approaches,
            "--no-baseline",
            "--format",
            "json",
        ],
        &[],
    );
    let pid = child.id();
    while workers_of(pid).is_empty() {
        assert!(since.elapsed() < TIMEOUT, "{id}: workers never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill takes plain integers; the pid is our own unreaped child.
    unsafe { libc::kill(pid as i32, signal) };
    let signalled = Instant::now();
    let ran = finish(child, since);
    assert_no_workers_left(pid);
    assert_eq!(ran.status.code(), Some(status), "{id}: {}", ran.stderr);
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "{id}: slow to stop"
    );
    let said = format!("interrupted by signal {signal}");
    assert!(ran.stderr.contains(&said), "{}", ran.stderr);
    assert_eq!(reported(&ran.stdout), ["threads"], "{id}");
}

#[test]
fn ctrl_c_kills_every_worker_and_exits_130() {
    signal_during("process-pool", "2", libc::SIGINT, 130);
}

#[test]
fn ctrl_c_during_chunks_kills_every_worker_and_exits_130() {
    signal_during("process-pool-chunked", "4", libc::SIGINT, 130);
}

#[test]
fn sigterm_kills_every_worker_and_exits_143() {
    signal_during("process-pool", "2", libc::SIGTERM, 143);
}

#[test]
fn ctrl_c_while_starting_a_process_per_task_kills_every_one() {
    signal_during("process", "300", libc::SIGINT, 130);
}

#[test]
fn ctrl_c_typed_at_a_terminal_reaches_parlab_alone_and_exits_130() {
    use expectrl::Expect;
    use expectrl::process::unix::WaitStatus;
    // A terminal's Ctrl-C signals its whole foreground process group. Workers run in groups of
    // their own (checked below), so parlab alone hears it, and it kills them; the run ends
    // "interrupted" (130) with no worker left. (Had the workers heard it too, parlab would
    // still see its own signal first: the exit status alone cannot tell.)
    let mut cmd = Command::new(PARLAB);
    cmd.args([
        "run",
        "--workload",
        "io",
        "--io-wait",
        "3s",
        "--tasks",
        "2",
        "--pool-size",
        "2",
        "--approach",
        "process-pool",
        "--no-baseline",
    ])
    .env_remove("PARLAB_WORKER_FAIL");
    let mut session = expectrl::Session::spawn(cmd).unwrap();
    let pid = session.get_process().pid().as_raw() as u32;
    let since = Instant::now();
    while workers_of(pid).len() < 2 {
        assert!(since.elapsed() < TIMEOUT, "workers never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    // A worker joins its own group between fork and exec: until then /proc shows the parent's
    // group, so wait for every worker to get there (and fail if one never does).
    loop {
        let workers = workers_of(pid);
        let outside: Vec<u32> = workers
            .iter()
            .copied()
            .filter(|&w| stat_field(w, 2) != Some(w))
            .collect();
        if outside.is_empty() {
            break;
        }
        assert!(
            since.elapsed() < TIMEOUT,
            "workers {outside:?} never led their own process group"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        stat_field(pid, 2),
        Some(pid),
        "parlab leads the terminal's group"
    );
    session.send(expectrl::ControlCode::EndOfText).unwrap();
    let status = loop {
        match session.get_process().status().unwrap() {
            WaitStatus::StillAlive => {
                assert!(since.elapsed() < TIMEOUT, "parlab did not stop");
                std::thread::sleep(Duration::from_millis(10));
            }
            status => break status,
        }
    };
    assert!(matches!(status, WaitStatus::Exited(_, 130)), "{status:?}");
    assert_no_workers_left(pid);
}

#[test]
fn a_parlab_executable_deleted_under_a_run_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("parlab");
    std::fs::copy(PARLAB, &copy).unwrap();
    let since = Instant::now();
    let args = [
        "run",
        "--workload",
        "io",
        "--io-wait",
        "300ms",
        "--tasks",
        "1",
        "--approach",
        "sequential,process-pool",
        "--format",
        "json",
        "--runs",
        "1",
        "--warmup",
        "0",
    ];
    // Another test thread's fork can hold the fresh copy open for writing for an instant.
    let child = loop {
        let mut cmd = Command::new(&copy);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match cmd.spawn() {
            Ok(child) => break child,
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("{e}"),
        }
    };
    // The executable is loaded; sequential's 300 ms wait comes before any worker starts.
    std::fs::remove_file(&copy).unwrap();
    let ran = finish(child, since);
    assert_no_workers_left(ran.pid);
    assert_eq!(ran.status.code(), Some(1), "{}", ran.stderr);
    let last = ran.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: approach process-pool: could not start worker 0 ("),
        "{last}"
    );
    assert!(last.contains("the parlab executable is gone"), "{last}");
    assert_eq!(reported(&ran.stdout), ["sequential"]);
}

#[test]
fn settings_a_process_approach_cannot_run_are_refused_up_front() {
    let ran = parlab(&["run", "--approach", "process", "--tasks", "1000000"], &[]);
    assert_eq!(ran.status.code(), Some(2));
    assert!(
        ran.stderr.starts_with("error: --tasks: 1000000 tasks need"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("process-pool"), "{}", ran.stderr);
    for bad in ["0", "-3", "x"] {
        let ran = parlab(
            &[
                "run",
                "--approach",
                "process-pool-chunked",
                "--chunk-size",
                bad,
            ],
            &[],
        );
        assert_eq!(ran.status.code(), Some(2), "{bad}");
        assert!(
            ran.stderr.starts_with("error: --chunk-size: "),
            "{}",
            ran.stderr
        );
    }
    let args = [
        "run",
        "--workload",
        "noop",
        "--tasks",
        "9",
        "--approach",
        "process-pool-chunked",
        "--chunk-size",
        "4",
        "--pool-size",
        "2",
    ];
    let ran = parlab(&args, &[]);
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("process-pool-chunked"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_worker_refuses_garbage_on_its_stdin_without_panicking() {
    for garbage in [
        &b"\xff\xff\xff\xff"[..],
        b"\x02\x00\x00\x00\xc8\x01",
        b"\x09\x00",
    ] {
        let mut child = Command::new(PARLAB)
            .arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(garbage).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{garbage:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        // The reason goes to the parent, in a frame after the hello, for its error line.
        use parlab::run::worker::protocol::{FrameReader, FromWorker};
        let mut frames = FrameReader::new();
        frames.push(&out.stdout);
        assert!(matches!(
            frames.next_message::<FromWorker>(),
            Ok(Some(FromWorker::Hello { .. }))
        ));
        let Ok(Some(FromWorker::Stopped { message })) = frames.next_message::<FromWorker>() else {
            panic!("{garbage:?}: no reason in {:?}", out.stdout);
        };
        assert!(message.starts_with("parlab worker: frames: "), "{message}");
    }
}
