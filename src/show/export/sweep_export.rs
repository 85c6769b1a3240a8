//! `parlab sweep --export-json/--export-csv/--export-markdown` and `--format json`: one entry
//! per approach and pool size, from each pool size's report. The JSON's `results` carry
//! hyperfine's keys with `parameters.pool_size` as the one parameter, so hyperfine's
//! `plot_parametrized.py` reads it.
//!
//! That script draws one line per file, through every entry of the file. So entries go approach
//! by approach (in the order asked for), each approach's pool sizes ascending; the sequential
//! baseline, measured at every size for the speedups, is left out unless `--approach` names
//! it (its time does not depend on the pool size); and an export path holding `{approach}`
//! is written once per approach, with the id in its place: one file, one line, per approach
//! (`plot_parametrized.py sweep-*.json --titles …`).

use serde::Serialize;

use super::SweepResults;
use super::hyperfine::{Entry, HyperfineKeys, Parameters, in_asked_order};
use crate::judge::context::Context;
use crate::judge::report::{ApproachResult, ConfigSummary, Report};
use crate::judge::sweep::Sweep;
use crate::machine::Machine;

/// The placeholder in an export path that makes one file per approach (`super::targets`
/// writes such a path once per approach).
pub const PER_APPROACH: &str = "{approach}";

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
    /// One entry per approach and pool size, approach by approach.
    results: Vec<Entry<'a>>,
    notes: &'a [String],
}

/// `sweep --format json`: the sweep's summary with the export's `results` beside it.
#[derive(Serialize)]
struct SummaryDocument<'a> {
    #[serde(flatten)]
    sweep: &'a Sweep,
    results: Vec<Entry<'a>>,
}

/// The approaches a sweep exports, in the order asked for: every one measured, less the
/// sequential baseline unless `with_baseline` (`--approach` named it).
pub fn exported_approaches(reports: &[Report], with_baseline: bool) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in reports.iter().flat_map(in_asked_order) {
        if (with_baseline || r.approach != "sequential") && !ids.contains(&r.approach) {
            ids.push(r.approach.clone());
        }
    }
    ids
}

/// The results of `approaches` in `reports`: approach by approach, each at every pool size
/// in the order measured (ascending).
fn series<'a>(
    reports: &'a [Report],
    approaches: &[String],
) -> Vec<(&'a Report, &'a ApproachResult)> {
    approaches
        .iter()
        .flat_map(|id| {
            reports
                .iter()
                .filter_map(move |rep| rep.result(id).map(|r| (rep, r)))
        })
        .collect()
}

/// The `results` entries of `approaches` in `reports`.
fn entries<'a>(reports: &'a [Report], approaches: &[String]) -> Vec<Entry<'a>> {
    series(reports, approaches)
        .into_iter()
        .map(|(rep, r)| Entry {
            hyperfine: HyperfineKeys::of(r, &rep.config, Parameters::PoolSizeOnly),
            result: r,
        })
        .collect()
}

/// The sweep's JSON export: every exported approach at every pool size, from each pool size's
/// report and the sweep's summary.
pub fn json(results: &SweepResults<'_>) -> anyhow::Result<Vec<u8>> {
    let SweepResults {
        sweep,
        reports,
        approaches,
    } = results;
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
        results: entries(reports, approaches),
        notes: &sweep.notes,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The rows of the sweep's CSV export: each exported approach at each pool size, with the
/// report it belongs to.
pub fn rows<'a>(results: &'a SweepResults<'_>) -> Vec<(&'a Report, &'a ApproachResult)> {
    series(results.reports, &results.approaches)
}

/// The sweep's Markdown export.
pub fn markdown_doc(results: &SweepResults<'_>) -> Vec<u8> {
    markdown(&series(results.reports, &results.approaches)).into_bytes()
}

/// `sweep --format json`: the sweep's summary, and `results` as the JSON export has them.
pub fn summary_json(results: &SweepResults<'_>) -> anyhow::Result<Vec<u8>> {
    let doc = SummaryDocument {
        sweep: results.sweep,
        results: entries(results.reports, &results.approaches),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A Markdown table with a row per approach and pool size.
fn markdown(rows: &[(&Report, &ApproachResult)]) -> String {
    let mut out = String::new();
    if let Some((first, _)) = rows.first() {
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
    for (report, r) in rows {
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
    out
}
