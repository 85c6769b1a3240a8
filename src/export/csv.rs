//! `--export-csv`: one row per approach with its median, spread and speedup (hyperfine's CSV,
//! for parlab's figures). Empty cells mean "none" (no baseline, no child process).

use serde::Serialize;

use super::Exporter;
use crate::report::Report;

/// One row per approach, fastest first.
pub struct CsvExporter;

/// A CSV row; every column names its unit.
#[derive(Serialize)]
struct Row<'a> {
    approach: &'a str,
    family: crate::approach::Family,
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

impl Exporter for CsvExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        if report.results.is_empty() {
            // serde writes the header with the first row; with no rows, write it by hand.
            w.write_record([
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
            ])?;
        }
        for r in &report.results {
            w.serialize(Row {
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
            })?;
        }
        Ok(w.into_inner()?)
    }
}
