//! `--trace`: the Chrome trace of a run is valid JSON whose events keep the Trace Event Format's
//! rules (complete events nest or stay apart on each thread track, async slices pair up, every
//! task appears exactly once, times are microseconds matching the report and monotonic within
//! each task), on the mock executor and on a real small run.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

/// Runs parlab with `args` plus `--format json --trace FILE`; returns (report, trace).
fn run(args: &[&str]) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace.json");
    let out = common::parlab_plain()
        .args(["run", "--format", "json", "--trace"])
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parlab failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let trace: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (report, trace)
}

/// Nanoseconds from a microsecond field.
fn ns(v: &Value) -> i64 {
    (v.as_f64().expect("a number") * 1e3).round() as i64
}

fn str_of<'a>(e: &'a Value, key: &str) -> &'a str {
    e[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {e}"))
}

/// A slice: its event, start and end in ns.
type Span<'a> = (&'a Value, i64, i64);

/// A task's identity in the trace: (approach, task index).
type TaskKey = (String, u64);

fn key(e: &Value) -> TaskKey {
    (
        str_of(&e["args"], "approach").to_string(),
        e["args"]["task"].as_u64().expect("args.task"),
    )
}

/// Checks every rule; returns the number of task slices.
fn check(report: &Value, trace: &Value) -> usize {
    let events = trace["traceEvents"].as_array().expect("traceEvents");
    let mut named_pids = BTreeSet::new();
    let mut named_threads = BTreeSet::new();
    let mut complete: BTreeMap<(u64, u64), Vec<Span>> = BTreeMap::new();
    let mut async_begin: HashMap<(String, String), &Value> = HashMap::new();
    let mut async_spans: Vec<Span> = Vec::new();
    for e in events {
        let pid = e["pid"].as_u64().expect("pid");
        match str_of(e, "ph") {
            "M" => match str_of(e, "name") {
                "process_name" => {
                    named_pids.insert(pid);
                }
                "thread_name" => {
                    named_threads.insert((pid, e["tid"].as_u64().unwrap()));
                }
                "process_sort_index" | "thread_sort_index" => {}
                other => panic!("unexpected metadata {other}"),
            },
            "X" => {
                let (ts, dur) = (ns(&e["ts"]), ns(&e["dur"]));
                assert!(ts >= 0 && dur >= 0, "negative time in {e}");
                let tid = e["tid"].as_u64().expect("tid");
                complete
                    .entry((pid, tid))
                    .or_default()
                    .push((e, ts, ts + dur));
            }
            "b" => {
                let id = (str_of(e, "cat").to_string(), str_of(e, "id").to_string());
                assert!(async_begin.insert(id, e).is_none(), "id reused: {e}");
            }
            "e" => {
                let id = (str_of(e, "cat").to_string(), str_of(e, "id").to_string());
                let b = async_begin
                    .remove(&id)
                    .unwrap_or_else(|| panic!("end without begin: {e}"));
                assert_eq!(b["name"], e["name"]);
                assert_eq!(b["pid"], e["pid"]);
                let (start, end) = (ns(&b["ts"]), ns(&e["ts"]));
                assert!(
                    start >= 0 && end >= start,
                    "async slice ends before it begins: {b}"
                );
                async_spans.push((b, start, end));
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    assert!(
        async_begin.is_empty(),
        "unended async slices: {async_begin:?}"
    );

    // Complete events on one thread track nest or stay apart.
    let mut spans: Vec<Span> = async_spans;
    for ((pid, tid), mut evs) in complete {
        assert!(named_pids.contains(&pid), "process {pid} has no name");
        assert!(
            named_threads.contains(&(pid, tid)),
            "thread {tid} has no name"
        );
        evs.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
        let mut open: Vec<(i64, i64)> = Vec::new();
        for &(e, start, end) in &evs {
            while open.last().is_some_and(|&(_, oend)| oend <= start) {
                open.pop();
            }
            if let Some(&(ostart, oend)) = open.last() {
                assert!(
                    end <= oend,
                    "overlap on track {pid}/{tid}: [{ostart},{oend}] and {e}"
                );
            }
            open.push((start, end));
            spans.push((e, start, end));
        }
    }

    // Every task exactly once, at the report's times; its steps inside it, in order.
    let mut tasks: HashMap<TaskKey, (i64, i64)> = HashMap::new();
    for &(e, start, end) in &spans {
        if str_of(e, "cat") == "task" {
            assert!(
                tasks.insert(key(e), (start, end)).is_none(),
                "task twice: {e}"
            );
        }
    }
    let mut steps: HashMap<TaskKey, Vec<(u64, &str, i64, i64)>> = HashMap::new();
    for &(e, start, end) in &spans {
        let cat = str_of(e, "cat");
        if cat == "cpu" || cat == "wait" {
            let step = e["args"]["step"].as_u64().expect("args.step");
            steps
                .entry(key(e))
                .or_default()
                .push((step, cat, start, end));
        }
    }
    let mut expected_tasks = 0;
    for r in report["results"].as_array().unwrap() {
        let approach = str_of(r, "approach");
        for t in r["tasks"].as_array().unwrap() {
            expected_tasks += 1;
            let k = (approach.to_string(), t["task"].as_u64().unwrap());
            let &(start, end) = tasks.get(&k).unwrap_or_else(|| panic!("{k:?} missing"));
            let near =
                |ns_: i64, s: &Value| (ns_ - (s.as_f64().unwrap() * 1e9).round() as i64).abs() <= 1;
            assert!(
                near(start, &t["start_s"]) && near(end, &t["end_s"]),
                "{k:?} times"
            );
            let mut mine = steps.remove(&k).unwrap_or_default();
            mine.sort();
            let want: Vec<&str> = t["steps"]
                .as_array()
                .map_or(vec![], |s| s.iter().map(|s| str_of(s, "kind")).collect());
            assert_eq!(
                mine.iter().map(|s| s.1).collect::<Vec<_>>(),
                want,
                "{k:?} steps"
            );
            let mut last = start;
            for &(_, _, s, e) in &mine {
                assert!(
                    s >= last && e >= s && e <= end,
                    "{k:?} step out of order or outside"
                );
                last = s;
            }
        }
    }
    assert!(
        steps.is_empty(),
        "steps of unknown tasks: {:?}",
        steps.keys()
    );
    assert_eq!(tasks.len(), expected_tasks, "task slices");
    tasks.len()
}

#[test]
fn mock_trace_keeps_the_rules() {
    let (report, trace) = run(&[
        "--mock",
        "--workload",
        "mixed",
        "--tasks",
        "5",
        "--pool-size",
        "2",
    ]);
    let n = check(&report, &trace);
    assert_eq!(n, 5 * report["results"].as_array().unwrap().len());
    // One named process per approach (in-process ones), a thread per worker.
    let names: Vec<&str> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"threads") && names.contains(&"async-inline"),
        "{names:?}"
    );
    // Async approaches use async slices for tasks and waits.
    let events = trace["traceEvents"].as_array().unwrap();
    assert!(events.iter().any(|e| e["ph"] == "b" && e["name"] == "task"));
    assert!(events.iter().any(|e| e["ph"] == "b" && e["name"] == "wait"));
}

#[test]
fn real_trace_keeps_the_rules_where_async_tasks_interleave() {
    let (report, trace) = run(&[
        "--workload",
        "mixed",
        "--number",
        "1000003",
        "--tasks",
        "6",
        "--pool-size",
        "2",
        "--io-wait",
        "2ms",
        "--approach",
        "all",
    ]);
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["verified"], true, "{}", r["approach"]);
    }
    check(&report, &trace);
    // On the real event loop the tasks overlap: their spans are async slices.
    let events = trace["traceEvents"].as_array().unwrap();
    let async_tasks = events
        .iter()
        .filter(|e| {
            e["ph"] == "b" && e["name"] == "task" && e["args"]["approach"] == "async-inline"
        })
        .count();
    assert_eq!(async_tasks, 6);
}

#[test]
fn a_trace_file_in_a_missing_directory_is_a_usage_error() {
    let out = common::parlab_plain()
        .args(["run", "--mock", "--trace", "/nonexistent-dir/t.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--trace") && err.contains("does not exist"),
        "{err}"
    );
}
