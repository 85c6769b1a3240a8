//! The `cluster` approach on localhost: verified answers and an event per task over several
//! processes, a process killed mid-run, and two runs at once.

use crate::common;

use std::collections::BTreeSet;

use crate::common::{SMALL_PRIME, parlab, parlab_std};
use serde_json::Value;

/// Runs `args` with approach cluster as JSON and returns cluster's result.
fn cluster_result(args: &[&str]) -> Value {
    let out = parlab()
        .args([
            "run", "-a", "cluster", "--runs", "1", "--warmup", "0", "--format", "json",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["approach"] == "cluster")
        .cloned()
        .expect("a cluster result")
}

/// Checks a verified run of `tasks` tasks, each once, and returns the workers they ran on.
fn check_tasks(result: &Value, tasks: usize) -> BTreeSet<u64> {
    assert_eq!(result["verified"], true, "{result}");
    let events = result["tasks"].as_array().unwrap();
    assert_eq!(events.len(), tasks);
    let mut seen = BTreeSet::new();
    for e in events {
        assert_eq!(e["runs"], 1, "{e}");
        assert!(!e["answer"].is_null(), "{e}");
        assert!(e["end_s"].as_f64() >= e["start_s"].as_f64(), "{e}");
        seen.insert(e["task"].as_u64().unwrap());
    }
    assert_eq!(seen.len(), tasks, "every task once");
    events
        .iter()
        .map(|e| e["worker"].as_u64().unwrap())
        .collect()
}

#[test]
fn every_workload_over_two_processes_is_verified_with_an_event_per_task() {
    for workload in ["cpu", "io", "mixed", "noop"] {
        let r = cluster_result(&[
            "-w",
            workload,
            "--tasks",
            "6",
            "--pool-size",
            "2",
            "--number",
            SMALL_PRIME,
            "--io-wait",
            "5ms",
        ]);
        let workers = check_tasks(&r, 6);
        // Exchanged on the task index: both processes ran tasks.
        assert_eq!(workers, BTreeSet::from([0, 1]), "{workload}");
        let children = r["children"].as_array().unwrap();
        assert_eq!(children.len(), 1, "{workload}: {r}");
        // The process measured itself: its number, its peak and its CPU time.
        let c = &children[0];
        assert_eq!(c["process"], 1, "{c}");
        assert!(c["peak_rss_kib"].as_u64().unwrap() > 0, "{c}");
        assert!(c["cpu_s"][0].as_f64().unwrap() >= 0.0, "{c}");
    }
}

#[test]
fn three_processes_of_two_workers_use_all_six() {
    let r = cluster_result(&[
        "--tasks",
        "12",
        "--pool-size",
        "6",
        "--cluster-workers",
        "2",
        "--number",
        SMALL_PRIME,
    ]);
    assert_eq!(check_tasks(&r, 12), (0..6).collect());
    let children = r["children"].as_array().unwrap();
    assert_eq!(children.len(), 2, "{r}");
    // Processes 1 and 2 hold workers 2-3 and 4-5.
    for (c, (process, first)) in children.iter().zip([(1, 2), (2, 4)]) {
        assert_eq!(
            (&c["process"], &c["worker"], &c["workers"]),
            (&process.into(), &first.into(), &2.into()),
            "{c}"
        );
    }
}

/// Runs `run`, which must fail with exit 1 and leave no cluster process behind; its stderr.
fn fails_leaving_nothing(mut run: std::process::Command) -> String {
    let child = run
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(cluster_processes_of(pid), Vec::<String>::new());
    stderr
}

#[test]
fn a_task_over_the_task_timeout_stops_the_run_naming_it() {
    let mut run = parlab_std();
    run.args(["run", "-a", "cluster", "--no-baseline", "-w", "io"])
        .args(["--io-wait", "30s", "--tasks", "4", "--pool-size", "2"])
        .args(["--task-timeout", "1s", "--runs", "1", "--warmup", "0"]);
    let stderr = fails_leaving_nothing(run);
    assert!(
        stderr.contains("without finishing, longer than --task-timeout 1.000 s")
            && stderr.contains("ran on worker"),
        "{stderr}"
    );
}

#[test]
fn a_pool_that_does_not_split_into_processes_is_refused() {
    parlab()
        .args([
            "run",
            "-a",
            "cluster",
            "--pool-size",
            "3",
            "--cluster-workers",
            "2",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--pool-size"));
    parlab()
        .args(["run", "-a", "cluster", "--cluster-workers", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--cluster-workers"));
}

/// Cluster processes still alive whose command line names `parent` as their parent.
fn cluster_processes_of(parent: u32) -> Vec<String> {
    processes_running(&format!("cluster-worker --parent {parent} "))
}

/// Runs approach cluster over 2 local processes with the test hook's fault `mode` at task 2
/// (which goes to worker 0 of timely, the first process parlab started); its stderr.
fn with_fault_at_task_2(mode: &str) -> String {
    let mut run = parlab_std();
    run.args(["run", "-a", "cluster", "--tasks", "8", "--pool-size", "2"])
        .args(["--runs", "1", "--warmup", "0", "--number", SMALL_PRIME])
        .env("PARLAB_WORKER_FAIL", format!("task=2,mode={mode}"));
    fails_leaving_nothing(run)
}

#[test]
fn a_process_killed_mid_run_ends_the_run_with_exit_1_and_nothing_left() {
    let stderr = with_fault_at_task_2("kill");
    assert!(
        stderr.contains("cluster process 1") && stderr.contains("SIGKILL"),
        "{stderr}"
    );
    assert!(
        stderr.contains("while running task 2"),
        "names the task it held: {stderr}"
    );
    assert!(!stderr.contains("panicked at"), "no panic noise: {stderr}");
}

#[test]
fn a_panic_in_a_cluster_worker_comes_back_as_one_line() {
    let stderr = with_fault_at_task_2("panic");
    let panics: Vec<&str> = stderr.lines().filter(|l| l.contains("panicked")).collect();
    assert_eq!(panics.len(), 1, "one line for the panic: {stderr}");
    assert!(
        panics[0].starts_with("parlab cluster process 1: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: approach cluster: cluster process 1"),
        "{stderr}"
    );
}

#[test]
fn two_runs_at_once_do_not_collide() {
    let start = || {
        parlab_std()
            .args([
                "run",
                "-a",
                "cluster",
                "--tasks",
                "8",
                "--pool-size",
                "4",
                "--runs",
                "2",
                "--warmup",
                "0",
                "-w",
                "noop",
                "--format",
                "json",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    for run in [a, b] {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["approach"] == "cluster")
            .unwrap();
        assert_eq!(r["verified"], true);
    }
}

#[test]
fn a_note_puts_clusters_cost_per_task_beside_process_pools() {
    let out = parlab()
        .args([
            "run",
            "-a",
            "process-pool,cluster",
            "-w",
            "noop",
            "--tasks",
            "40",
            "--pool-size",
            "2",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = doc["notes"].to_string();
    assert!(
        notes.contains("cluster's own cost is") && notes.contains("against process-pool's"),
        "{notes}"
    );
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A hosts file of `lines` in a fresh folder (kept alive by the returned guard).
fn hosts_file(lines: &[String]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.txt");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (dir, path)
}

#[test]
fn a_host_that_never_joins_ends_with_the_time_limit_message_naming_it() {
    let (p0, p1) = (free_port(), free_port());
    let missing = format!("127.0.0.1:{p1}");
    let (_dir, path) = hosts_file(&[format!("127.0.0.1:{p0}"), missing.clone()]);
    let mut run = parlab_std()
        .args(["run", "-a", "cluster", "--tasks", "2", "--runs", "1"])
        .args(["--warmup", "0", "--join-timeout", "2s", "--hosts"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(run.stderr.take().unwrap()).lines();
    let printed = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains(" parlab cluster-worker "))
        .expect("the command for process 1");
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    // A process that is none of the file's, though it has the secret, is refused, and ends.
    let stranger = printed_command(&printed.replace("--index 1 ", "--index 7 "))
        .output()
        .unwrap();
    let refused = String::from_utf8_lossy(&stranger.stderr);
    assert_eq!(stranger.status.code(), Some(1), "{refused}");
    assert!(
        refused.contains("parlab refused it: --index 7 is not a process"),
        "{refused}"
    );
    let status = run.wait().unwrap();
    let stderr = printed + "\n" + &rest.join().unwrap().join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("did not join within the time limit")
            && stderr.contains("--join-timeout")
            && stderr.contains(&format!("{missing} (process 1)")),
        "{stderr}"
    );
    // The command to start there was printed.
    assert!(
        stderr.contains(&format!(
            "cluster-worker --join 127.0.0.1:{p0} --index 1 --listen {missing}"
        )),
        "{stderr}"
    );
    // parlab has exited and let go of its own address: it can be listened on again.
    assert!(std::net::TcpListener::bind(("127.0.0.1", p0)).is_ok());
}

#[test]
fn a_bad_hosts_file_is_refused_naming_the_flag_and_line() {
    let (_dir, path) = hosts_file(&["127.0.0.1:7000".into(), "no-port-here".into()]);
    let out = parlab_std()
        .args(["run", "-a", "cluster", "--hosts"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--hosts") && stderr.contains("line 2"),
        "{stderr}"
    );
    let (_dir, one) = hosts_file(&["127.0.0.1:7000".into()]);
    parlab()
        .args(["run", "-a", "cluster", "--hosts"])
        .arg(&one)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--hosts"))
        .stderr(predicates::str::contains("at least 2"));
    // The printed command, mistyped, says how it goes.
    parlab()
        .args(["cluster-worker", "--join", "127.0.0.1:7000", "--index", "1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--join HOST:PORT --index I --listen HOST:PORT",
        ));
}

/// The command parlab printed on `line` (`  HOST:PORT:  [VAR=VALUE ...] parlab ARGS`), to
/// run with the binary under test.
fn printed_command(line: &str) -> std::process::Command {
    let (_, command) = line.split_once(":  ").expect("HOST:PORT:  COMMAND");
    let mut words = command.split_whitespace();
    let mut run = std::process::Command::new(common::PARLAB);
    for w in words.by_ref() {
        match w.split_once('=') {
            Some((name, value)) => run.env(name, value),
            None => {
                assert_eq!(w, "parlab", "{line}");
                break;
            }
        };
    }
    run.args(words);
    run
}

/// What a run over one joined host left.
struct Joined {
    /// parlab's exit and output.
    out: std::process::Output,
    /// parlab's stderr after the command it printed.
    rest: String,
    /// The joined process's exit and output.
    worker: std::process::Output,
}

/// Runs `parlab` with `words` (a run or sweep of approach cluster) over a hosts file of two
/// lines on localhost, starting the command parlab prints for process 1 with `env`.
fn join_one_host(words: &[&str], env: &[(&str, &str)]) -> Joined {
    use std::io::BufRead;
    let (p0, p1) = (free_port(), free_port());
    let (_dir, path) = hosts_file(&[format!("127.0.0.1:{p0}"), format!("127.0.0.1:{p1}")]);
    let mut run = parlab_std()
        .args(words)
        .args(["--join-timeout", "30s"])
        .arg("--hosts")
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(run.stderr.take().unwrap()).lines();
    let command = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains(" parlab cluster-worker "))
        .expect("parlab prints the command for process 1");
    // Keep reading stderr so that parlab never blocks on it.
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let worker = printed_command(&command)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let out = run.wait_with_output().unwrap();
    let rest = rest.join().unwrap().join("\n");
    Joined { out, rest, worker }
}

/// [`join_one_host`], both processes ending well: parlab's JSON document, its stderr, and how
/// many times it printed the command.
fn with_one_joined_host(args: &[&str], env: &[(&str, &str)]) -> (Value, String, usize) {
    let words = [&["run", "-a", "cluster", "--format", "json"], args].concat();
    let Joined { out, rest, worker } = join_one_host(&words, env);
    let worker_err = String::from_utf8_lossy(&worker.stderr);
    assert!(out.status.success(), "{rest}\n{worker_err}");
    // Between runs parlab's exit ends the joined process well.
    assert!(worker.status.success(), "{rest}\n{worker_err}");
    assert!(
        worker_err.contains("parlab ended the session"),
        "{worker_err}"
    );
    let printed = rest.matches("cluster-worker --join").count() + 1;
    (serde_json::from_slice(&out.stdout).unwrap(), rest, printed)
}

/// Approach cluster's result in `doc`.
fn cluster_of(doc: &Value) -> Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["approach"] == "cluster")
        .cloned()
        .expect("a cluster result")
}

#[test]
fn a_joined_host_serves_every_run_on_parlabs_clock() {
    // The joined process's clock runs 5 s ahead (a test hook standing in for another
    // machine): unshifted, its task times would lie 5 s after the run ended.
    let skew: i64 = 5_000_000_000;
    let (doc, _, printed) = with_one_joined_host(
        &["-w", "mixed", "--io-wait", "20ms", "--tasks", "6"],
        &[("PARLAB_CLUSTER_CLOCK_SKEW_NS", &skew.to_string())],
    );
    // The default repetitions (a warm-up and several runs) all ran on the one join.
    assert_eq!(printed, 1);
    let result = cluster_of(&doc);
    assert!(result["runs"].as_array().unwrap().len() >= 2, "{result}");
    // Both processes' workers ran tasks: worker 0 is parlab's, worker 1 the joined process's.
    assert_eq!(check_tasks(&result, 6), BTreeSet::from([0, 1]));
    let wall = result["wall_s"].as_f64().unwrap();
    let child = &result["children"][0];
    let (offset, error) = (
        child["clock_offset_ns"][0].as_i64().unwrap(),
        child["clock_offset_ns"][1].as_u64().unwrap(),
    );
    // On parlab's clock to within the offset's stated bound (half a round trip, which a busy
    // machine lengthens), and a little for the events' own reading.
    let slack = 0.05 + error as f64 / 1e9;
    for e in result["tasks"].as_array().unwrap() {
        let (start, end) = (e["start_s"].as_f64().unwrap(), e["end_s"].as_f64().unwrap());
        assert!(
            start >= -slack && end <= wall + slack,
            "inside the run: {e} (wall {wall}, offset ± {error} ns)"
        );
    }
    assert!(
        (offset - skew).abs() < 100_000_000,
        "measured {offset} ns ± {error}"
    );
    assert!(
        child["cpu_s"][0].as_f64().unwrap() > 0.0,
        "its CPU time came back: {child}"
    );
    assert_eq!(
        child["host"].as_str().map(|h| h.starts_with("127.0.0.1:")),
        Some(true)
    );
    // Both processes said they run on this machine (one boot id): its cores are counted once.
    let cores = doc["machine"]["logical_cores"].as_f64().unwrap();
    assert_eq!(
        result["concurrency"][0].as_f64(),
        Some(cores.min(2.0)),
        "{result}"
    );
    assert_eq!(result["concurrency"][1].as_f64(), Some(2.0), "{result}");
    let notes = doc["notes"].to_string();
    assert!(
        notes.contains("ping–pong") && notes.contains("shortest round trip"),
        "{notes}"
    );
}

#[test]
fn a_joined_host_runs_commands_it_was_sent() {
    // --command's work goes with the run: without it the joined process could not run it.
    let (doc, _, _) = with_one_joined_host(
        &[
            "--command",
            "test {task} -ge 0",
            "--tasks",
            "4",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
        &[],
    );
    assert_eq!(check_tasks(&cluster_of(&doc), 4), BTreeSet::from([0, 1]));
}

#[test]
fn a_joined_host_that_dies_mid_run_is_named_with_the_task_it_held() {
    // Task 2 goes to the joined process, which kills itself as it starts it (test hook).
    let j = join_one_host(
        &[
            "run",
            "-a",
            "cluster",
            "--tasks",
            "4",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--number",
            SMALL_PRIME,
        ],
        &[("PARLAB_WORKER_FAIL", "task=2,mode=kill")],
    );
    assert_eq!(j.out.status.code(), Some(1), "{}", j.rest);
    assert!(
        j.rest.contains("cluster process 1 (127.0.0.1:")
            && j.rest
                .contains("disconnected before the run ended, while running task 2"),
        "{}",
        j.rest
    );
    assert!(!j.worker.status.success());
}

#[test]
fn a_sweep_across_hosts_sizes_every_process_threads() {
    // Pool sizes 2 and 4 over two processes: 1 then 2 worker threads in each.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let trace_arg = trace.to_str().unwrap();
    let words = [
        "sweep",
        "-a",
        "cluster",
        "--pool-sizes",
        "2,4",
        "--tasks",
        "8",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--number",
        SMALL_PRIME,
        "--format",
        "json",
        "--trace",
        trace_arg,
    ];
    let j = join_one_host(&words, &[]);
    assert!(j.out.status.success(), "{}", j.rest);
    assert_eq!(
        j.rest.matches("cluster-worker --join").count(),
        0,
        "joined once"
    );
    let doc: Value = serde_json::from_slice(&j.out.stdout).unwrap();
    let points = doc["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{doc}");
    for p in points {
        assert_eq!(p["verified"], true, "{p}");
        // Its own ideal, from the cores of the hosts it ran on.
        assert!(p["ideal"].as_f64().unwrap() > 0.0, "{p}");
    }
    // The last size's trace: workers 0-1 in parlab, 2-3 in the joined process.
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let events = trace["traceEvents"]
        .as_array()
        .unwrap_or_else(|| trace.as_array().unwrap());
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name" || e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    let joined = names
        .iter()
        .position(|n| n.starts_with("cluster: process 1 (127.0.0.1:"))
        .expect("a track for the joined process");
    assert_eq!(
        names[joined + 1..joined + 3],
        ["worker 2", "worker 3"],
        "{names:?}"
    );
    assert!(names.contains(&"cluster: process 0 (parlab)"), "{names:?}");
}

#[test]
fn a_sweep_across_hosts_refuses_sizes_that_do_not_split() {
    let (p0, p1) = (free_port(), free_port());
    let (_dir, path) = hosts_file(&[format!("127.0.0.1:{p0}"), format!("127.0.0.1:{p1}")]);
    parlab()
        .args(["sweep", "-a", "cluster", "--pool-sizes", "2,3", "--hosts"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--pool-sizes"))
        .stderr(predicates::str::contains("multiples of 2"));
    parlab()
        .args([
            "sweep",
            "-a",
            "cluster",
            "--cluster-workers",
            "2",
            "--hosts",
        ])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--cluster-workers"));
}

/// Processes whose command line holds `needle`.
fn processes_running(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

#[test]
fn a_joined_hosts_commands_end_with_it() {
    // Over --task-timeout, parlab stops the run; the joined process, stopped mid-run, kills
    // the commands it started (parlab cannot reach them on another host).
    let sleep = "sleep 41.25";
    let j = join_one_host(
        &[
            "run",
            "-a",
            "cluster",
            "--no-baseline",
            "--command",
            &format!("{sleep}; true"),
            "--tasks",
            "2",
            "--task-timeout",
            "1s",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
        &[],
    );
    assert_eq!(j.out.status.code(), Some(1), "{}", j.rest);
    assert!(j.rest.contains("--task-timeout"), "{}", j.rest);
    assert_eq!(j.worker.status.code(), Some(1));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(processes_running(sleep), Vec::<String>::new());
}
