//! `--export-csv`: one row per approach. hyperfine's columns come first, with its meanings
//! (`command,mean,stddev,median,user,system,min,max`, see `super::hyperfine`), then parlab's,
//! then the pool size as hyperfine names a parameter (`parameter_pool_size`). Empty cells mean
//! "none" (no baseline, no child process, one run's stddev).

use serde::Serialize;

use super::Exporter;
use super::hyperfine::{HyperfineKeys, Parameters};
use crate::judge::report::Report;

/// One row per approach, fastest first.
pub struct CsvExporter;

/// A CSV row; every column names its unit.
#[derive(Serialize)]
struct Row<'a> {
    command: &'a str,
    mean: f64,
    stddev: Option<f64>,
    median: f64,
    user: f64,
    system: f64,
    min: f64,
    max: f64,
    approach: &'a str,
    family: crate::plan::approaches::Family,
    runs: usize,
    wall_s: f64,
    wall_s_mean: f64,
    wall_s_stddev: f64,
    wall_s_min: f64,
    wall_s_max: f64,
    wall_cv: f64,
    speedup: Option<f64>,
    speedup_min: Option<f64>,
    speedup_max: Option<f64>,
    efficiency: Option<f64>,
    ideal_speedup: Option<f64>,
    ideal_wall_s: Option<f64>,
    cpu_user_s: f64,
    cpu_sys_s: f64,
    cpu_use: f64,
    peak_rss_kib: u64,
    child_peak_rss_kib: Option<u64>,
    outliers: usize,
    verified: bool,
    parameter_pool_size: usize,
}

/// The columns, for a CSV with no rows (serde writes them with the first row).
const HEADER: [&str; 31] = [
    "command",
    "mean",
    "stddev",
    "median",
    "user",
    "system",
    "min",
    "max",
    "approach",
    "family",
    "runs",
    "wall_s",
    "wall_s_mean",
    "wall_s_stddev",
    "wall_s_min",
    "wall_s_max",
    "wall_cv",
    "speedup",
    "speedup_min",
    "speedup_max",
    "efficiency",
    "ideal_speedup",
    "ideal_wall_s",
    "cpu_user_s",
    "cpu_sys_s",
    "cpu_use",
    "peak_rss_kib",
    "child_peak_rss_kib",
    "outliers",
    "verified",
    "parameter_pool_size",
];

impl Exporter for CsvExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        rows(std::slice::from_ref(report))
    }
}

/// The rows of every result of `reports` (a run has one report, a sweep one per pool size).
pub fn rows(reports: &[Report]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if reports.iter().all(|r| r.results.is_empty()) {
        w.write_record(HEADER)?;
    }
    for report in reports {
        for r in &report.results {
            let h = HyperfineKeys::of(r, &report.config, Parameters::PoolSizeOnly);
            w.serialize(Row {
                command: &r.approach,
                mean: h.mean,
                stddev: h.stddev,
                median: h.median,
                user: h.user,
                system: h.system,
                min: h.min,
                max: h.max,
                approach: &r.approach,
                family: r.family,
                runs: r.runs.len(),
                wall_s: r.wall_s,
                wall_s_mean: r.wall_s_mean,
                wall_s_stddev: r.wall_s_stddev,
                wall_s_min: r.wall_s_min,
                wall_s_max: r.wall_s_max,
                wall_cv: r.wall_cv,
                speedup: r.speedup,
                speedup_min: r.speedup_min,
                speedup_max: r.speedup_max,
                efficiency: r.efficiency,
                ideal_speedup: r.ideal_speedup,
                ideal_wall_s: r.ideal_wall_s,
                cpu_user_s: r.cpu_user_s,
                cpu_sys_s: r.cpu_sys_s,
                cpu_use: r.cpu_use,
                peak_rss_kib: r.peak_rss_kib,
                child_peak_rss_kib: r.child_peak_rss_kib,
                outliers: r.runs.iter().filter(|x| x.outlier).count(),
                verified: r.verified,
                parameter_pool_size: report.config.pool_size,
            })?;
        }
    }
    Ok(w.into_inner()?)
}
