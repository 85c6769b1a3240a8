//! The timeline as a Chrome trace (`--trace FILE.json`): every task of every approach in the
//! Trace Event Format, which Perfetto (ui.perfetto.dev) and chrome://tracing open.
//!
//! Layout:
//! - One trace process per approach, named after it; for the process approaches, one trace
//!   process per child (`process-pool: child 2 (pid 4242)`), so each child's work sits apart as
//!   it did on the machine. Process ids in the trace are made up (real pids could clash with
//!   each other across approaches), the real pid is in the name and in `args`.
//! - One thread track per worker (`worker 3`), with a complete event (`"ph":"X"`) per task
//!   (`task 17`, with the approach, worker and answer in `args`) and, nested inside it on the
//!   same track, one per step: `cpu` and `wait` slices (`args.step` is its place in the task).
//! - Where tasks interleave on a worker (an async runtime: thousands of tasks in flight on one
//!   event loop) complete events would overlap, which the format forbids. There every task
//!   becomes an async slice (`"ph":"b"`/`"e"`, name `task`, its own `id`), and so does every
//!   wait (name `wait`, its own `id`), as Perfetto documents for overlapping work; Perfetto
//!   groups them by name under the approach's process. The computation stays a complete event
//!   on the thread that ran it (`cpu`, with the task in `args`), so the thread tracks still
//!   show what each thread did: one event loop computing one task at a time, or the blocking
//!   pool's threads side by side.
//! - Every approach starts at 0 on the time axis. Approaches run one after another, but the
//!   gaps between them (building the next runtime, checking answers) are not part of any
//!   measurement, and lining every approach up at 0 lets one see at a glance which finished
//!   first, exactly as the Gantt chart's panels do. Sort indices keep the report's order
//!   (fastest first).
//!
//! Times are microseconds (`ts`, `dur`) with nanosecond decimals. Tasks that never finished
//! (no end time) are left out.

use serde_json::{Value, json};

use super::Exporter;
use crate::judge::report::{ApproachResult, Report};
use crate::plan::approaches::Family;
use crate::plan::workload::StepKind;
use crate::run::record::recorder::TaskEvent;

/// The Chrome trace exporter.
pub struct TraceExporter;

impl Exporter for TraceExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let mut t = Trace::default();
        for r in &report.results {
            t.approach(r);
        }
        let doc = json!({
            "traceEvents": t.events,
            "displayTimeUnit": "ms",
            "otherData": {
                "generator": format!("parlab {}", report.parlab_version),
                "workload": report.config.workload.id(),
                "tasks": report.config.tasks,
                "pool_size": report.config.pool_size,
                "machine": report.machine.cpu_model,
                "time_axis": "each approach starts at 0",
            },
        });
        let mut bytes = serde_json::to_vec(&doc)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Microseconds from seconds, rounded to the nanosecond (rounding keeps the order of times,
/// so a step inside its task stays inside it).
fn us(s: f64) -> f64 {
    (s * 1e9).round() / 1e3
}

/// A duration in microseconds from `start_s` to `end_s`, consistent with [`us`].
fn dur_us(start_s: f64, end_s: f64) -> f64 {
    ((end_s * 1e9).round() - (start_s * 1e9).round()) / 1e3
}

fn finished(t: &TaskEvent) -> bool {
    t.start_s.is_finite() && t.end_s.is_finite() && t.end_s >= t.start_s
}

/// Whether `tasks` must be drawn as async slices: an async approach, or tasks overlapping on one
/// worker, or a step run by another worker than its task's.
fn interleaved(family: Family, tasks: &[&TaskEvent]) -> bool {
    if family == Family::Async {
        return true;
    }
    if tasks
        .iter()
        .any(|t| t.steps.iter().any(|s| s.worker != t.worker))
    {
        return true;
    }
    let mut by_worker: Vec<(u32, f64, f64)> = tasks
        .iter()
        .map(|t| (t.worker, t.start_s, t.end_s))
        .collect();
    by_worker.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    by_worker
        .windows(2)
        .any(|w| w[0].0 == w[1].0 && us(w[1].1) < us(w[0].2))
}

/// The events being built, and the next free trace ids.
#[derive(Default)]
struct Trace {
    events: Vec<Value>,
    /// Trace pids and tids come from one counter, so no tid ever equals a pid.
    next_id: u64,
    next_async_id: u64,
}

impl Trace {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn metadata(&mut self, name: &str, pid: u64, tid: Option<u64>, args: Value) {
        let mut e = json!({"name": name, "ph": "M", "pid": pid, "args": args});
        if let Some(tid) = tid {
            e["tid"] = json!(tid);
        }
        self.events.push(e);
    }

    fn process(&mut self, name: &str, sort: u64) -> u64 {
        let pid = self.id();
        self.metadata("process_name", pid, None, json!({"name": name}));
        self.metadata("process_sort_index", pid, None, json!({"sort_index": sort}));
        pid
    }

    fn thread(&mut self, pid: u64, name: &str, sort: u32) -> u64 {
        let tid = self.id();
        self.metadata("thread_name", pid, Some(tid), json!({"name": name}));
        self.metadata(
            "thread_sort_index",
            pid,
            Some(tid),
            json!({"sort_index": sort}),
        );
        tid
    }

    /// Every event of one approach.
    fn approach(&mut self, r: &ApproachResult) {
        let tasks: Vec<&TaskEvent> = r.tasks.iter().filter(|t| finished(t)).collect();
        let mut workers: Vec<u32> = tasks
            .iter()
            .flat_map(|t| std::iter::once(t.worker).chain(t.steps.iter().map(|s| s.worker)))
            .collect();
        workers.sort_unstable();
        workers.dedup();
        // (worker, pid, tid) of every track.
        let mut tracks: Vec<(u32, u64, u64)> = Vec::with_capacity(workers.len());
        if r.family == Family::Process {
            // A track per process: a child's workers (several for a cluster process) share it.
            let numbered = r.children.iter().any(|c| c.process.is_some());
            let mut groups: Vec<(Option<u32>, u64)> = Vec::new();
            for &w in &workers {
                let child = r.children.iter().find(|c| c.holds(w));
                let key = child.map(|c| c.worker);
                let pid = match groups
                    .iter()
                    .find(|g| g.0 == key && (numbered || key.is_some()))
                {
                    Some(&(_, pid)) => pid,
                    None => {
                        let name = match child {
                            Some(c) if numbered => format!(
                                "{}: process {}{}",
                                r.approach,
                                c.process.unwrap_or(0),
                                match (&c.host, c.pid) {
                                    (Some(h), pid) => format!(" ({h}, pid {pid})"),
                                    (None, pid) => format!(" (pid {pid})"),
                                }
                            ),
                            Some(c) => format!("{}: child {w} (pid {})", r.approach, c.pid),
                            None if numbered => format!("{}: process 0 (parlab)", r.approach),
                            None => format!("{}: child {w}", r.approach),
                        };
                        let sort = self.next_id + 1;
                        let pid = self.process(&name, sort);
                        groups.push((key, pid));
                        pid
                    }
                };
                let tid = self.thread(pid, &format!("worker {w}"), w);
                tracks.push((w, pid, tid));
            }
        } else {
            let sort = self.next_id + 1;
            let pid = self.process(&r.approach, sort);
            for &w in &workers {
                let tid = self.thread(pid, &format!("worker {w}"), w);
                tracks.push((w, pid, tid));
            }
        }
        let track = |w: u32| {
            let i = tracks
                .binary_search_by_key(&w, |t| t.0)
                .expect("every worker has a track");
            (tracks[i].1, tracks[i].2)
        };
        let async_style = interleaved(r.family, &tasks);
        for t in tasks {
            let (pid, tid) = track(t.worker);
            let args = json!({
                "approach": r.approach,
                "task": t.task,
                "worker": t.worker,
                "answer": t.answer.map(|a| a.to_string()),
            });
            let name = format!("task {}", t.task);
            let slice = Slice {
                name: if async_style { "task" } else { &name },
                cat: "task",
                pid,
                tid,
                start_s: t.start_s,
                end_s: t.end_s,
            };
            if async_style {
                self.async_slice(slice, args);
            } else {
                self.complete(slice, args);
            }
            for (i, s) in t.steps.iter().enumerate() {
                if !(s.start_s.is_finite() && s.end_s.is_finite()) {
                    continue;
                }
                // A step never reaches outside its task, whatever the clocks said.
                let start_s = s.start_s.clamp(t.start_s, t.end_s);
                let (pid, tid) = track(s.worker);
                let name = match s.kind {
                    StepKind::Cpu => "cpu",
                    StepKind::Wait => "wait",
                    StepKind::Connect => "connect",
                };
                let slice = Slice {
                    name,
                    cat: name,
                    pid,
                    tid,
                    start_s,
                    end_s: s.end_s.clamp(start_s, t.end_s),
                };
                let args =
                    json!({"approach": r.approach, "task": t.task, "step": i, "worker": s.worker});
                // Waits of interleaved tasks overlap; computation never does on one thread.
                if async_style && s.kind.waits() {
                    self.async_slice(slice, args);
                } else {
                    self.complete(slice, args);
                }
            }
        }
    }

    fn complete(&mut self, s: Slice, args: Value) {
        self.events.push(json!({
            "name": s.name, "cat": s.cat, "ph": "X", "pid": s.pid, "tid": s.tid,
            "ts": us(s.start_s), "dur": dur_us(s.start_s, s.end_s), "args": args,
        }));
    }

    fn async_slice(&mut self, s: Slice, args: Value) {
        self.next_async_id += 1;
        let id = format!("0x{:x}", self.next_async_id);
        self.events.push(json!({
            "name": s.name, "cat": s.cat, "ph": "b", "id": id, "pid": s.pid, "tid": s.tid,
            "ts": us(s.start_s), "args": args,
        }));
        self.events.push(json!({
            "name": s.name, "cat": s.cat, "ph": "e", "id": id, "pid": s.pid, "tid": s.tid,
            "ts": us(s.end_s),
        }));
    }
}

/// Where and when one slice goes.
struct Slice<'a> {
    name: &'a str,
    cat: &'a str,
    pid: u64,
    tid: u64,
    start_s: f64,
    end_s: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::approach::ChildFigures;

    fn events(report: &Report) -> Vec<Value> {
        let bytes = TraceExporter.serialize(report).unwrap();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        doc["traceEvents"].as_array().unwrap().clone()
    }

    fn names(events: &[Value], meta: &str) -> Vec<String> {
        events
            .iter()
            .filter(|e| e["name"] == meta)
            .map(|e| e["args"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn process_approaches_get_a_named_process_per_child() {
        let mut report = crate::app::fixture::report_for(&[
            "--tasks",
            "3",
            "--approach",
            "threads",
            "--no-baseline",
        ]);
        let r = &mut report.results[0];
        r.approach = "process-pool".into();
        r.family = Family::Process;
        r.children = vec![ChildFigures::new(1, 4242, 1)];
        let ev = events(&report);
        let procs = names(&ev, "process_name");
        assert_eq!(
            procs,
            ["process-pool: child 0", "process-pool: child 1 (pid 4242)"],
            "one process per child, pid where known"
        );
        let pids: std::collections::BTreeSet<u64> = ev
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] == "task")
            .map(|e| e["pid"].as_u64().unwrap())
            .collect();
        assert_eq!(pids.len(), 2, "tasks sit in their child's process");
    }

    #[test]
    fn a_clusters_workers_are_grouped_by_process() {
        let mut report = crate::app::fixture::report_for(&[
            "--tasks",
            "4",
            "--approach",
            "threads",
            "--no-baseline",
        ]);
        let r = &mut report.results[0];
        r.approach = "cluster".into();
        r.family = Family::Process;
        for (w, t) in r.tasks.iter_mut().enumerate() {
            t.worker = w as u32;
            for s in &mut t.steps {
                s.worker = w as u32;
            }
        }
        r.children = vec![ChildFigures {
            workers: 2,
            process: Some(1),
            ..ChildFigures::new(2, 77, 1)
        }];
        let ev = events(&report);
        assert_eq!(
            names(&ev, "process_name"),
            ["cluster: process 0 (parlab)", "cluster: process 1 (pid 77)"]
        );
        assert_eq!(names(&ev, "thread_name").len(), 4, "a track per worker");
        let panel = &crate::show::lanes::panels(&report)[0];
        let labels: Vec<String> = panel.lanes.iter().map(|l| l.label()).collect();
        assert_eq!(labels, ["p0 w0", "p0 w1", "p1 w2", "p1 w3"]);
    }

    #[test]
    fn overlapping_tasks_become_async_slices_and_unfinished_ones_are_left_out() {
        let mut report = crate::app::fixture::report_for(&[
            "--workload",
            "io",
            "--tasks",
            "3",
            "--approach",
            "thread-pool",
            "--pool-size",
            "1",
            "--no-baseline",
        ]);
        let tasks = &mut report.results[0].tasks;
        assert_eq!(
            tasks.iter().map(|t| t.worker).collect::<Vec<_>>(),
            [0, 0, 0]
        );
        // Task 1 now overlaps task 0 on the same worker; task 2 never finished.
        tasks[1].start_s = tasks[0].start_s;
        tasks[1].steps[0].start_s = tasks[0].start_s;
        tasks[2].end_s = f64::NAN;
        let ev = events(&report);
        let phases: Vec<(&str, &str)> = ev
            .iter()
            .filter(|e| e["ph"] != "M")
            .map(|e| (e["ph"].as_str().unwrap(), e["name"].as_str().unwrap()))
            .collect();
        assert_eq!(
            phases,
            [
                ("b", "task"),
                ("e", "task"),
                ("b", "wait"),
                ("e", "wait"),
                ("b", "task"),
                ("e", "task"),
                ("b", "wait"),
                ("e", "wait")
            ]
        );
        let threads = names(&ev, "thread_name");
        assert_eq!(threads, ["worker 0"]);
    }

    #[test]
    fn times_are_microseconds_rounded_to_the_nanosecond() {
        assert_eq!(us(1.5), 1_500_000.0);
        assert_eq!(us(0.000_000_001_4), 0.001);
        assert_eq!(dur_us(0.1, 0.3), 200_000.0);
    }
}
