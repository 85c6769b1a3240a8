//! The Python approaches end to end, with the real `python3` (CI has CPython 3.11): every one on
//! every workload gives verified answers and an event per task; a driver fault, a missing
//! interpreter and Ctrl-C end cleanly with no Python process left; and the driver's own
//! unittest suite (tests/py) runs as part of `cargo test`.
//!
//! Every parlab started here carries a unique `PARLAB_TEST_TAG` in its environment, which the
//! interpreter and every process it forks inherit: a process left behind is found by its
//! environment, even once orphaned.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::common::{PARLAB, Ran, SMALL_PRIME};

/// The slack parlab allows between its CPU and wall clocks (`CPU_SLACK_S` in
/// src/run/record/measure.rs), s.
const CPU_SLACK_S: f64 = 50e-6;

/// A hang guard, not a timing assertion.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A tag no other test's processes carry.
fn new_tag() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "py-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn start(args: &[&str], env: &[(&str, &str)], tag: &str) -> Child {
    let mut cmd = Command::new(PARLAB);
    cmd.args(args)
        .env_remove("PARLAB_PY_FAULT")
        .env("PARLAB_TEST_TAG", tag)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for &(k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Waits for `child`, killing it and failing the test after [`TIMEOUT`].
fn finish(child: Child) -> Ran {
    common::wait_capturing(child, Instant::now(), TIMEOUT, |_| {})
}

/// Pids of live processes (not zombies) whose environment holds `tag`.
fn tagged(tag: &str) -> Vec<u32> {
    let needle = format!("PARLAB_TEST_TAG={tag}\0");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rfind(')')
            .is_some_and(|i| stat[i + 1..].trim_start().starts_with('Z'));
        if !zombie && env.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            out.push(pid);
        }
    }
    out
}

/// The tagged processes running the driver: the interpreter and the processes it forked (not
/// parlab, nor a launcher such as a pyenv shim).
fn drivers(tag: &str) -> Vec<u32> {
    let marker = b"parlab's Python driver";
    tagged(tag)
        .into_iter()
        .filter(|p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            cmdline.windows(marker.len()).any(|w| w == marker)
        })
        .collect()
}

/// Every process of the tagged run has gone (a little grace for the kernel to tear them down).
fn assert_none_left(tag: &str) {
    let since = Instant::now();
    while !tagged(tag).is_empty() && since.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(tagged(tag), Vec::<u32>::new(), "processes left behind");
}

fn parlab(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let tag = new_tag();
    let ran = finish(start(args, env, &tag));
    assert_none_left(&tag);
    ran
}

#[test]
fn every_python_approach_on_every_workload_is_verified_with_an_event_per_task() {
    for workload in ["cpu", "io", "mixed", "noop"] {
        let ran = parlab(
            &[
                "run",
                "--approach",
                "python",
                "--workload",
                workload,
                "--number",
                SMALL_PRIME,
                "--io-wait",
                "5ms",
                "--tasks",
                "3",
                "--pool-size",
                "2",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--no-baseline",
                "--no-progress",
                "--format",
                "json",
            ],
            &[],
        );
        assert!(ran.status.success(), "{workload}: {}", ran.stderr);
        let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
        let python = &report["machine"]["python"];
        assert!(python["version"].as_str().is_some(), "{workload}: {python}");
        let results = report["results"].as_array().unwrap();
        let ids: Vec<&str> = results
            .iter()
            .map(|r| r["approach"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 7, "{workload}: {ids:?}");
        assert!(ids.iter().all(|id| id.starts_with("py-")), "{ids:?}");
        let expected = if workload == "cpu" || workload == "mixed" {
            "prime"
        } else {
            "done"
        };
        for r in results {
            let id = r["approach"].as_str().unwrap();
            assert_eq!(r["verified"], true, "{workload} {id}: {}", r["problem"]);
            let tasks = r["tasks"].as_array().unwrap();
            let mut seen: Vec<u64> = tasks.iter().map(|t| t["task"].as_u64().unwrap()).collect();
            seen.sort();
            assert_eq!(seen, [0, 1, 2], "{workload} {id}");
            for t in tasks {
                let answer = t["answer"].to_string().to_lowercase();
                assert!(
                    answer.contains(expected) || (expected == "prime" && answer.contains("true")),
                    "{workload} {id}: {answer}"
                );
                assert_eq!(t["runs"], 1, "{workload} {id}");
            }
        }
    }
}

#[test]
fn a_driver_fault_stops_the_run_naming_approach_and_task() {
    for (approach, fault) in [("py-threads", "raise:1"), ("py-process-pool", "exit:1")] {
        let ran = parlab(
            &[
                "run",
                "--approach",
                approach,
                "--tasks",
                "3",
                "--pool-size",
                "2",
                "--number",
                SMALL_PRIME,
                "--runs",
                "1",
                "--warmup",
                "0",
                "--no-baseline",
                "--no-progress",
            ],
            &[("PARLAB_PY_FAULT", fault)],
        );
        assert_eq!(ran.status.code(), Some(1), "{approach}: {}", ran.stderr);
        let said = format!("approach {approach}: task 1");
        assert!(ran.stderr.contains(&said), "{approach}: {}", ran.stderr);
    }
}

#[test]
fn a_missing_interpreter_named_with_python_exits_2_with_a_hint() {
    let ran = parlab(
        &[
            "run",
            "--approach",
            "py-threads",
            "--python",
            "/nonexistent/python3",
        ],
        &[],
    );
    assert_eq!(ran.status.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--python"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("no Python interpreter found"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("Python 3.8+"), "{}", ran.stderr);
}

#[test]
fn ctrl_c_kills_the_interpreter_and_every_pool_process_and_exits_130() {
    for approach in ["py-process-pool", "py-threads"] {
        let tag = new_tag();
        let child = start(
            &[
                "run",
                "--approach",
                approach,
                "--workload",
                "io",
                "--io-wait",
                "60s",
                "--tasks",
                "2",
                "--pool-size",
                "2",
                "--no-baseline",
                "--no-progress",
                "--format",
                "json",
            ],
            &[],
            &tag,
        );
        let pid = child.id();
        // Wait for the interpreter (and, for the pool, its two workers) to be running.
        let want = if approach == "py-process-pool" { 3 } else { 1 };
        let since = Instant::now();
        while drivers(&tag).len() < want {
            assert!(since.elapsed() < TIMEOUT, "{approach}: never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300)); // let the tasks start waiting
        // SAFETY: kill takes plain integers; the pid is our own unreaped child.
        unsafe { libc::kill(pid as i32, libc::SIGINT) };
        let ran = finish(child);
        assert_eq!(ran.status.code(), Some(130), "{approach}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("interrupted by signal 2"),
            "{}",
            ran.stderr
        );
        assert_none_left(&tag);
    }
}

/// The parent pid of `pid`, from /proc.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}

#[test]
fn a_killed_interpreter_stops_the_run_even_while_its_pool_holds_its_output() {
    let tag = new_tag();
    let child = start(
        &[
            "run",
            "--approach",
            "py-process-pool",
            "--workload",
            "io",
            "--io-wait",
            "60s",
            "--tasks",
            "2",
            "--pool-size",
            "2",
            "--no-baseline",
            "--no-progress",
        ],
        &[],
        &tag,
    );
    let pid = child.id();
    let since = Instant::now();
    // The interpreter and its two pool workers.
    while drivers(&tag).len() < 3 {
        assert!(since.elapsed() < TIMEOUT, "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300)); // let a progress tick name the tasks
    let interpreter = drivers(&tag)
        .into_iter()
        .find(|&p| parent_of(p) == Some(pid))
        .expect("the interpreter is parlab's child");
    // SAFETY: kill takes plain integers; the interpreter runs as long as parlab has not reaped it.
    unsafe { libc::kill(interpreter as i32, libc::SIGKILL) };
    let ran = finish(child);
    assert_eq!(ran.status.code(), Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("approach py-process-pool: the Python interpreter"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("killed by signal 9"), "{}", ran.stderr);
    assert_none_left(&tag);
}

#[test]
fn all_stays_rust_only_and_a_table_hints_at_python() {
    let ran = parlab(
        &[
            "run",
            "--mock",
            "--tasks",
            "2",
            "--approach",
            "all",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(!ran.stdout.contains("py-"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("hint:"));
    let ran = parlab(&["run", "--mock", "--tasks", "2"], &[]);
    // Into a pipe the hint follows the results on stderr, not stdout.
    assert!(ran.stderr.contains("hint: add ,python to --approach"));
    assert!(!ran.stdout.contains("hint:"));
}

#[test]
fn list_shows_the_python_approaches_and_the_interpreter() {
    let ran = parlab(&["list"], &[]);
    assert!(ran.status.success());
    assert!(ran.stdout.contains("py-process-pool"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("python3 found: CPython"),
        "{}",
        ran.stdout
    );
}

#[test]
fn the_drivers_own_unittest_suite_passes() {
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests/py"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 runs (CI has CPython 3.11)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn noop_python_rows_leave_the_drivers_fixed_cost_out() {
    // Before, the interpreter's exit and the start-up CPU left over sat in every run: about
    // 28 ms of wall and 60-90 ms of CPU for 5 tasks of nothing, CPU use 300% on 2 cores.
    let ran = parlab(
        &[
            "run",
            "-a",
            "py-sequential,py-threads,py-thread-pool,py-process,py-process-pool",
            "-w",
            "noop",
            "--tasks",
            "5",
            "--pool-size",
            "2",
            "--runs",
            "3",
            "--warmup",
            "1",
            "--no-baseline",
            "--no-progress",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(ran.status.success(), "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let cores = report["machine"]["logical_cores"].as_f64().unwrap_or(1.0);
    for r in report["results"].as_array().unwrap() {
        let id = r["approach"].as_str().unwrap();
        for run in r["runs"].as_array().unwrap() {
            let wall = run["wall_s"].as_f64().unwrap();
            let cpu = run["cpu_user_s"].as_f64().unwrap() + run["cpu_sys_s"].as_f64().unwrap();
            // The fixed cost is measured, and kept out of the wall.
            let fixed = run["fixed_cost_s"].as_f64();
            assert!(fixed.is_some_and(|f| f > 0.0), "{id}: {run}");
            // No more CPU than the cores could give in that wall, beyond the clocks' slack
            // (before: 30-80 ms more; then, with parlab's pipe readers counted, 100-160 µs
            // more on py-sequential's 20 µs).
            assert!(
                cpu <= wall * cores * 1.02 + CPU_SLACK_S,
                "{id}: cpu {cpu} s in {wall} s: {run}"
            );
        }
    }
}
