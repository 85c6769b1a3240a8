//! The comparison table: one row per approach, fastest first, then the notes.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::{format_kib, format_seconds};
use crate::report::Report;

/// The table and notes as text, `width` columns wide at most (unbounded for `None`).
pub fn render(report: &Report, width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table.set_header([
        "approach",
        "wall",
        "speedup",
        "efficiency",
        "CPU time",
        "CPU use",
        "peak memory",
        "verified",
    ]);
    for r in &report.results {
        let memory = match r.child_peak_rss_kib {
            Some(child) => format!(
                "{} (+{} /child)",
                format_kib(r.peak_rss_kib),
                format_kib(child)
            ),
            None => format_kib(r.peak_rss_kib),
        };
        table.add_row([
            Cell::new(&r.approach),
            Cell::new(format_seconds(r.wall_s)).set_alignment(CellAlignment::Right),
            Cell::new(r.speedup.map_or("-".into(), |s| format!("{s:.2}x")))
                .set_alignment(CellAlignment::Right),
            Cell::new(
                r.efficiency
                    .map_or("-".into(), |e| format!("{:.0}%", e * 100.0)),
            )
            .set_alignment(CellAlignment::Right),
            Cell::new(format_seconds(r.cpu_user_s + r.cpu_sys_s))
                .set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.0}%", r.cpu_use * 100.0)).set_alignment(CellAlignment::Right),
            Cell::new(memory).set_alignment(CellAlignment::Right),
            Cell::new(if r.verified { "yes" } else { "FAILED" }),
        ]);
    }
    let c = &report.config;
    let mut out = format!(
        "{} × {} task{} (number {}, io wait {}), pool size {}, on {} ({} logical cores)\n",
        c.workload.id(),
        c.tasks,
        if c.tasks == 1 { "" } else { "s" },
        c.number,
        format_seconds(c.io_wait_s),
        c.pool_size,
        report.machine.cpu_model,
        report.machine.logical_cores,
    );
    out.push_str(&table.to_string());
    out.push('\n');
    for n in &report.notes {
        out.push_str("• ");
        out.push_str(n);
        out.push('\n');
    }
    out
}
