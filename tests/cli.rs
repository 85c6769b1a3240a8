//! End-to-end tests of `parlab run` and `parlab list` through the real binary.
//!
//! Module index: bad input (table-driven), JSON document keys, mock snapshots, list, the test
//! hooks compiled in for tests only.

use crate::common::{SMALL_PRIME, parlab};
use predicates::prelude::*;

/// Every bad value ends with one line naming the flag, exit status 2, and no panic.
#[test]
fn bad_input_is_one_line_naming_the_flag_with_status_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["--number", "abc"], "--number"),
        (&["--number", "-5"], "--number"),
        (&["--number", "18446744073709551616"], "--number"),
        (&["--number", ""], "--number"),
        (&["--tasks", "0"], "--tasks"),
        (&["--tasks", "-3"], "--tasks"),
        (&["--tasks", "many"], "--tasks"),
        (&["--tasks", "4294967295"], "--tasks"),
        (&["--pool-size", "0"], "--pool-size"),
        (&["--pool-size", "-1"], "--pool-size"),
        (&["--approach", "fibers"], "--approach"),
        (&["--approach", ""], "--approach"),
        (&["--io-wait", "soon"], "--io-wait"),
        (&["--io-wait", "-1s"], "--io-wait"),
        (&["--io-wait", "5 parsecs"], "--io-wait"),
        (
            &["--io-wait", "250"],
            "--io-wait: '250' has no unit; did you mean 250ms or 250s?",
        ),
        (&["--max-time", "5"], "did you mean 5ms or 5s?"),
        (&["--task-timeout", "30"], "--task-timeout"),
        (&["--workload", "gpu"], "--workload"),
        (&["--approach", "threads", "--tasks", "1000000"], "--tasks"),
    ];
    for (args, flag) in cases {
        let out = parlab()
            .arg("run")
            .args(*args)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{args:?}: one line expected: {stderr}"
        );
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(flag),
            "{args:?} should name {flag}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn an_unknown_approach_lists_the_valid_ids() {
    parlab()
        .args(["run", "--approach", "threads,fibers"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("fibers").and(predicate::str::contains("thread-pool, rayon")),
        );
}

#[test]
fn json_document_has_the_documented_keys_and_checked_answers() {
    let out = parlab()
        .args([
            "run",
            "--format",
            "json",
            "--number",
            SMALL_PRIME,
            "--tasks",
            "3",
            "--pool-size",
            "2",
        ])
        .args(["--approach", "threads,rayon,async"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    for key in ["parlab_version", "machine", "config", "results", "notes"] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    for key in ["cpu_model", "logical_cores", "physical_cores", "os"] {
        assert!(doc["machine"].get(key).is_some(), "missing machine.{key}");
    }
    assert_eq!(doc["config"]["workload"], "cpu");
    assert_eq!(doc["config"]["number"], 1_000_000_007u64);
    assert_eq!(doc["config"]["tasks"], 3);
    assert_eq!(doc["config"]["pool_size"], 2);
    assert!(doc["config"]["io_wait_s"].is_number());
    let results = doc["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["approach"].as_str().unwrap())
        .collect();
    assert_eq!(
        results.len(),
        4,
        "the three asked for and the sequential baseline: {names:?}"
    );
    assert!(names.contains(&"sequential"));
    for r in results {
        for key in [
            "approach",
            "wall_s",
            "speedup",
            "efficiency",
            "cpu_user_s",
            "cpu_sys_s",
            "peak_rss_kib",
            "voluntary_switches",
            "involuntary_switches",
            "verified",
            "tasks",
        ] {
            assert!(r.get(key).is_some(), "{} missing {key}", r["approach"]);
        }
        assert_eq!(r["verified"], true);
        assert!(r["speedup"].as_f64().unwrap() > 0.0);
        let tasks = r["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 3);
        let mut ids: Vec<u64> = tasks.iter().map(|t| t["task"].as_u64().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, [0, 1, 2]);
        for t in tasks {
            assert!(t["worker"].is_u64());
            assert!(t["start_s"].as_f64().unwrap() <= t["end_s"].as_f64().unwrap());
            assert_eq!(t["answer"], serde_json::json!({"prime": true}));
        }
    }
}

#[test]
fn no_baseline_means_no_speedups() {
    let out = parlab()
        .args([
            "run",
            "--format",
            "json",
            "--workload",
            "noop",
            "--tasks",
            "5",
            "--approach",
            "threads",
            "--no-baseline",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert!(results[0]["speedup"].is_null());
}

#[test]
fn a_long_baseline_is_skipped_with_a_note() {
    parlab()
        .args([
            "run",
            "--mock",
            "--workload",
            "io",
            "--tasks",
            "10000",
            "--io-wait",
            "1s",
            "--approach",
            "async",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "sequential baseline would wait 2h 46m",
        ));
}

#[test]
fn mock_table_snapshot() {
    let out = parlab()
        .args(["run", "--mock", "--tasks", "8", "--pool-size", "4"])
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// The mock table at 80 columns: short headers, whole words, the least useful columns left out
/// with a line saying which. (The notes under it are wrapped elsewhere and not checked here.)
#[test]
fn mock_table_at_80_columns() {
    let out = parlab()
        .args(["run", "--mock", "--tasks", "8", "--pool-size", "4"])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (table, _) = text.split_once("\n• ").expect("notes follow the table");
    for line in table.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    let header: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with('┌'))
        .skip(1)
        .take_while(|l| !l.starts_with('╞'))
        .collect();
    assert!(!header.is_empty(), "{table}");
    let words: Vec<&str> = header
        .iter()
        .flat_map(|l| l.split(['│', '┆']))
        .flat_map(str::split_whitespace)
        .collect();
    let whole = [
        "approach", "wall", "±", "CV", "runs", "speedup", "(range)", "%", "of", "ideal", "CPU",
        "time", "use", "peak", "memory", "check",
    ];
    for w in &words {
        assert!(
            whole.contains(w),
            "a header word cut or unknown: {w:?} in {header:?}"
        );
    }
    assert!(
        words.contains(&"speedup") && words.contains(&"ideal"),
        "{words:?}"
    );
    assert!(
        table.contains("narrow terminal: left out CPU use, CPU time, runs;"),
        "{table}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn mock_json_snapshot() {
    let out = parlab()
        .args([
            "run",
            "--mock",
            "--format",
            "json",
            "--workload",
            "mixed",
            "--tasks",
            "3",
            "--io-wait",
            "10ms",
        ])
        .args(["--approach", "async,async-inline"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["parlab_version"] = "[version]".into();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn list_names_every_approach_with_its_python_counterpart() {
    let out = parlab().arg("list").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for id in [
        "sequential",
        "threaded-sequential",
        "threads",
        "thread-pool",
        "rayon",
        "async",
        "async-inline",
        "async-mt",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing:\n{text}"
        );
    }
    assert!(text.contains("ThreadPoolExecutor"));
}

#[test]
fn no_subcommand_without_a_terminal_prints_a_hint_and_exits_2() {
    parlab()
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("parlab run"));
}

/// A plan whose sequential baseline alone passes `--max-time` is refused before anything runs,
/// with its estimate and what to change.
#[test]
fn max_time_refuses_a_plan_whose_baseline_alone_exceeds_it() {
    let out = parlab()
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "1s",
            "--tasks",
            "40",
            "-a",
            "threads",
        ])
        .args(["--max-time", "20s"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: --max-time: this plan takes at least 42 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the sequential baseline alone is 40 s a run (1 run); add --no-baseline"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // Without the baseline it fits, and the run (a few short waits) goes ahead.
    parlab()
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "1ms",
            "--tasks",
            "4",
            "-a",
            "threads",
        ])
        .args([
            "--max-time",
            "20s",
            "--no-baseline",
            "--runs",
            "1",
            "--warmup",
            "0",
        ])
        .assert()
        .success();
}

/// A long plan is announced on stderr with its estimate before it runs; a short one is not.
#[test]
fn a_long_plan_is_estimated_up_front() {
    // 30 waits of 1 s, 15 at a time: 2 s a run; the baseline 30 s a run, 2 runs by the rules.
    // --max-time 5s refuses it, after nothing has run.
    let out = parlab()
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "1s",
            "--tasks",
            "30",
            "-a",
            "thread-pool",
        ])
        .args(["--pool-size", "15", "--max-time", "5s"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at least 34 s"), "{stderr}");
    // The same plan announced: stopped by a signal as soon as the line appears.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "1s",
            "--tasks",
            "30",
            "-a",
            "thread-pool",
        ])
        .args(["--pool-size", "15", "--max-time", "none", "--no-progress"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.take().unwrap()),
        &mut first,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        first.starts_with("parlab: this plan takes about 72 s: the sequential baseline"),
        "{first}"
    );
    let quick = parlab()
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "1ms",
            "--tasks",
            "4",
            "-a",
            "threads",
        ])
        .args(["--runs", "1", "--warmup", "0", "--no-progress"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&quick.stderr).contains("this plan takes"));
}

/// A hint is printed only where the command it suggests would run Python.
#[test]
fn the_python_hint_is_absent_where_python_cannot_run() {
    let out = parlab()
        .args(["run", "-w", "command", "--command", "true", "--tasks", "2"])
        .args(["-a", "sequential,threads", "--runs", "1", "--warmup", "0"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("threads"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("add ,python"), "{stderr}");
    parlab()
        .args(["run", "--mock", "-a", "sequential,threads", "--tasks", "2"])
        .assert()
        .success()
        // Into a pipe, after the results, on stderr.
        .stdout(predicate::str::contains("hint:").not())
        .stderr(predicate::str::contains("hint: add ,python to --approach"));
}

/// The test hooks (Cargo.toml's `test-hooks` feature, which `cargo test` turns on) are in the
/// binary the tests run, and `.ci/no-hooks` (which CI runs on a build without the feature)
/// finds every one of them there; every other `PARLAB_` name in `src/` is a variable users
/// (or the build) set.
#[test]
fn ci_finds_every_test_hook_in_a_build_with_them() {
    let bin = env!("CARGO_BIN_EXE_parlab");
    let script = std::fs::read_to_string(".ci/no-hooks").unwrap();
    let hooks: Vec<&str> = script
        .lines()
        .find_map(|l| l.strip_prefix("HOOKS=\""))
        .expect(".ci/no-hooks lists the hooks in HOOKS=\"...\"")
        .trim_end_matches('"')
        .split(' ')
        .collect();
    let out = std::process::Command::new(".ci/no-hooks")
        .arg(bin)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    for hook in &hooks {
        assert!(said.contains(hook), "{hook} not found in {bin}: {said}");
    }
    // A new PARLAB_ variable in src/ is either a test hook (behind the feature, and in
    // .ci/no-hooks) or one users set (or the build sets), listed here.
    const NOT_HOOKS: &[&str] = &[
        "PARLAB_COMMAND",
        "PARLAB_HELPER_PARENT",
        "PARLAB_STDERR_TAIL",
        "PARLAB_SHOW_OUTPUT",
        "PARLAB_TASK",
        "PARLAB_TASKS",
        "PARLAB_LAB_WORKER",
        "PARLAB_RUSTC_VERSION",
        // A cluster session's secret, given by hand for a scripted cluster (src/cluster/auth.rs).
        "PARLAB_CLUSTER_SECRET",
        "PARLAB_CLUSTER_SECRET_FILE",
    ];
    let mut files = vec![std::path::PathBuf::from("src")];
    let mut names = std::collections::BTreeSet::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (i, _) in text.match_indices("PARLAB_") {
            let tail = &text[i + 7..];
            let end = tail
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(tail.len());
            names.insert((format!("PARLAB_{}", &tail[..end]), path.clone()));
        }
    }
    for (name, path) in &names {
        assert!(
            hooks.contains(&name.as_str()) || NOT_HOOKS.contains(&name.as_str()),
            "{name} ({}) is neither a test hook in .ci/no-hooks nor a variable users set",
            path.display()
        );
    }
}
