//! `--export-csv`: one row per approach, in the order asked for. hyperfine's columns come first,
//! with its meanings (`command,mean,stddev,median,user,system,min,max`, see
//! `super::hyperfine`), then parlab's, then the JSON's `parameters` as hyperfine names them
//! (`parameter_NAME`): a run's pool size, tasks, workload and number; a sweep's pool size
//! alone. Empty cells mean "none" (no baseline, no child process, one run's stddev).

use serde::Serialize;

use super::Exporter;
use super::hyperfine::{HyperfineKeys, Parameters, in_asked_order};
use crate::judge::report::{ApproachResult, Report};

/// One row per approach, in the order asked for.
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
}

/// The columns before the parameters (the header is written by hand: the parameters differ
/// between a run and a sweep).
const HEADER: [&str; 30] = [
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
];

impl Exporter for CsvExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let rows: Vec<_> = in_asked_order(report)
            .into_iter()
            .map(|r| (report, r))
            .collect();
        write(&rows, Parameters::Run)
    }

    fn serialize_sweep(&self, sweep: &super::SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        write(&super::sweep_export::rows(sweep), Parameters::PoolSizeOnly).map(Some)
    }
}

/// The CSV of `rows`: each a result and the report it belongs to (a run has one report, a
/// sweep one per pool size), with `which` parameters.
pub fn write(rows: &[(&Report, &ApproachResult)], which: Parameters) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let names = HyperfineKeys::parameter_names(which);
    let header = HEADER
        .iter()
        .map(|h| h.to_string())
        .chain(names.iter().map(|n| format!("parameter_{n}")));
    w.write_record(header)?;
    for &(report, r) in rows {
        let h = HyperfineKeys::of(r, &report.config, which);
        // Serialized as a tuple: the row's fields, then the parameters, in one record.
        let parameters: Vec<&str> = names.iter().map(|n| h.parameters[n].as_str()).collect();
        w.serialize((
            Row {
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
            },
            parameters,
        ))?;
    }
    Ok(w.into_inner()?)
}
