//! `--compare FILE.json`: a run saved by `--export-json` beside this one, each approach's change
//! judged against both runs' spreads rather than a fixed threshold.
//!
//! The file is read and checked before anything is measured, so a wrong file costs nothing:
//! every problem (unreadable, not JSON, cut short, another layout version, other work) is a
//! [`UsageError`] naming the file and what is wrong.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UsageError;
use crate::judge::report::{ApproachResult, FORMAT_VERSION, Report};
use crate::plan::Plan;
use crate::plan::infile::ReadError;

/// What to do about a bad `--compare` file.
const FIX: &str = "give a JSON file saved by `parlab run --export-json FILE`";

/// A saved run to compare with.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it holds.
    pub report: Report,
}

impl Baseline {
    /// Reads and checks the saved run at `path`.
    pub fn load(path: &Path) -> Result<Self, UsageError> {
        let shown = path.display();
        let text =
            crate::plan::infile::read_text(path, crate::plan::infile::MAX_BYTES).map_err(|e| {
                let problem = match e {
                    ReadError::Io(e) => format!("cannot read '{shown}': {e}"),
                    ReadError::Not(why) => format!("'{shown}' {why}"),
                };
                UsageError::bad("--compare", problem, FIX)
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            report: parse(&text).map_err(|problem| {
                UsageError::bad("--compare", format!("'{shown}' {problem}"), FIX)
            })?,
        })
    }

    /// Fails unless the saved run did the same work as `cfg` will (workload, number, tasks,
    /// wait): other work would make every comparison meaningless.
    pub fn check_matches(&self, cfg: &Plan) -> Result<(), UsageError> {
        let saved = &self.report.config;
        let shown = self.path.display();
        let computes = cfg.work.workload.computes();
        let waits = cfg.work.workload.waits();
        let io_wait_s = cfg.work.io_wait().as_secs_f64();
        let mismatch = if saved.workload != cfg.work.workload {
            Some(format!(
                "measured {} work, this run is {} work",
                saved.workload.id(),
                cfg.work.workload.id()
            ))
        } else if computes && saved.number != cfg.work.number {
            Some(format!(
                "tested number {}, this run tests {}",
                saved.number, cfg.work.number
            ))
        } else if saved.tasks != cfg.tasks {
            Some(format!(
                "ran {} tasks, this run runs {}",
                saved.tasks, cfg.tasks
            ))
        } else if waits && (saved.io_wait_s - io_wait_s).abs() > 1e-9 {
            Some(format!(
                "waited {} per wait, this run waits {}",
                crate::format::format_seconds(saved.io_wait_s),
                crate::format::format_seconds(io_wait_s)
            ))
        } else {
            None
        };
        match mismatch {
            None => Ok(()),
            Some(m) => Err(UsageError::bad(
                "--compare",
                format!("'{shown}' {m}"),
                "compare runs of the same work: use the saved run's --workload, --number, --tasks and --io-wait",
            )),
        }
    }
}

/// The saved report in `text`, or what is wrong with it (a phrase that follows the file name).
pub fn parse(text: &str) -> Result<Report, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => format!(
            "ends early (cut short?) at line {} column {}",
            e.line(),
            e.column()
        ),
        _ => format!("is not valid JSON: {e}"),
    })?;
    let Some(object) = value.as_object() else {
        return Err("is JSON but not a parlab report (not an object)".into());
    };
    match object.get("format_version") {
        None => {
            return Err(format!(
                "has no format_version: it was saved by an older parlab or is not a parlab report \
                 (this parlab reads version {FORMAT_VERSION})"
            ));
        }
        Some(v) if v.as_u64() != Some(FORMAT_VERSION as u64) => {
            return Err(format!(
                "has format_version {v}, this parlab reads version {FORMAT_VERSION}"
            ));
        }
        Some(_) => {}
    }
    let mut value = value;
    strip_controls(&mut value);
    let report: Report = serde_json::from_value(value)
        .map_err(|e| format!("is not a complete parlab report: {e}"))?;
    check_figures(&report)?;
    Ok(report)
}

/// The longest time a saved figure may hold, s: about four months, far beyond any run.
pub const MAX_SAVED_S: f64 = 1e7;

/// Refuses a saved time that no run measures (negative, or beyond [`MAX_SAVED_S`]): a crafted
/// or damaged file must not print nonsense beside real figures. Names the key that is wrong.
fn check_figures(report: &Report) -> Result<(), String> {
    let check = |key: String, s: f64| {
        if (0.0..=MAX_SAVED_S).contains(&s) {
            Ok(())
        } else {
            let shown = if s.abs() >= 1e6 {
                format!("{s:e}")
            } else {
                s.to_string()
            };
            Err(format!(
                "has {key} = {shown}: not a time a run measures (0 to {MAX_SAVED_S:e} s)"
            ))
        }
    };
    check("config.io_wait_s".into(), report.config.io_wait_s)?;
    for (i, r) in report.results.iter().enumerate() {
        let at = format!("results[{i}] ({})", r.approach);
        for (key, s) in [
            ("wall_s", r.wall_s),
            ("wall_s_min", r.wall_s_min),
            ("wall_s_max", r.wall_s_max),
            ("wall_s_mean", r.wall_s_mean),
            ("wall_s_stddev", r.wall_s_stddev),
            ("cpu_user_s", r.cpu_user_s),
            ("cpu_sys_s", r.cpu_sys_s),
        ] {
            check(format!("{at}.{key}"), s)?;
        }
        for (j, run) in r.runs.iter().enumerate() {
            for (key, s) in [
                ("wall_s", run.wall_s),
                ("cpu_user_s", run.cpu_user_s),
                ("cpu_sys_s", run.cpu_sys_s),
            ] {
                check(format!("{at}.runs[{j}].{key}"), s)?;
            }
        }
    }
    Ok(())
}

/// Removes control characters (terminal escapes among them) from every string of `value`: a
/// saved file's text reaches the terminal, and must not drive it.
fn strip_controls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.chars().any(char::is_control) => {
            *s = crate::format::plain(s);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_controls),
        serde_json::Value::Object(map) => map.values_mut().for_each(strip_controls),
        _ => {}
    }
}

/// How an approach's time changed from the saved run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Faster by more than the runs' spread.
    Faster,
    /// Slower by more than the runs' spread.
    Slower,
    /// The difference is within the runs' spread.
    WithinNoise,
}

impl Verdict {
    /// As the table shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Faster => "faster",
            Self::Slower => "slower",
            Self::WithinNoise => "within noise",
        }
    }
}

/// The smallest spread assumed for a set of runs, as a share of its median: no shared machine
/// repeats better than this, and a few runs can agree by chance.
pub const SPREAD_FLOOR: f64 = 0.01;
/// The spread assumed for a single run, which shows none, as a share of its time (the level at
/// which parlab calls a machine noisy).
pub const SINGLE_RUN_SPREAD: f64 = 0.05;

/// The spread of one approach's runs, s: 1.4826 × their median absolute deviation (the standard
/// deviation, for normal noise, but not inflated by an outlier run, which the median ignores
/// too), at least [`SPREAD_FLOOR`] of the median, or [`SINGLE_RUN_SPREAD`] of it for one run.
pub fn spread_s(r: &ApproachResult) -> f64 {
    if r.runs.len() < 2 {
        return SINGLE_RUN_SPREAD * r.wall_s;
    }
    let walls: Vec<f64> = r.runs.iter().map(|x| x.wall_s).collect();
    (1.4826 * crate::stats::mad(&walls)).max(SPREAD_FLOOR * r.wall_s)
}

/// The verdict on `now` against `before`: a change counts when the medians differ by more than
/// twice the spread of the difference of one run of each (√(s_now² + s_before²), with s from
/// [`spread_s`]).
pub fn verdict(now: &ApproachResult, before: &ApproachResult) -> Verdict {
    let d = now.wall_s - before.wall_s;
    let noise = 2.0 * spread_s(now).hypot(spread_s(before));
    if d.abs() <= noise {
        Verdict::WithinNoise
    } else if d < 0.0 {
        Verdict::Faster
    } else {
        Verdict::Slower
    }
}

/// One approach's change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The saved run's median wall time, s.
    pub before_s: f64,
    /// Its spread, s.
    pub before_spread_s: f64,
    /// Now over before, less one (−0.10 = 10% less time).
    pub change: f64,
    /// What the change means.
    pub verdict: Verdict,
}

/// The change of `approach` in `now` against the saved report, if both ran it verified.
pub fn change(now: &ApproachResult, saved: &Report) -> Option<Change> {
    let before = saved.result(&now.approach)?;
    if !now.verified || !before.verified || before.wall_s <= 0.0 {
        return None;
    }
    Some(Change {
        before_s: before.wall_s,
        before_spread_s: spread_s(before),
        change: now.wall_s / before.wall_s - 1.0,
        verdict: verdict(now, before),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(walls: &[f64]) -> ApproachResult {
        let s = crate::stats::Summary::of(walls);
        let mut r: ApproachResult = serde_json::from_value(serde_json::json!({
            "approach": "threads", "family": "thread", "wall_s": s.median,
            "wall_s_min": s.min, "wall_s_max": s.max, "wall_s_mean": s.mean,
            "wall_s_stddev": s.stddev, "wall_cv": s.cv, "speedup": null,
            "speedup_min": null, "speedup_max": null, "efficiency": null,
            "ideal_speedup": 2, "cpu_user_s": 0.0, "cpu_sys_s": 0.0, "cpu_use": 0.0,
            "peak_rss_kib": 0, "voluntary_switches": 0, "involuntary_switches": 0,
            "verified": true, "tasks": [], "runs": []
        }))
        .unwrap();
        r.runs = walls
            .iter()
            .map(|&w| crate::judge::report::RunFigures {
                wall_s: w,
                cpu_user_s: 0.0,
                cpu_sys_s: 0.0,
                peak_rss_kib: 0,
                child_peak_rss_kib: None,
                verified: true,
                outlier: false,
                foreign_cpu_s: None,
                foreign_share: None,
                fixed_cost_s: None,
            })
            .collect();
        r
    }

    #[test]
    fn verdicts_follow_the_spread() {
        let steady = result(&[1.00, 1.01, 0.99, 1.00, 1.00]);
        let steady_slower = result(&[1.10, 1.11, 1.09, 1.10, 1.10]);
        assert_eq!(verdict(&steady_slower, &steady), Verdict::Slower);
        assert_eq!(verdict(&steady, &steady_slower), Verdict::Faster);
        // One outlier run does not widen the spread.
        let with_outlier = result(&[1.00, 1.01, 0.99, 1.00, 1.00, 2.0]);
        assert_eq!(verdict(&steady_slower, &with_outlier), Verdict::Slower);
        // The same 10% change on runs that scatter by 10% is noise.
        let noisy = result(&[1.0, 1.2, 0.85, 1.1, 0.9]);
        let noisy_slower = result(&[1.1, 1.3, 0.95, 1.2, 1.0]);
        assert_eq!(verdict(&noisy_slower, &noisy), Verdict::WithinNoise);
        // A single run is given the spread of a noisy machine.
        assert_eq!(
            verdict(&result(&[1.03]), &result(&[1.0])),
            Verdict::WithinNoise
        );
        assert_eq!(verdict(&result(&[1.3]), &result(&[1.0])), Verdict::Slower);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = parse("{\"format_version\": 1, \"results\": [").unwrap_err();
        assert!(e.starts_with("ends early"), "{e}");
        let e = parse("not json").unwrap_err();
        assert!(e.starts_with("is not valid JSON"), "{e}");
        let e = parse("[1, 2]").unwrap_err();
        assert!(e.contains("not an object"), "{e}");
        let e = parse("{\"parlab_version\": \"0.1.0\"}").unwrap_err();
        assert!(e.starts_with("has no format_version"), "{e}");
        let e = parse("{\"format_version\": 99}").unwrap_err();
        assert!(e.contains("format_version 99"), "{e}");
        let e = parse("{\"format_version\": 1}").unwrap_err();
        assert!(e.contains("not a complete parlab report"), "{e}");
    }
}
