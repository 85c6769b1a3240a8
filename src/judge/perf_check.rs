//! The regression check (`scripts/perf-check`, `parlab floor --check`): each approach's cost
//! per task as a ratio to its floor, and peak memory per waiting task, held to the figures
//! committed for this machine class.
//!
//! Ratios, not times: a busy machine slows an approach and its floor alike, so a ratio that
//! grows past the margin is the approach's own doing. Each ratio is of the least disturbed
//! figures: the approach's fastest run over the floor's fastest batch (on 2 cores shared with
//! builds, medians taken a minute apart still moved 2x; the fastest moved far less). Memory
//! per task is not slowed by load and is held as it is. The inputs are parlab's own JSON reports (a `noop` run, which carries the
//! floors measured in the same minute, and optionally an `io` run of many waiting tasks), read
//! as plain JSON so that the check depends on nothing but their documented keys.

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

/// The figures of a `noop` report (each approach's cost per task over its floor, from the
/// floors the report carries) and of an optional report of waiting tasks (peak memory per
/// task). An error names what the report lacks.
pub fn figures(noop: &Value, waits: Option<&Value>) -> Result<BTreeMap<String, f64>, String> {
    let mut out = BTreeMap::new();
    if noop["config"]["workload"] != "noop" {
        return Err("the first report is not of a noop run (--workload noop)".into());
    }
    let floors = noop["floors"]
        .as_array()
        .ok_or("the noop report has no floors (made by an older parlab, or under --mock?)")?;
    let floor = |id: &str| {
        let f = floors.iter().find(|f| f["id"] == id)?;
        f["min_per_op_s"]
            .as_f64()
            .filter(|s| *s > 0.0)
            .or(f["per_op_s"].as_f64())
            .filter(|s| *s > 0.0)
    };
    let tasks = noop["config"]["tasks"].as_f64().unwrap_or(0.0);
    for r in results(noop) {
        let fastest = r["wall_s_min"].as_f64().or(r["wall_s"].as_f64());
        let (Some(id), Some(wall)) = (r["approach"].as_str(), fastest) else {
            continue;
        };
        if let Some(f) = crate::run::floor::floor_of(id).and_then(floor)
            && tasks > 0.0
        {
            out.insert(format!("{id} {COST}"), wall / tasks / f);
        }
    }
    if let Some(w) = waits {
        let tasks = w["config"]["tasks"].as_f64().unwrap_or(0.0);
        for r in results(w) {
            if let (Some(id), Some(kib), true) = (
                r["approach"].as_str(),
                r["peak_rss_kib"].as_f64(),
                tasks > 0.0,
            ) {
                out.insert(format!("{id} {MEMORY}"), kib / tasks);
            }
        }
    }
    Ok(out)
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
pub fn compare(now: &BTreeMap<String, f64>, committed: &Committed) -> Vec<Verdict> {
    let mut names: Vec<&String> = committed.figures.keys().chain(now.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let (was, is) = (committed.figures.get(name), now.get(name));
            let margin = if name.ends_with(MEMORY) {
                committed.memory_margin
            } else {
                committed.ratio_margin
            };
            let ok = match (was, is) {
                (Some(w), Some(n)) => *n <= w * (1.0 + margin),
                (Some(_), None) => false,
                (None, _) => true,
            };
            Verdict {
                name: name.clone(),
                committed: was.copied(),
                now: is.copied(),
                ok,
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
            format!(
                "{:<4} {:<34} committed {:>8}  now {:>8}  {change} (margin {:.0}%)",
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
    fn figures_are_ratios_to_the_floor_in_the_same_report() {
        let noop = json!({
            "config": {"workload": "noop", "tasks": 1000},
            "floors": [
                {"id": "pipe-round-trip", "per_op_s": 10e-6},
                {"id": "channel-round-trip", "per_op_s": 6e-6, "min_per_op_s": 5e-6},
            ],
            "results": [
                {"approach": "process-pool", "wall_s": 0.012, "verified": true},
                {"approach": "thread-pool", "wall_s": 0.002, "wall_s_min": 0.001, "verified": true},
                {"approach": "sequential", "wall_s": 0.0001, "verified": true},
                {"approach": "rayon", "wall_s": 0.5, "verified": false},
            ],
        });
        let io = json!({
            "config": {"workload": "io", "tasks": 100000},
            "results": [{"approach": "async", "peak_rss_kib": 70000.0, "verified": true}],
        });
        let f = figures(&noop, Some(&io)).unwrap();
        assert!((f["process-pool cost/floor"] - 1.2).abs() < 1e-9);
        assert!((f["thread-pool cost/floor"] - 0.2).abs() < 1e-9);
        assert!((f["async KiB/task"] - 0.7).abs() < 1e-9);
        // No floor for sequential; an unverified row is no figure.
        assert_eq!(f.len(), 3, "{f:?}");
        let not_noop = json!({"config": {"workload": "io"}});
        assert!(figures(&not_noop, None).unwrap_err().contains("noop"));
        let no_floors = json!({"config": {"workload": "noop", "tasks": 1}, "results": []});
        assert!(figures(&no_floors, None).unwrap_err().contains("floors"));
    }
}
