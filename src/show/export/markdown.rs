//! `--export-markdown`: the comparison as a Markdown table, ready for a README or an issue
//! (hyperfine's layout: mean ± σ, min, max, relative; here the median leads), one row per
//! approach in the order asked for, as hyperfine keeps its commands' order.

use super::Exporter;
use crate::judge::report::Report;

/// A heading line, the table, then the notes as a list.
pub struct MarkdownExporter;

/// The unit every time in the table is given in: chosen so the fastest median reads well.
fn unit(fastest_s: f64) -> (&'static str, f64) {
    if fastest_s >= 1.0 {
        ("s", 1.0)
    } else if fastest_s >= 1e-3 {
        ("ms", 1e3)
    } else {
        ("µs", 1e6)
    }
}

/// A pipe would end a cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Exporter for MarkdownExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let fastest = report
            .results
            .iter()
            .map(|r| r.wall_s)
            .fold(f64::INFINITY, f64::min);
        let (name, scale) = unit(fastest);
        let c = &report.context;
        let mut out = format!(
            "{}\n\n_{}, parlab {} (built with {}) on {}: `{}`; {}_\n\n| Approach | Median [{name}] | σ [{name}] | Min [{name}] | Max [{name}] | Runs | Speedup | Efficiency | CPU use | Peak memory [KiB] | Verified |\n\
             |:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n",
            cell(&report.describe()),
            c.date_time,
            c.parlab_version,
            c.rustc,
            c.kernel,
            c.command_line.replace('`', "'"),
            report.config.repetitions_text(),
        );
        let t = |s: f64| format!("{:.1}", s * scale);
        for r in super::hyperfine::in_asked_order(report) {
            let speedup = crate::format::format_speedup(r.speedup, r.speedup_min, r.speedup_max);
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {:.0}% | {} | {} |\n",
                r.approach,
                t(r.wall_s),
                t(r.wall_s_stddev),
                t(r.wall_s_min),
                t(r.wall_s_max),
                r.runs.len(),
                speedup,
                r.efficiency
                    .map_or("-".into(), |e| format!("{:.0}%", e * 100.0)),
                r.cpu_use * 100.0,
                r.peak_rss_kib,
                if r.verified { "yes" } else { "**FAILED**" },
            ));
        }
        if !report.notes.is_empty() {
            out.push('\n');
            for n in &report.notes {
                out.push_str(&format!("- {n}\n"));
            }
        }
        Ok(out.into_bytes())
    }

    fn serialize_sweep(&self, sweep: &super::SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(Some(super::sweep_export::markdown_doc(sweep)))
    }
}
