//! The regression check (`scripts/perf-check`, `parlab floor --check`): each approach's cost
//! per task as a ratio to its floor, and peak memory per waiting task, held to the figures
//! committed for this machine class.
//!
//! Ratios, not times: a busy machine slows an approach and its floor alike, so a ratio that
//! grows past the margin is the approach's own doing. Each ratio is of the least disturbed
//! figures: the approach's fastest run over the floor's fastest batch (on 2 cores shared with
//! builds, medians taken a minute apart still moved 2x; the fastest moved far less), each floor
//! being the approach's primitive used the approach's way (`run::floor::held_to`). A figure past
//! its margin is measured again, and fails only when it is past it every time ([`settle`]).
//! Memory per task is not slowed by load and is held as it is. The inputs are parlab's own JSON
//! reports (several `noop` runs, each carrying the floors measured just after its runs, and
//! optionally an `io` run of many waiting tasks), read as plain JSON so that the check depends
//! on nothing but their documented keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Figures committed for one machine class, and how far each may grow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Committed {
    /// The machine they were measured on, in words (cores, CPU, kernel).
    pub machine: String,
    /// How much a cost ratio may grow before the check fails, as a fraction (0.3: 30%).
    pub ratio_margin: f64,
    /// How much memory per task may grow before the check fails, as a fraction.
    pub memory_margin: f64,
    /// Figure name → value: `<approach> cost/floor` (a ratio), `<approach> KiB/task`.
    pub figures: BTreeMap<String, f64>,
}

/// One figure's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The figure's name.
    pub name: String,
    /// Its committed value (None: new, not held to anything).
    pub committed: Option<f64>,
    /// Its value now (None: not measured this time).
    pub now: Option<f64>,
    /// Whether it passes.
    pub ok: bool,
}

/// The suffix of a cost figure's name.
pub const COST: &str = "cost/floor";
/// The suffix of a memory figure's name.
pub const MEMORY: &str = "KiB/task";

/// The figures of one attempt: each approach's cost per task over the floor it is held to
/// ([`crate::run::floor::held_to`]), the fastest run over the fastest floor batch across all the
/// `noops` reports (several short noop runs, each timing the floors after its runs, so the
/// floors are interleaved with the approaches), and peak memory per task from an optional
/// report of waiting tasks. An error names what a report lacks.
pub fn figures(noops: &[Value], waits: Option<&Value>) -> Result<BTreeMap<String, f64>, String> {
    let mut out = BTreeMap::new();
    let mut fastest_floor: BTreeMap<String, f64> = BTreeMap::new();
    let mut fastest_task: BTreeMap<String, f64> = BTreeMap::new();
    for noop in noops {
        if noop["config"]["workload"] != "noop" {
            return Err("a --noop report is not of a noop run (--workload noop)".into());
        }
        let floors = noop["floors"]
            .as_array()
            .ok_or("a noop report has no floors (made by an older parlab, or under --mock?)")?;
        for f in floors {
            let per_op = f["min_per_op_s"]
                .as_f64()
                .filter(|s| *s > 0.0)
                .or(f["per_op_s"].as_f64())
                .filter(|s| *s > 0.0);
            if let (Some(id), Some(s)) = (f["id"].as_str(), per_op) {
                keep_least(&mut fastest_floor, id, s);
            }
        }
        let tasks = noop["config"]["tasks"].as_f64().unwrap_or(0.0);
        for r in results(noop) {
            let fastest = r["wall_s_min"].as_f64().or(r["wall_s"].as_f64());
            if let (Some(id), Some(wall), true) = (r["approach"].as_str(), fastest, tasks > 0.0) {
                keep_least(&mut fastest_task, id, wall / tasks);
            }
        }
    }
    for (id, per_task) in &fastest_task {
        if let Some(f) = crate::run::floor::held_to(id).and_then(|f| fastest_floor.get(f)) {
            out.insert(format!("{id} {COST}"), per_task / f);
        }
    }
    if let Some(w) = waits {
        let tasks = w["config"]["tasks"].as_f64().unwrap_or(0.0);
        for r in results(w) {
            // The least of its runs' peaks, as the fastest of its runs is taken.
            let least = r["runs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|run| run["peak_rss_kib"].as_f64())
                .reduce(f64::min);
            if let (Some(id), Some(kib), true) = (
                r["approach"].as_str(),
                least.or(r["peak_rss_kib"].as_f64()),
                tasks > 0.0,
            ) {
                out.insert(format!("{id} {MEMORY}"), kib / tasks);
            }
        }
    }
    Ok(out)
}

/// The figures to record (`--write`) from several attempts: each figure's median over the
/// attempts that measured it, so that one lucky or disturbed attempt is not what later checks
/// are held to.
pub fn typical(attempts: &[BTreeMap<String, f64>]) -> BTreeMap<String, f64> {
    let mut all: BTreeMap<&String, Vec<f64>> = BTreeMap::new();
    for (name, x) in attempts.iter().flatten() {
        all.entry(name).or_default().push(*x);
    }
    all.into_iter()
        .map(|(name, mut xs)| {
            xs.sort_by(f64::total_cmp);
            (name.clone(), xs[xs.len() / 2])
        })
        .collect()
}

/// Keeps the least of `x` and what `map` holds for `key`.
fn keep_least(map: &mut BTreeMap<String, f64>, key: &str, x: f64) {
    let least = map.entry(key.to_string()).or_insert(x);
    *least = least.min(x);
}

/// The verified results of a report.
fn results(report: &Value) -> impl Iterator<Item = &Value> {
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verified"].as_bool().unwrap_or(false))
}

/// Holds `now` to `committed`: a figure fails when it grew past its margin, or when it was
/// committed and not measured now; a new figure passes (it is recorded by `--write`).
#[cfg(test)]
pub fn compare(now: &BTreeMap<String, f64>, committed: &Committed) -> Vec<Verdict> {
    settle(std::slice::from_ref(now), committed)
}

/// Holds several attempts' figures to `committed`, as a regression gate retries: a figure
/// fails only when it failed in every attempt (past its margin, or not measured), so one
/// disturbed measurement does not fail an unchanged binary, while a real regression, past its
/// margin each time, still does. `now` is the last attempt's value.
pub fn settle(attempts: &[BTreeMap<String, f64>], committed: &Committed) -> Vec<Verdict> {
    let mut names: Vec<&String> = committed
        .figures
        .keys()
        .chain(attempts.iter().flat_map(|a| a.keys()))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let was = committed.figures.get(name);
            let margin = if name.ends_with(MEMORY) {
                committed.memory_margin
            } else {
                committed.ratio_margin
            };
            let within = |is: Option<&f64>| match (was, is) {
                (Some(w), Some(n)) => *n <= w * (1.0 + margin),
                (Some(_), None) => false,
                (None, _) => true,
            };
            Verdict {
                name: name.clone(),
                committed: was.copied(),
                now: attempts.last().and_then(|a| a.get(name)).copied(),
                ok: attempts.is_empty() || attempts.iter().any(|a| within(a.get(name))),
            }
        })
        .collect()
}

/// The verdicts as lines for the terminal, the failures marked.
pub fn render(verdicts: &[Verdict], committed: &Committed) -> Vec<String> {
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    verdicts
        .iter()
        .map(|v| {
            let change = match (v.committed, v.now) {
                (Some(w), Some(n)) if w > 0.0 => format!("{:+.0}%", (n / w - 1.0) * 100.0),
                (Some(_), None) => "not measured".into(),
                (None, Some(_)) => "new".into(),
                _ => String::new(),
            };
            let margin = if v.name.ends_with(MEMORY) {
                committed.memory_margin
            } else {
                committed.ratio_margin
            };
            let past_now = match (v.committed, v.now) {
                (Some(w), Some(n)) => n > w * (1.0 + margin),
                (Some(_), None) => true,
                _ => false,
            };
            let earlier = match v.ok && past_now {
                true => ", within it in an earlier attempt",
                false => "",
            };
            format!(
                "{:<4} {:<34} committed {:>8}  now {:>8}  {change} (margin {:.0}%{earlier})",
                if v.ok { "ok" } else { "FAIL" },
                v.name,
                show(v.committed),
                show(v.now),
                margin * 100.0
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn committed(figures: &[(&str, f64)]) -> Committed {
        Committed {
            machine: "test".into(),
            ratio_margin: 0.3,
            memory_margin: 0.1,
            figures: figures.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    fn now(figures: &[(&str, f64)]) -> BTreeMap<String, f64> {
        figures.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_steady_ratio_passes_and_a_grown_one_fails() {
        let c = committed(&[("process-pool cost/floor", 1.2), ("async KiB/task", 0.7)]);
        let steady = compare(
            &now(&[("process-pool cost/floor", 1.25), ("async KiB/task", 0.72)]),
            &c,
        );
        assert!(steady.iter().all(|v| v.ok), "{steady:?}");
        // 1.7x the committed ratio (the start frame's regression), and memory 57% up.
        let grown = compare(
            &now(&[("process-pool cost/floor", 2.04), ("async KiB/task", 1.1)]),
            &c,
        );
        assert!(grown.iter().all(|v| !v.ok), "{grown:?}");
        // Just past the margin fails; just within passes.
        let ok = |name: &str, x: f64| {
            compare(&now(&[(name, x)]), &c)
                .into_iter()
                .find(|v| v.name == name)
                .unwrap()
                .ok
        };
        assert!(ok("process-pool cost/floor", 1.2 * 1.29));
        assert!(!ok("process-pool cost/floor", 1.2 * 1.31));
        // Memory has its own, tighter margin.
        assert!(ok("async KiB/task", 0.7 * 1.09));
        assert!(!ok("async KiB/task", 0.7 * 1.2));
    }

    #[test]
    fn a_figure_not_measured_fails_and_a_new_one_passes() {
        let c = committed(&[("thread-pool cost/floor", 2.0)]);
        let v = compare(&now(&[("rayon cost/floor", 9.0)]), &c);
        let by = |n: &str| v.iter().find(|x| x.name == n).unwrap().clone();
        assert!(!by("thread-pool cost/floor").ok);
        assert!(by("rayon cost/floor").ok);
        let lines = render(&v, &c);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("FAIL") && l.contains("not measured"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("ok") && l.contains("new"))
        );
    }

    #[test]
    fn figures_are_the_fastest_run_over_the_fastest_floor_of_all_the_reports() {
        let noop = |pipe: f64, queue: f64, pool_wall: f64| {
            json!({
                "config": {"workload": "noop", "tasks": 1000},
                "floors": [
                    {"id": "pipe-pool", "per_op_s": pipe * 2.0, "min_per_op_s": pipe},
                    {"id": "pipe-round-trip", "per_op_s": 1e-6},
                    {"id": "queue-drain", "per_op_s": queue},
                ],
                "results": [
                    {"approach": "process-pool", "wall_s": pool_wall * 2.0,
                     "wall_s_min": pool_wall, "verified": true},
                    {"approach": "thread-pool", "wall_s": 0.0002, "verified": true},
                    {"approach": "sequential", "wall_s": 0.0001, "verified": true},
                    {"approach": "rayon", "wall_s": 0.5, "verified": false},
                ],
            })
        };
        // The floors are fastest in the first report, process-pool's run in the second.
        let reports = [noop(10e-6, 0.1e-6, 0.013), noop(20e-6, 0.3e-6, 0.012)];
        let io = json!({
            "config": {"workload": "io", "tasks": 100000},
            "results": [{"approach": "async", "peak_rss_kib": 80000.0, "verified": true,
                         "runs": [{"peak_rss_kib": 80000.0}, {"peak_rss_kib": 70000.0}]}],
        });
        let f = figures(&reports, Some(&io)).unwrap();
        // Held to the pipe with a frame in flight to each worker, not the lone round trip.
        assert!((f["process-pool cost/floor"] - 1.2).abs() < 1e-9, "{f:?}");
        assert!((f["thread-pool cost/floor"] - 2.0).abs() < 1e-9, "{f:?}");
        // Memory: the least of the runs' peaks.
        assert!((f["async KiB/task"] - 0.7).abs() < 1e-9, "{f:?}");
        // No floor for sequential; an unverified row is no figure.
        assert_eq!(f.len(), 3, "{f:?}");
        let not_noop = json!({"config": {"workload": "io"}});
        assert!(figures(&[not_noop], None).unwrap_err().contains("noop"));
        let no_floors = json!({"config": {"workload": "noop", "tasks": 1}, "results": []});
        assert!(figures(&[no_floors], None).unwrap_err().contains("floors"));
    }

    #[test]
    fn a_figure_fails_only_when_every_attempt_is_past_its_margin() {
        let c = committed(&[("process-pool cost/floor", 1.0), ("async KiB/task", 0.7)]);
        let pool = |v: &[Verdict]| v.iter().find(|x| x.name.starts_with("process")).unwrap().ok;
        // Disturbed once, within the margin the next time: passes, however the attempts fall.
        let (past, within) = (
            now(&[("process-pool cost/floor", 1.5)]),
            now(&[("process-pool cost/floor", 1.1)]),
        );
        assert!(pool(&settle(&[past.clone(), within.clone()], &c)));
        assert!(pool(&settle(&[within.clone(), past.clone()], &c)));
        assert!(pool(&settle(&[past.clone(), past.clone(), within], &c)));
        // Past it every time (a real regression): fails, with the last attempt's value shown.
        let worse = now(&[("process-pool cost/floor", 1.7)]);
        let v = settle(&[past.clone(), worse.clone(), past.clone()], &c);
        assert!(!pool(&v));
        assert_eq!(v[1].now, Some(1.5));
        // Each figure is settled on its own: memory past its margin in every attempt fails even
        // though the cost passed in one of them.
        let mem = |kib: f64, cost: f64| {
            now(&[("async KiB/task", kib), ("process-pool cost/floor", cost)])
        };
        let v = settle(&[mem(0.9, 1.5), mem(0.8, 1.0)], &c);
        assert!(!v[0].ok && v[1].ok, "{v:?}");
        // Not measured in any attempt fails; measured in one passes.
        assert!(!pool(&settle(&[now(&[]), now(&[])], &c)));
        assert!(pool(&settle(
            &[
                now(&[]),
                worse.clone(),
                now(&[("process-pool cost/floor", 0.9)])
            ],
            &c
        )));
        let lines = render(
            &settle(
                &[now(&[("process-pool cost/floor", 1.0)]), past.clone()],
                &c,
            ),
            &c,
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("ok") && l.contains("earlier attempt")),
            "{lines:?}"
        );
        // What --write records is each figure's median over the attempts.
        let t = typical(&[
            mem(0.62, 1.5),
            mem(0.70, 1.0),
            now(&[("async KiB/task", 0.71)]),
        ]);
        assert_eq!(t["async KiB/task"], 0.70);
        assert_eq!(t["process-pool cost/floor"], 1.5, "the upper of two: {t:?}");
        // One attempt is the plain comparison.
        assert_eq!(
            settle(std::slice::from_ref(&worse), &c),
            compare(&worse, &c)
        );
    }
}
