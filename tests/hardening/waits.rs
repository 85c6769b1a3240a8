//! Every wait bounded, every signal heard, every child accounted for (issue 23): a command's
//! background processes end with its task and with parlab however parlab ends, a stopped local
//! server or a FIFO without a reader does not hang a run, and a local cluster too large for the
//! machine is refused up front. A process that left parlab's tree (`setsid`, `nohup`, a
//! double fork) is found by a marker in its command line, unique to the case.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::guard::{self, TIMEOUT};
use crate::common::PARLAB;

/// Live processes (not zombies) whose command line holds `marker`.
fn with_marker(marker: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|&p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            // parlab's own command line names the marker too: only the sleeps count.
            text.starts_with("sleep ")
                && text.contains(marker)
                && guard::state(p).is_some_and(|s| s != 'Z')
        })
        .collect()
}

/// Fails when a process with `marker` is still alive a few seconds on (killing them first).
fn assert_none_with(marker: &str, case: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = with_marker(marker);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for p in &left {
                // SAFETY: kill takes plain integers.
                unsafe { libc::kill(*p as i32, libc::SIGKILL) };
            }
            panic!("{case}: left alive: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A marker no other case uses: a sleep's length in seconds with a unique fraction.
fn marker(case: usize, approach: usize, how: usize) -> String {
    format!("1{case}{approach}{how}.{}", std::process::id())
}

/// Commands that leave something behind when their shell exits.
const LEAVERS: [&str; 4] = [
    "sleep M & exit 0",
    "nohup sleep M >/dev/null 2>&1 & exit 0",
    "(sleep M &)",
    "setsid sleep M & exit 0",
];

const APPROACHES: [&str; 4] = ["sequential", "threads", "async", "process-pool"];

#[test]
fn a_commands_background_processes_end_with_its_task() {
    for (c, leaver) in LEAVERS.iter().enumerate() {
        for (a, approach) in APPROACHES.iter().enumerate() {
            let m = marker(c, a, 0);
            let command = leaver.replace('M', &m);
            let ran = guard::parlab(&[
                "run",
                "-w",
                "command",
                "--command",
                &command,
                "-a",
                approach,
                "--tasks",
                "2",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--no-baseline",
                "-q",
            ]);
            assert_eq!(ran.code(), 0, "{command} under {approach}: {}", ran.stderr);
            assert_none_with(&m, &format!("`{command}` under {approach}"));
        }
    }
}

/// Starts parlab running a command that sleeps `m` and leaves a `setsid` sleep, signals it with
/// `signal` once the commands run, and waits for it.
fn signalled(approach: &str, m: &str, signal: i32) -> std::process::ExitStatus {
    let command = format!("setsid sleep {m} & sleep {m}; exit 0");
    let mut child = Command::new(PARLAB)
        .args([
            "run",
            "-w",
            "command",
            "--command",
            &command,
            "-a",
            approach,
            "--tasks",
            "2",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--no-baseline",
            "-q",
        ])
        .env_remove("PARLAB_WORKER_FAIL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let since = Instant::now();
    // Both sleeps of a task have started (sequential runs one task at a time).
    while with_marker(m).len() < 2 {
        assert!(since.elapsed() < TIMEOUT, "the commands never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill takes plain integers; the child is ours and not reaped.
    unsafe { libc::kill(child.id() as i32, signal) };
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if since.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("parlab did not end on signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_command_ends_with_parlab_on_sigint_sigterm_and_sigkill() {
    use std::os::unix::process::ExitStatusExt;
    for (s, signal) in [libc::SIGINT, libc::SIGTERM, libc::SIGKILL]
        .into_iter()
        .enumerate()
    {
        for (a, approach) in APPROACHES.iter().enumerate() {
            let m = marker(7, a, s);
            let status = signalled(approach, &m, signal);
            let expected = match signal {
                libc::SIGKILL => status.signal() == Some(libc::SIGKILL),
                _ => status.code() == Some(128 + signal),
            };
            assert!(expected, "{approach}, signal {signal}: {status:?}");
            assert_none_with(&m, &format!("{approach} ended by signal {signal}"));
        }
    }
}

/// The pid of the local server parlab `parent` started, once it runs.
fn server_of(parent: u32) -> u32 {
    let since = Instant::now();
    loop {
        let found = guard::descendants(parent).into_iter().find(|&p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            cmdline.split(|&b| b == 0).nth(1) == Some(b"serve")
        });
        if let Some(p) = found {
            return p;
        }
        assert!(since.elapsed() < TIMEOUT, "no local server started");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_stopped_local_server_fails_the_run_naming_it_under_every_kind_of_approach() {
    for approach in [
        "sequential",
        "async",
        "process-pool",
        "process-pool --task-timeout 2s",
    ] {
        let mut args = vec![
            "run",
            "-w",
            "net",
            "--io-wait",
            "100ms",
            "--tasks",
            "4",
            "--runs",
            "50",
            "--warmup",
            "0",
            "--no-baseline",
            "--max-time",
            "none",
            "-a",
        ];
        args.extend(approach.split(' '));
        let mut cmd = Command::new(PARLAB);
        cmd.args(&args)
            .env_remove("PARLAB_WORKER_FAIL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let since = Instant::now();
        let child = cmd.spawn().unwrap();
        let server = server_of(child.id());
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: kill takes plain integers; the server is parlab's child, alive.
        unsafe { libc::kill(server as i32, libc::SIGSTOP) };
        let ran = guard::finish(child, since);
        assert_eq!(ran.code(), 1, "{approach}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("local server") || ran.stderr.contains("--task-timeout"),
            "{approach}: {}",
            ran.stderr
        );
        assert!(
            guard::state(server).is_none(),
            "{approach}: the server is left"
        );
    }
}

/// True once `pid` has a handler for `signal` (its bit in SigCgt of /proc/PID/status).
fn catches(pid: i32, signal: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

#[test]
fn an_export_to_a_fifo_without_a_reader_hears_sigint_and_sigterm() {
    // Each output to a FIFO nobody reads, with the signal sent either once the wait for a
    // reader has begun, or as soon as parlab catches it: during the run, before the wait
    // (which once went unheard, and parlab waited its full 10 s for a reader).
    let after_the_run = Some(Duration::from_millis(1500));
    for (flag, name, signal, delay) in [
        ("--export-json", "pipe", libc::SIGINT, after_the_run),
        ("--html", "pipe", libc::SIGTERM, after_the_run),
        ("--trace", "pipe", libc::SIGINT, after_the_run),
        ("--export-json", "pipe", libc::SIGTERM, None),
        ("--export-csv", "pipe", libc::SIGINT, None),
        ("--export-markdown", "pipe", libc::SIGTERM, None),
        ("--trace", "pipe", libc::SIGTERM, None),
        ("--timeline", "pipe.svg", libc::SIGINT, None),
        ("--html", "pipe", libc::SIGINT, None),
        ("--chart", "pipe.svg", libc::SIGTERM, None),
    ] {
        let case = format!("{flag} {signal} {delay:?}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join(name);
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let mut cmd = Command::new(PARLAB);
        cmd.args([
            "run", "-w", "noop", "-a", "threads", "--runs", "1", "-q", flag,
        ])
        .arg(&fifo)
        .env_remove("PARLAB_WORKER_FAIL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let since = Instant::now();
        let child = cmd.spawn().unwrap();
        let pid = child.id() as i32;
        match delay {
            // Long enough for the run to end and the wait for a reader to begin.
            Some(delay) => std::thread::sleep(delay),
            None => {
                while !catches(pid, signal) && since.elapsed() < TIMEOUT {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        // SAFETY: kill takes plain integers; parlab is our child, not reaped.
        unsafe { libc::kill(pid, signal) };
        let ran = guard::finish(child, since);
        assert_eq!(ran.code(), 128 + signal, "{case}: {}", ran.stderr);
        // The signal may also come while the settings are checked, before anything runs.
        assert!(
            ran.stderr.contains("signal came")
                || ran.stderr.contains("nothing was measured")
                || ran.stderr.is_empty(),
            "{case}: {}",
            ran.stderr
        );
        assert!(
            ran.took < Duration::from_secs(9),
            "{case}: waited for a reader"
        );
    }
}

#[test]
fn a_local_cluster_beyond_the_thread_limit_is_refused_up_front() {
    for args in [
        "run -a cluster --pool-size 1000 -w noop",
        "sweep -a cluster --pool-sizes 4096 -w noop",
    ] {
        let ran = guard::parlab(&args.split(' ').collect::<Vec<_>>());
        assert_eq!(ran.code(), 2, "{args}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("--pool-size: approach cluster with")
                && !ran.stderr.contains("panicked"),
            "{args}: {}",
            ran.stderr
        );
    }
}

#[test]
fn a_closed_stdout_does_not_hide_a_failed_approach() {
    let ran = guard::sh(
        "\"$PARLAB\" run -w command --command 'exit 1' -a threads --runs 1 --warmup 0 \
         --no-baseline | true; exit ${PIPESTATUS[0]}",
    );
    assert_eq!(ran.code(), 1, "{}", ran.stderr);
    // A run that verifies is still a success when its reader stops early.
    let ran = guard::sh(
        "\"$PARLAB\" run -w command --command 'true' -a threads --runs 1 --warmup 0 \
         --no-baseline | true; exit ${PIPESTATUS[0]}",
    );
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
}
