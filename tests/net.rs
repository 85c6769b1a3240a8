//! `net` work against parlab's own local server: every approach gets verified replies, and a
//! dying server, a corrupted or cut reply, Ctrl-C and a too-small open-file limit each end the
//! run as they should, with no process left behind. No timing is asserted.

use crate::common;

use crate::common::{parlab, parlab_std};
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

/// Small net work: 3 tasks, 5 ms waits, one run each.
const SMALL: &[&str] = &[
    "run",
    "-w",
    "net",
    "--tasks",
    "3",
    "--io-wait",
    "5ms",
    "--runs",
    "1",
    "--warmup",
    "0",
    "--no-progress",
];

/// A marker in the environment of parlab and everything it starts, unique to one test.
fn marker(name: &str) -> (String, String) {
    (
        "PARLAB_NET_TEST".to_string(),
        format!("{name}-{}", std::process::id()),
    )
}

/// The processes alive whose environment holds `marker` (parlab's server and workers inherit it).
fn left_behind(marker: &(String, String)) -> Vec<u32> {
    let needle = format!("{}={}", marker.0, marker.1);
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let zombie = std::fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        });
        if !zombie && env.split(|&b| b == 0).any(|v| v == needle.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

/// Waits (boundedly) until nothing marked is alive; returns what still is.
fn settle(marker: &(String, String)) -> Vec<u32> {
    let start = Instant::now();
    loop {
        let left = left_behind(marker);
        if left.is_empty() || start.elapsed() > Duration::from_secs(5) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_approach_gets_verified_replies() {
    let mark = marker("all");
    let out = parlab()
        .args(SMALL)
        .args(["-a", "all", "--format", "json"])
        .env(&mark.0, &mark.1)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    // `all` is every Rust approach (the Python ones are asked for by name).
    assert_eq!(results.len(), common::all_count(), "{doc}");
    for r in results {
        assert_eq!(r["verified"], true, "{r}");
    }
    // The server's line: 12 approaches × 3 tasks × 4 requests.
    assert!(
        stderr.contains("local server (not counted in any approach): 144 requests"),
        "{stderr}"
    );
    assert!(settle(&mark).is_empty());
}

#[test]
fn the_connect_is_a_step_of_its_own_in_the_events_and_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let out = parlab()
        .args([
            "run",
            "-w",
            "net",
            "--tasks",
            "4",
            "--requests",
            "2",
            "--io-wait",
            "0s",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--no-progress",
            "--no-baseline",
            "--format",
            "json",
        ])
        .args(["-a", "threads,process-pool,async,async-mt", "--trace"])
        .arg(&trace)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{doc}");
    for r in results {
        let tasks = r["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 4, "{r}");
        for t in tasks {
            // The connect, then each request: three steps, the connect first and ended
            // before the first request began.
            let steps = t["steps"].as_array().unwrap();
            let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
            assert_eq!(kinds, ["connect", "wait", "wait"], "{}: {t}", r["approach"]);
            let at = |i: usize, k: &str| steps[i][k].as_f64().unwrap();
            assert!(at(0, "start_s") <= at(0, "end_s"), "{t}");
            assert!(at(0, "end_s") <= at(1, "start_s"), "{t}");
        }
    }
    let trace: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let connects = events
        .iter()
        .filter(|e| e["name"] == "connect" && e["ph"] != "e")
        .count();
    assert_eq!(connects, 4 * 4, "a connect slice per task of each approach");
}

#[test]
fn async_sends_an_early_connections_request_before_it_starts_the_last_connection() {
    // Spawned all at once, every task took its connect before any sent its request: task 0's
    // request waited behind the connect of every later task. Spawned in small batches, a task
    // carries on as soon as its connect is made.
    let tasks = 600;
    let out = parlab()
        .args(["run", "-w", "net", "--tasks", &tasks.to_string()])
        .args([
            "--requests",
            "1",
            "--io-wait",
            "0s",
            "--runs",
            "1",
            "--warmup",
            "0",
        ])
        .args([
            "--no-progress",
            "--no-baseline",
            "--format",
            "json",
            "-a",
            "async",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tasks_run = doc["results"][0]["tasks"].as_array().unwrap();
    assert_eq!(tasks_run.len(), tasks, "{doc}");
    let step = |t: usize, s: usize| &tasks_run[t]["steps"][s];
    let first_request = step(0, 1)["start_s"].as_f64().unwrap();
    let last_connect = step(tasks - 1, 0)["start_s"].as_f64().unwrap();
    assert_eq!(step(0, 1)["kind"], "wait", "{}", tasks_run[0]);
    assert!(
        first_request < last_connect,
        "task 0 sent its request at {first_request} s, after the last task began connecting \
         at {last_connect} s"
    );
}

#[test]
fn a_server_that_dies_mid_run_stops_the_run_and_leaves_nothing() {
    let mark = marker("dies");
    let out = parlab()
        .args(SMALL)
        .args(["-a", "threads,process-pool,async"])
        .env(&mark.0, &mark.1)
        .env("PARLAB_SERVE_FAIL", "after:5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: the local server (pid "), "{stderr}");
    assert!(
        stderr.contains("exited with status 3 during the run of"),
        "{stderr}"
    );
    assert_eq!(settle(&mark), Vec::<u32>::new());
}

#[test]
fn a_server_that_cannot_start_is_named() {
    let out = parlab()
        .args(SMALL)
        .args(["-a", "async"])
        .env("PARLAB_SERVE_FAIL", "start")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: the local server could not start"),
        "{stderr}"
    );
}

#[test]
fn a_corrupted_or_cut_reply_fails_its_task() {
    for (hook, why) in [
        ("corrupt:2", "reply failed its checksum"),
        ("short:2", "short or mis-sized reply"),
    ] {
        for approach in ["threads", "async", "process"] {
            let out = parlab()
                .args(SMALL)
                .args(["-a", approach, "--no-baseline"])
                .env("PARLAB_SERVE_FAIL", hook)
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(1), "{hook} {approach}: {text}");
            assert!(
                text.contains(&format!("failed: {why}")),
                "{hook} {approach}: {text}"
            );
            assert!(text.contains("FAILED"), "{text}");
        }
    }
}

#[test]
fn ctrl_c_stops_the_server_and_the_workers() {
    let mark = marker("ctrlc");
    let mut child = parlab_std()
        .args(["run", "-w", "net", "--tasks", "6", "--io-wait", "20s"])
        .args(["-a", "process-pool", "--pool-size", "2", "--no-progress"])
        .env(&mark.0, &mark.1)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (boundedly) until the server and workers are up: parlab plus at least two more.
    let start = Instant::now();
    while left_behind(&mark).len() < 3 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        left_behind(&mark).len() >= 3,
        "server and workers never started"
    );
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(settle(&mark), Vec::<u32>::new());
}

#[test]
fn more_connections_than_the_open_file_limit_are_refused() {
    let mut cmd = parlab_std();
    cmd.args([
        "run",
        "-w",
        "net",
        "--tasks",
        "5000",
        "-a",
        "async",
        "--no-progress",
    ]);
    // SAFETY: setrlimit in the child before exec touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let rl = libc::rlimit {
                rlim_cur: 512,
                rlim_max: 512,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--tasks: 5000 net tasks keep 5000 connections"),
        "{stderr}"
    );
    assert!(stderr.contains("open-file limit (ulimit -n"), "{stderr}");
}

/// A task of 6,000 requests has 6,000 steps, more than one report frame holds: a worker process
/// sends them over several frames (it used to die with "exited with status 2", the frame
/// limit named only on another line), and every step reaches the report.
#[test]
fn a_task_of_thousands_of_requests_runs_in_a_worker_process() {
    let mark = marker("many-requests");
    let out = parlab()
        .args([
            "run",
            "-w",
            "net",
            "--requests",
            "6000",
            "--io-wait",
            "0s",
            "--tasks",
            "2",
            "-a",
            "process-pool",
            "--no-baseline",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--no-progress",
            "--format",
            "json",
        ])
        .env(&mark.0, &mark.1)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["approach"], "process-pool", "{stderr}");
    assert_eq!(result["verified"], true, "{stderr}");
    let tasks = result["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    for t in tasks {
        // The connect, then the 6000 requests.
        assert_eq!(
            t["steps"].as_array().unwrap().len(),
            6001,
            "task {}",
            t["task"]
        );
    }
    assert!(settle(&mark).is_empty());
}

/// A connection waiting for its next reply holds no reply buffer: 2,000 connections × 2 replies
/// of 64 KiB peak far below one 64 KiB buffer per connection (125 MiB). Before the fix each
/// held one through the whole wait for its second reply, because tokio reports a drained socket
/// readable until a read finds it empty. A memory figure, not a timing.
#[test]
fn a_connection_waiting_for_its_next_reply_holds_no_buffer() {
    let mark = marker("buffers");
    let out = parlab()
        .args(["run", "-w", "net", "--tasks", "2000", "--requests", "2"])
        .args(["--payload", "64KiB", "--io-wait", "200ms", "--runs", "1"])
        .args(["--warmup", "0", "--no-progress", "--no-baseline"])
        .args(["-a", "async,async-mt", "--format", "json"])
        .env(&mark.0, &mark.1)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let buffers_kib = 2000 * 64;
    for r in doc["results"].as_array().unwrap() {
        assert_eq!(r["verified"], true, "{r}");
        let peak = r["peak_rss_kib"].as_u64().unwrap();
        assert!(
            peak < buffers_kib / 2,
            "{}: peak {peak} KiB, near one reply buffer per connection ({buffers_kib} KiB)",
            r["approach"]
        );
    }
    assert!(settle(&mark).is_empty());
}
