//! `--command`: a shell command per task, run by every approach that can run commands.

use crate::common;

use crate::common::parlab;
use predicates::prelude::*;
use std::time::{Duration, Instant};

/// `parlab run --command CMD` with quick, plain settings and the given extra flags.
fn run_command(cmd: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut p = parlab();
    p.args(["run", "--command", cmd, "--tasks", "4", "--runs", "1"])
        .args(["--warmup", "0", "--no-progress", "--pool-size", "2"])
        .args(extra);
    p
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("a JSON document")
}

#[test]
fn true_is_verified_under_every_approach_that_runs_commands() {
    let out = run_command("true", &["--format", "json"])
        .assert()
        .success();
    let doc = json_of(&out.get_output().stdout);
    let mut ran: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["verified"], true, "{r}");
            r["approach"].as_str().unwrap()
        })
        .collect();
    ran.sort();
    assert_eq!(
        ran,
        [
            "async",
            "async-mt",
            "cluster",
            "process-pool",
            "rayon",
            "sequential",
            "thread-pool",
            "threads"
        ]
    );
    assert_eq!(doc["config"]["command"], "true");
    assert!(
        doc["notes"]
            .to_string()
            .contains("threaded-sequential, async-inline, process, process-pool-chunked")
    );
}

#[test]
fn sleeps_overlap_under_threads_and_not_under_sequential() {
    let out = run_command("sleep 0.05", &["--approach", "threads", "--format", "json"])
        .assert()
        .success();
    let doc = json_of(&out.get_output().stdout);
    let wall = |id: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["approach"] == id)
            .unwrap()["wall_s"]
            .as_f64()
            .unwrap()
    };
    // Four 50 ms sleeps one after another take at least 200 ms; at once, far less (generous).
    assert!(wall("sequential") >= 0.2, "{doc}");
    assert!(wall("threads") < wall("sequential") * 0.8, "{doc}");
}

#[test]
fn a_failing_task_is_named_with_its_status_and_stderr() {
    let cmd = "test {task} -ne 2 || { echo broke on $PARLAB_TASK of $PARLAB_TASKS >&2; exit 3; }";
    for approach in ["sequential", "async", "process-pool"] {
        run_command(cmd, &["--approach", approach, "--no-baseline"])
            .assert()
            .code(1)
            .stdout(predicate::str::contains(format!(
                "{approach} FAILED its check (task 2: `test 2 -ne 2"
            )))
            .stdout(predicate::str::contains("exited with status 3"))
            .stdout(predicate::str::contains(
                "its stderr ended: broke on 2 of 4",
            ));
    }
}

#[test]
fn a_command_not_found_says_so() {
    run_command("no-such-command-parlab", &["--approach", "sequential"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "status 127 (the shell did not find the command)",
        ));
}

#[test]
fn bad_command_settings_are_refused_by_flag() {
    run_command("  ", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--command: the command is empty"));
    run_command("true", &["--approach", "process"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--approach: process cannot run the command workload",
        ));
    parlab()
        .args(["run", "--workload", "command"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--command CMD"));
}

#[test]
fn a_commands_peak_memory_is_its_own_not_parlabs() {
    let out = run_command("true", &["--approach", "threads,async,process-pool"])
        .args(["--format", "json"])
        .env("PARLAB_TEST_BALLAST_MIB", "200")
        .assert()
        .success();
    let doc = json_of(&out.get_output().stdout);
    for r in doc["results"].as_array().unwrap() {
        let own = r["peak_rss_kib"].as_u64().unwrap();
        let child = r["child_peak_rss_kib"].as_u64().unwrap();
        assert!(own > 200 * 1024, "parlab holds the ballast: {r}");
        // `true` under sh needs a few MiB; parlab's 200 MiB must not show up in it.
        assert!(child > 0 && child < 50 * 1024, "{r}");
    }
}

/// Pids of live processes whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        });
        if text.contains(needle) && !zombie && pid != std::process::id() {
            pids.push(pid);
        }
    }
    pids
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_during_long_commands_leaves_no_process_behind() {
    for (i, approach) in ["threads", "async", "process-pool"].iter().enumerate() {
        // A duration no other process uses, to find this test's sleeps.
        let marker = format!("9.8{i}7{}", std::process::id() % 1000);
        let mut child = common::parlab_std()
            .args(["run", "--command", &format!("sleep {marker}")])
            .args([
                "--tasks",
                "3",
                "--pool-size",
                "3",
                "--no-baseline",
                "--no-progress",
            ])
            .args(["--approach", approach])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_for("three sleeps", || processes_with(&marker).len() >= 3);
        // SAFETY: kill takes plain integers; the child is ours and not reaped.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{approach}");
        wait_for("no sleep left", || processes_with(&marker).is_empty());
    }
}
