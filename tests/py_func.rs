//! `--py-func`: the user's own Python function under every py-* approach, with the real
//! `python3`: the examples in examples/python verified under all seven; a value that differs
//! from py-sequential's, an exception, an import error, a missing name, an unpicklable value, a
//! hung function under `--task-timeout` and Ctrl-C, each with its exit status and no Python
//! process left behind.
//!
//! Every parlab started here carries a unique `PARLAB_TEST_TAG` in its environment, which the
//! interpreter and every process it forks inherit: a process left behind is found by it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::common::{self, PARLAB, Ran};

/// A hang guard, not a timing assertion.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(120);

/// Small and quick: four tasks, a pool of two, one run each.
pub(crate) const QUICK: &[&str] = &[
    "--tasks",
    "4",
    "--pool-size",
    "2",
    "--runs",
    "1",
    "--warmup",
    "0",
    "--no-progress",
];

/// Functions that go wrong, each in its own way.
const FAULTS: &str = r#"
import os, threading, time

def boom(task):
    if task == 2:
        raise ValueError(f"bad task {task}")
    return task

def pid(task):
    return os.getpid()

def lock(task):
    return threading.Lock()

def hang(task):
    if task == 1:
        while True:
            time.sleep(1)
    return task

def nap(task):
    time.sleep(60)
    return task

def yes(task, value):
    return True
"#;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/python")
        .join(name)
        .display()
        .to_string()
}

/// A file of [`FAULTS`] in a fresh directory (kept while the guard lives).
fn faults() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faults.py");
    std::fs::write(&file, FAULTS).unwrap();
    (dir, file)
}

/// A tag no other test's processes carry.
pub(crate) fn new_tag() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "py-func-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn start(args: &[&str], tag: &str) -> Child {
    Command::new(PARLAB)
        .arg("run")
        .args(args)
        .args(QUICK)
        .env_remove("PARLAB_PY_FAULT")
        .env("PARLAB_TEST_TAG", tag)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Pids of live processes (not zombies) whose environment holds `tag`.
pub(crate) fn tagged(tag: &str) -> Vec<u32> {
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

/// The tagged processes running the driver: the interpreter and the processes it forked.
pub(crate) fn drivers(tag: &str) -> Vec<u32> {
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
pub(crate) fn assert_none_left(tag: &str) {
    let since = Instant::now();
    while !tagged(tag).is_empty() && since.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(tagged(tag), Vec::<u32>::new(), "processes left behind");
}

/// Runs `parlab run ARGS QUICK` to its end, and checks nothing of it is left.
fn parlab(args: &[&str]) -> Ran {
    let tag = new_tag();
    let ran = common::wait_capturing(start(args, &tag), Instant::now(), TIMEOUT, |_| {});
    assert_none_left(&tag);
    ran
}

#[test]
fn every_python_approach_on_every_example_is_verified() {
    for (func, is_async) in [
        ("cpu_loop.py:work", false),
        ("fetch.py:fetch", false),
        ("async_fetch.py:fetch", true),
    ] {
        let target = example(func);
        let ran = parlab(&["--py-func", &target, "--format", "json"]);
        assert!(ran.status.success(), "{func}: {}", ran.stderr);
        let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
        let results = report["results"].as_array().unwrap();
        let mut ids: Vec<&str> = results
            .iter()
            .map(|r| r["approach"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "py-asyncio",
                "py-pool",
                "py-process",
                "py-process-pool",
                "py-sequential",
                "py-thread-pool",
                "py-threads"
            ],
            "{func}: without --approach, every py-* approach and only those"
        );
        for r in results {
            let id = r["approach"].as_str().unwrap();
            assert_eq!(r["verified"], true, "{func} {id}: {}", r["problem"]);
            let tasks = r["tasks"].as_array().unwrap();
            assert_eq!(tasks.len(), 4, "{func} {id}");
            for t in tasks {
                // A call is two steps: its computation, then the time it was blocked.
                let kinds: Vec<&str> = t["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["kind"].as_str().unwrap())
                    .collect();
                assert_eq!(kinds, ["cpu", "wait"], "{func} {id}: {t}");
            }
        }
        let lesson = report["lesson"].as_str().unwrap_or_default();
        let said = if is_async {
            "awaited every call on one event loop"
        } else {
            "asyncio.to_thread"
        };
        assert!(lesson.contains(said), "{func}: {lesson}");
    }
}

#[test]
fn the_title_and_the_json_config_name_the_function() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let target = example("cpu_loop.py:work");
    let ran = parlab(&[
        "--py-func",
        &target,
        "--approach",
        "py-sequential,py-threads",
        "--export-json",
        json.to_str().unwrap(),
    ]);
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("cpu_loop.py:work × 4 tasks"),
        "the title names the function: {}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("pyfunc × "), "{}", ran.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["config"]["py_func"], target.as_str(), "{report}");
}

#[test]
fn a_function_that_sleeps_is_modelled_as_waits() {
    let ran = parlab(&[
        "--py-func",
        &example("fetch.py:fetch"),
        "--approach",
        "py-sequential",
        "--format",
        "json",
    ]);
    assert!(ran.status.success(), "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let work = &report["python_work"];
    let (compute, wait) = (
        work["compute_s"].as_f64().unwrap(),
        work["wait_s"].as_f64().unwrap(),
    );
    // Four sleeps of 50 ms: far more blocked than computing, however busy the machine.
    assert!(wait > 0.1 && wait > 4.0 * compute, "{work}");
}

#[test]
fn numpy_example_runs_or_says_numpy_is_missing() {
    let has_numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let ran = parlab(&[
        "--py-func",
        &example("numpy_matmul.py:matmul"),
        "--approach",
        "py-sequential,py-threads",
    ]);
    if has_numpy {
        assert!(ran.status.success(), "{}", ran.stderr);
    } else {
        eprintln!("numpy is not installed: its example is checked for the message only");
        assert_eq!(ran.code(), 2, "{}", ran.stderr);
        assert!(
            ran.stderr.contains("No module named 'numpy'"),
            "{}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "nothing measured: {}", ran.stdout);
    }
}

#[test]
fn a_value_that_differs_from_py_sequentials_fails_naming_the_approach_and_task() {
    let (_dir, file) = faults();
    let target = format!("{}:pid", file.display());
    let ran = parlab(&[
        "--py-func",
        &target,
        "--approach",
        "py-sequential,py-process",
    ]);
    assert_eq!(ran.code(), 1, "{}", ran.stderr);
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        all.contains("py-process FAILED its check") && all.contains("task 0: pid(0) returned"),
        "{all}"
    );
    assert!(!all.contains("py-sequential FAILED"), "{all}");
}

#[test]
fn an_exception_fails_the_run_with_its_last_lines_and_the_task() {
    let (_dir, file) = faults();
    let target = format!("{}:boom", file.display());
    let check = format!("{}:yes", file.display());
    // The check instead of a reference run, so the process approach itself meets the error.
    for approach in ["py-threads", "py-process-pool"] {
        let ran = parlab(&[
            "--py-func",
            &target,
            "--py-check",
            &check,
            "--approach",
            approach,
            "--no-baseline",
        ]);
        assert_eq!(ran.code(), 1, "{approach}: {}", ran.stderr);
        let e = &ran.stderr;
        assert!(
            e.contains(&format!(
                "approach {approach}: task 2 raised ValueError: bad task 2"
            )) && e.contains("faults.py:6 in boom"),
            "{approach}: {e}"
        );
    }
}

#[test]
fn an_import_error_or_a_missing_name_exits_2_before_anything_runs() {
    let (dir, file) = faults();
    let broken = dir.path().join("broken.py");
    std::fs::write(&broken, "import no_such_module_for_parlab\n").unwrap();
    for (target, said) in [
        (
            format!("{}:work", broken.display()),
            "No module named 'no_such_module_for_parlab'",
        ),
        (format!("{}:nope", file.display()), "has no 'nope'"),
        (
            "no_such_package_for_parlab:f".to_string(),
            "No module named",
        ),
    ] {
        let ran = parlab(&["--py-func", &target]);
        assert_eq!(ran.code(), 2, "{target}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("--py-func") && ran.stderr.contains(said),
            "{target}: {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "nothing measured: {}", ran.stdout);
    }
    let ran = parlab(&[
        "--py-func",
        &format!("{}:boom", file.display()),
        "-a",
        "threads",
    ]);
    assert_eq!(ran.code(), 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("py-* approaches"), "{}", ran.stderr);
}

#[test]
fn an_unpicklable_value_names_the_function_and_its_type() {
    let (_dir, file) = faults();
    let target = format!("{}:lock", file.display());
    let check = format!("{}:yes", file.display());
    for approach in ["py-process", "py-process-pool", "py-pool"] {
        let ran = parlab(&[
            "--py-func",
            &target,
            "--py-check",
            &check,
            "--approach",
            approach,
            "--no-baseline",
        ]);
        assert_eq!(ran.code(), 1, "{approach}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("a value of type lock from lock(")
                && ran.stderr.contains("cannot be pickled"),
            "{approach}: {}",
            ran.stderr
        );
    }
}

#[test]
fn a_hung_function_is_stopped_by_the_task_timeout() {
    let (_dir, file) = faults();
    let target = format!("{}:hang", file.display());
    let check = format!("{}:yes", file.display());
    for approach in ["py-thread-pool", "py-process-pool"] {
        let ran = parlab(&[
            "--py-func",
            &target,
            "--py-check",
            &check,
            "--approach",
            approach,
            "--no-baseline",
            "--task-timeout",
            "1s",
        ]);
        assert_eq!(ran.code(), 1, "{approach}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("task 1 ran for") && ran.stderr.contains("--task-timeout"),
            "{approach}: {}",
            ran.stderr
        );
    }
}

#[test]
fn ctrl_c_leaves_no_python_running() {
    let (_dir, file) = faults();
    let target = format!("{}:nap", file.display());
    let check = format!("{}:yes", file.display());
    let tag = new_tag();
    let child = start(
        &[
            "--py-func",
            &target,
            "--py-check",
            &check,
            "--approach",
            "py-process-pool",
            "--no-baseline",
        ],
        &tag,
    );
    let pid = child.id();
    // The interpreter and its two pool workers (not parlab's checks before the run).
    let since = Instant::now();
    while drivers(&tag).len() < 3 {
        assert!(since.elapsed() < TIMEOUT, "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill takes plain integers; the pid is our own unreaped child.
    unsafe { libc::kill(pid as i32, libc::SIGINT) };
    let ran = common::wait_capturing(child, Instant::now(), TIMEOUT, |_| {});
    assert_eq!(ran.status.code(), Some(130), "{}", ran.stderr);
    assert_none_left(&tag);
}
