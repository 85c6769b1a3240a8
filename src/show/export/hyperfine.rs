//! hyperfine's keys for every result, beside parlab's own: `command`, `mean`, `stddev`,
//! `median`, `user`, `system`, `min`, `max`, `times`, `memory_usage_byte`, `exit_codes` and
//! `parameters`, with hyperfine's meanings and types, so that scripts written for hyperfine's
//! `--export-json` (statistics, whisker, histogram, progression, comparison and parametrized
//! plots, Welch's t-test) read parlab's exports. Computed here from the report's figures; the
//! report itself is unchanged.
//!
//! Exports list the approaches in the order `--approach` gave them (an unasked baseline first),
//! as hyperfine keeps the order of its commands: scripts that set files side by side
//! (`plot_benchmark_comparison.py`) match entries by position. Only the terminal table sorts
//! by speed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::judge::context::Context;
use crate::judge::report::{ApproachResult, ConfigSummary, Report};
use crate::machine::Machine;

/// hyperfine's keys for one approach's measured runs. Times are seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HyperfineKeys {
    /// The approach's id (hyperfine: the command benchmarked).
    pub command: String,
    /// The mean wall time of the measured runs.
    pub mean: f64,
    /// Their sample standard deviation; null for a single run.
    pub stddev: Option<f64>,
    /// Their median.
    pub median: f64,
    /// The mean user CPU time per measured run.
    pub user: f64,
    /// The mean system CPU time per measured run.
    pub system: f64,
    /// The fastest run.
    pub min: f64,
    /// The slowest run.
    pub max: f64,
    /// Every measured run's wall time, in the order run.
    pub times: Vec<f64>,
    /// Every measured run's peak resident memory, bytes: parlab's own process (its size at
    /// start-up plus the most the run added), or its largest child process where that is
    /// larger (process approaches).
    pub memory_usage_byte: Vec<u64>,
    /// One per measured run: 0 when it was verified, 1 when not.
    pub exit_codes: Vec<i32>,
    /// The settings that define the benchmark, as text (hyperfine writes parameter values as
    /// strings).
    pub parameters: BTreeMap<&'static str, String>,
}

/// Which settings go in `parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameters {
    /// A run: pool size, tasks, workload and number.
    Run,
    /// A sweep: only the pool size, the one parameter a sweep varies (hyperfine's parametrized
    /// plot wants exactly one).
    PoolSizeOnly,
}

impl HyperfineKeys {
    /// The names in `parameters`, in the order JSON writes them (the CSV's `parameter_NAME`
    /// columns follow it, so the two agree).
    pub fn parameter_names(which: Parameters) -> &'static [&'static str] {
        match which {
            Parameters::Run => &["number", "pool_size", "tasks", "workload"],
            Parameters::PoolSizeOnly => &["pool_size"],
        }
    }

    /// The keys of `r`, measured with `config` (its pool size is `pool_size`).
    pub fn of(r: &ApproachResult, config: &ConfigSummary, which: Parameters) -> Self {
        let times: Vec<f64> = r.runs.iter().map(|x| x.wall_s).collect();
        let n = r.runs.len().max(1) as f64;
        let parameters = Self::parameter_names(which)
            .iter()
            .map(|&name| {
                let value = match name {
                    "pool_size" => config.pool_size.to_string(),
                    "tasks" => config.tasks.to_string(),
                    "workload" => config.workload.id().to_string(),
                    _ => config.number.to_string(),
                };
                (name, value)
            })
            .collect();
        Self {
            command: r.approach.clone(),
            mean: r.wall_s_mean,
            stddev: (times.len() > 1).then_some(r.wall_s_stddev),
            median: r.wall_s,
            user: r.runs.iter().map(|x| x.cpu_user_s).sum::<f64>() / n,
            system: r.runs.iter().map(|x| x.cpu_sys_s).sum::<f64>() / n,
            min: r.wall_s_min,
            max: r.wall_s_max,
            memory_usage_byte: r
                .runs
                .iter()
                .map(|x| x.peak_rss_kib.max(x.child_peak_rss_kib.unwrap_or(0)) * 1024)
                .collect(),
            exit_codes: r.runs.iter().map(|x| i32::from(!x.verified)).collect(),
            times,
            parameters,
        }
    }
}

/// One entry of `results`: hyperfine's keys, then parlab's.
#[derive(Serialize)]
pub struct Entry<'a> {
    /// hyperfine's keys.
    #[serde(flatten)]
    pub hyperfine: HyperfineKeys,
    /// parlab's keys.
    #[serde(flatten)]
    pub result: &'a ApproachResult,
}

/// `report`'s results in the order asked for (`--approach`, an unasked baseline first, as
/// [`ConfigSummary::repetitions_used`] lists them), not fastest first as the table shows them.
pub fn in_asked_order(report: &Report) -> Vec<&ApproachResult> {
    let asked = &report.config.repetitions_used;
    let place = |r: &ApproachResult| {
        asked
            .iter()
            .position(|u| u.approach == r.approach)
            .unwrap_or(usize::MAX)
    };
    let mut results: Vec<&ApproachResult> = report.results.iter().collect();
    // Stable: a result missing from the list (an older file) keeps its place among the rest.
    results.sort_by_key(|r| place(r));
    results
}

/// The entries of `report`'s results in the order asked for, with `which` parameters.
pub fn entries(report: &Report, which: Parameters) -> Vec<Entry<'_>> {
    in_asked_order(report)
        .into_iter()
        .map(|r| Entry {
            hyperfine: HyperfineKeys::of(r, &report.config, which),
            result: r,
        })
        .collect()
}

/// The JSON document of a run: the report's keys, each result with hyperfine's keys too.
#[derive(Serialize)]
pub struct RunDocument<'a> {
    /// [`Report::format_version`].
    pub format_version: u32,
    /// [`Report::parlab_version`].
    pub parlab_version: &'a str,
    /// [`Report::context`].
    pub context: &'a Context,
    /// [`Report::machine`].
    pub machine: &'a Machine,
    /// [`Report::config`].
    pub config: &'a ConfigSummary,
    /// [`Report::results`], with hyperfine's keys.
    pub results: Vec<Entry<'a>>,
    /// [`Report::work`].
    pub work: &'a crate::plan::ideal::WorkCost,
    /// [`Report::python_work`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_work: Option<&'a crate::plan::ideal::WorkCost>,
    /// [`Report::notes`].
    pub notes: &'a [String],
    /// [`Report::lesson`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<&'a str>,
    /// [`Report::load`] (left out where nothing was read).
    #[serde(skip_serializing_if = "crate::judge::report::MachineLoad::is_unread")]
    pub load: &'a crate::judge::report::MachineLoad,
    /// [`Report::floors`] (`noop` runs only).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub floors: &'a [crate::run::floor::Floor],
}

impl<'a> RunDocument<'a> {
    /// The document of `report`.
    pub fn of(report: &'a Report) -> Self {
        Self {
            format_version: report.format_version,
            parlab_version: &report.parlab_version,
            context: &report.context,
            machine: &report.machine,
            config: &report.config,
            results: entries(report, Parameters::Run),
            work: &report.work,
            python_work: report.python_work.as_ref(),
            notes: &report.notes,
            lesson: report.lesson.as_deref(),
            load: &report.load,
            floors: &report.floors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_summarise_the_measured_runs() {
        let report = crate::app::fixture::report_for(&["-a", "threads", "--runs", "3"]);
        let r = report.result("threads").unwrap();
        let k = HyperfineKeys::of(r, &report.config, Parameters::Run);
        assert_eq!(k.command, "threads");
        assert_eq!(k.times, r.runs.iter().map(|x| x.wall_s).collect::<Vec<_>>());
        assert_eq!(
            (k.mean, k.median, k.min, k.max),
            (r.wall_s_mean, r.wall_s, r.wall_s_min, r.wall_s_max)
        );
        assert_eq!(k.stddev, Some(r.wall_s_stddev));
        let user: f64 = r.runs.iter().map(|x| x.cpu_user_s).sum::<f64>() / 3.0;
        assert!((k.user - user).abs() < 1e-12, "{} {user}", k.user);
        assert_eq!(k.exit_codes, [0, 0, 0]);
        assert_eq!(
            k.parameters["pool_size"],
            report.config.pool_size.to_string()
        );
        assert_eq!(k.parameters["workload"], "cpu");
        // One run: no standard deviation; an unverified run exits 1.
        let mut r = r.clone();
        r.runs.truncate(1);
        r.runs[0].verified = false;
        let k = HyperfineKeys::of(&r, &report.config, Parameters::PoolSizeOnly);
        assert_eq!((k.stddev, k.exit_codes), (None, vec![1]));
        assert_eq!(k.parameters.keys().collect::<Vec<_>>(), [&"pool_size"]);
    }

    #[test]
    fn the_document_keeps_every_key_of_the_report() {
        let report = crate::app::fixture::report();
        let plain = serde_json::to_value(&report).unwrap();
        let doc = serde_json::to_value(RunDocument::of(&report)).unwrap();
        for key in plain.as_object().unwrap().keys() {
            assert!(doc.get(key).is_some(), "{key} is missing");
        }
        let results = doc["results"].as_array().unwrap();
        for a in plain["results"].as_array().unwrap() {
            let b = results
                .iter()
                .find(|b| b["approach"] == a["approach"])
                .unwrap();
            for (key, value) in a.as_object().unwrap() {
                assert_eq!(&b[key], value, "{key}");
            }
        }
    }
}
