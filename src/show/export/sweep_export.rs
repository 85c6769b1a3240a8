//! `parlab sweep --export-json/--export-csv/--export-markdown`: one entry per approach and
//! pool size, from each pool size's report. The JSON's `results` carry hyperfine's keys with
//! `parameters.pool_size` as the one parameter, so hyperfine's parametrized plot reads it.

use serde::Serialize;

use super::ExportFormat;
use super::hyperfine::{Entry, Parameters, entries};
use crate::judge::context::Context;
use crate::judge::report::{ConfigSummary, Report};
use crate::judge::sweep::Sweep;
use crate::machine::Machine;

/// The JSON document of a sweep.
#[derive(Serialize)]
struct SweepDocument<'a> {
    format_version: u32,
    parlab_version: &'a str,
    context: &'a Context,
    machine: &'a Machine,
    /// The settings (its `pool_size` is the first size).
    config: &'a ConfigSummary,
    pool_sizes: &'a [usize],
    /// One entry per pool size and approach, in the order measured.
    results: Vec<Entry<'a>>,
    notes: &'a [String],
}

/// The sweep's export in `format`, from every pool size's report (`reports`, in the order
/// measured) and the sweep's summary.
pub fn serialize(
    format: ExportFormat,
    sweep: &Sweep,
    reports: &[Report],
) -> anyhow::Result<Vec<u8>> {
    match format {
        ExportFormat::Json => {
            let context = reports
                .first()
                .map(|r| r.context.clone())
                .unwrap_or_default();
            let doc = SweepDocument {
                format_version: sweep.format_version,
                parlab_version: &sweep.parlab_version,
                context: &context,
                machine: &sweep.machine,
                config: &sweep.config,
                pool_sizes: &sweep.pool_sizes,
                results: reports
                    .iter()
                    .flat_map(|r| entries(r, Parameters::PoolSizeOnly))
                    .collect(),
                notes: &sweep.notes,
            };
            let mut bytes = serde_json::to_vec_pretty(&doc)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        ExportFormat::Csv => super::csv::rows(reports),
        ExportFormat::Markdown => Ok(markdown(reports).into_bytes()),
    }
}

/// A Markdown table with a row per pool size and approach.
fn markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    if let Some(first) = reports.first() {
        let c = &first.context;
        out.push_str(&format!(
            "{}\n\n_{}, parlab {} (built with {}) on {}: `{}`; {}_\n\n",
            first.describe().replace('|', "\\|"),
            c.date_time,
            c.parlab_version,
            c.rustc,
            c.kernel,
            c.command_line.replace('`', "'"),
            first.config.repetitions_text(),
        ));
    }
    out.push_str(
        "| Pool size | Approach | Median [s] | σ [s] | Min [s] | Max [s] | Runs | Speedup | Verified |\n\
         |---:|:---|---:|---:|---:|---:|---:|---:|:---|\n",
    );
    for report in reports {
        for r in &report.results {
            out.push_str(&format!(
                "| {} | `{}` | {:.4} | {:.4} | {:.4} | {:.4} | {} | {} | {} |\n",
                report.config.pool_size,
                r.approach,
                r.wall_s,
                r.wall_s_stddev,
                r.wall_s_min,
                r.wall_s_max,
                r.runs.len(),
                crate::format::format_speedup(r.speedup, r.speedup_min, r.speedup_max),
                if r.verified { "yes" } else { "**FAILED**" },
            ));
        }
    }
    out
}
