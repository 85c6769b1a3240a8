//! The comparison table: one row per approach, fastest first, then the notes; with `--compare`,
//! the saved run's figures and the change beside each row.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table};

use crate::compare::{self, Baseline};
use crate::format::{format_relative_spread, format_seconds, format_speedup};
use crate::report::{ApproachResult, Report};

/// The table and notes as text, `width` columns wide at most (unbounded for `None`).
pub fn render(report: &Report, width: Option<u16>) -> String {
    render_compared(report, None, width)
}

/// The runs column: how many, and how many were outliers (the count alone when `compact`: the
/// notes name the outliers).
fn format_runs(r: &ApproachResult, compact: bool) -> String {
    match r.runs.iter().filter(|x| x.outlier).count() {
        n if n == 0 || compact => r.runs.len().to_string(),
        n => format!(
            "{} ({n} outlier{})",
            r.runs.len(),
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// The table alone: at most `width` columns wide (unbounded for `None`), in compact cells if
/// `compact`.
fn table_text(
    report: &Report,
    baseline: Option<&Baseline>,
    width: Option<u16>,
    compact: bool,
) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    // In compact cells a figure's spread or range goes on a line of its own.
    let sep = if compact { "\n" } else { " " };
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    let mut header = if compact {
        vec![
            "approach",
            "wall\n± CV",
            "runs",
            "speedup\n(range)",
            "effi-\nciency",
            "CPU\ntime",
            "CPU\nuse",
            "peak\nmemory",
            "veri-\nfied",
        ]
    } else {
        vec![
            "approach",
            "wall (median ± CV)",
            "runs",
            "speedup (range)",
            "efficiency",
            "CPU time",
            "CPU use",
            "peak memory",
            "verified",
        ]
    };
    if baseline.is_some() {
        header.extend(if compact {
            ["saved\nwall", "change"]
        } else {
            ["saved wall", "change"]
        });
    }
    table.set_header(header);
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    for r in &report.results {
        let memory = crate::format::format_peak(r.peak_rss_kib, r.child_peak_rss_kib, sep);
        let mut row = vec![
            Cell::new(&r.approach),
            right(
                format_relative_spread(r.wall_s, r.wall_cv, r.runs.len())
                    .replace(" ± ", &format!("{sep}± ")),
            ),
            right(format_runs(r, compact)),
            right(format_speedup(r.speedup, r.speedup_min, r.speedup_max).replacen(' ', sep, 1)),
            right(
                r.efficiency
                    .map_or("-".into(), |e| format!("{:.0}%", e * 100.0)),
            ),
            right(format_seconds(r.cpu_user_s + r.cpu_sys_s)),
            right(format!("{:.0}%", r.cpu_use * 100.0)),
            right(memory),
            Cell::new(if r.verified { "yes" } else { "FAILED" }),
        ];
        if let Some(b) = baseline {
            match (b.report.result(&r.approach), compare::change(r, &b.report)) {
                (Some(before), Some(c)) => {
                    row.push(right(
                        format_relative_spread(c.before_s, before.wall_cv, before.runs.len())
                            .replace(" ± ", &format!("{sep}± ")),
                    ));
                    row.push(right(format!(
                        "{:+.1}%{sep}{}",
                        c.change * 100.0,
                        c.verdict.label()
                    )));
                }
                (Some(_), None) => {
                    row.push(right("-".into()));
                    row.push(Cell::new(format!("not comparable{sep}(unverified)")));
                }
                (None, _) => {
                    row.push(right("-".into()));
                    row.push(Cell::new(format!("not in{sep}saved run")));
                }
            }
        }
        table.add_row(row);
    }
    // Approach ids never wrap; the other columns give way first.
    if let Some(column) = table.column_mut(0) {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    table.to_string()
}

/// The table and notes, with the saved run of `baseline` beside each row when given.
pub fn render_compared(report: &Report, baseline: Option<&Baseline>, width: Option<u16>) -> String {
    // Each cell on one line when that fits; else figures and their spread on two lines; and
    // when even that is too wide, cells wrapped to the width.
    let widest = |t: &str| t.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut text = table_text(report, baseline, None, false);
    if let Some(w) = width.filter(|&w| widest(&text) > w as usize) {
        text = table_text(report, baseline, None, true);
        if widest(&text) > w as usize {
            text = table_text(report, baseline, Some(w), true);
        }
    }
    let mut out = String::new();
    match baseline {
        None => out.push_str(&report.describe()),
        Some(b) => {
            out.push_str(&format!("now:   {}\n", report.describe()));
            out.push_str(&format!(
                "saved: {} (parlab {}, {})",
                b.report.describe(),
                b.report.parlab_version,
                b.path.display()
            ));
        }
    }
    out.push('\n');
    out.push_str(&text);
    out.push('\n');
    for n in &report.notes {
        out.push_str("• ");
        out.push_str(n);
        out.push('\n');
    }
    if let Some(b) = baseline {
        for n in compare_notes(report, &b.report) {
            out.push_str("• ");
            out.push_str(&n);
            out.push('\n');
        }
    }
    out
}

/// Differences between the two runs' settings that the table's figures depend on.
fn compare_notes(now: &Report, saved: &Report) -> Vec<String> {
    let mut notes = vec![format!(
        "change: median wall time against the saved run's; a change counts as faster or slower \
         only beyond twice the runs' combined spread (1.4826 × MAD, at least {:.0}% of the time)",
        compare::SPREAD_FLOOR * 100.0
    )];
    if now.machine != saved.machine {
        notes.push(
            "the saved run was measured on another machine (see above): differences may be the machine's"
                .into(),
        );
    }
    if now.config.pool_size != saved.config.pool_size {
        notes.push(format!(
            "pool size differs: {} now, {} saved",
            now.config.pool_size, saved.config.pool_size
        ));
    }
    let missing: Vec<&str> = saved
        .results
        .iter()
        .filter(|s| now.result(&s.approach).is_none())
        .map(|s| s.approach.as_str())
        .collect();
    if !missing.is_empty() {
        notes.push(format!("in the saved run only: {}", missing.join(", ")));
    }
    notes
}
