//! The comparison table: one row per approach, fastest first, then the notes; with `--compare`,
//! the saved run's figures and the change beside each row.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table};

use crate::format::{format_relative_spread, format_seconds, format_speedup};
use crate::judge::compare::{self, Baseline};
use crate::judge::report::{ApproachResult, Report};

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

/// The columns a narrow terminal leaves out, least useful first (named as the full headers).
const LEAVE_OUT_ORDER: [&str; 4] = ["CPU use", "CPU time", "runs", "peak memory"];

/// The table alone: at most `width` columns wide (unbounded for `None`), in compact cells if
/// `compact`, without the columns named in `omit` (by their full headers).
fn table_text(
    report: &Report,
    baseline: Option<&Baseline>,
    width: Option<u16>,
    compact: bool,
    omit: &[&str],
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
    let mut names = vec![
        "approach",
        "wall (median ± CV)",
        "runs",
        "speedup (range)",
        "efficiency",
        "CPU time",
        "CPU use",
        "peak memory",
        "verified",
    ];
    // Compact headers are short words on two lines, never a word cut in two.
    let mut header = if compact {
        vec![
            "approach",
            "wall\n± CV",
            "runs",
            "speedup\n(range)",
            "% of\nideal",
            "CPU\ntime",
            "CPU\nuse",
            "peak\nmemory",
            "check",
        ]
    } else {
        names.clone()
    };
    if baseline.is_some() {
        names.extend(["saved wall", "change"]);
        header.extend(if compact {
            ["saved\nwall", "change"]
        } else {
            ["saved wall", "change"]
        });
    }
    let kept = |i: usize| !omit.contains(&names[i]);
    table.set_header(
        header
            .iter()
            .enumerate()
            .filter(|(i, _)| kept(*i))
            .map(|(_, h)| *h),
    );
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    for r in &report.results {
        let memory = if compact {
            // Three short lines rather than one long one: parlab, then the largest child.
            match r.child_peak_rss_kib {
                Some(child) => format!(
                    "{}\n+{}\nper child",
                    crate::format::format_kib(r.peak_rss_kib),
                    crate::format::format_kib(child)
                ),
                None => crate::format::format_kib(r.peak_rss_kib),
            }
        } else {
            crate::format::format_peak(r.peak_rss_kib, r.child_peak_rss_kib, sep)
        };
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
        table.add_row(
            row.into_iter()
                .enumerate()
                .filter(|(i, _)| kept(*i))
                .map(|(_, c)| c),
        );
    }
    // Approach ids never wrap; the other columns give way first.
    if let Some(column) = table.column_mut(0) {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    table.to_string()
}

/// The table at most `width` columns wide, and the columns it leaves out: each cell on one line
/// when that fits; else figures and their spread on two lines; else without the least useful
/// columns, one at a time; and when even that is too wide, cells wrapped to the width.
fn fitted_table(
    report: &Report,
    baseline: Option<&Baseline>,
    width: Option<u16>,
) -> (String, Vec<&'static str>) {
    let widest = |t: &str| t.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let text = table_text(report, baseline, None, false, &[]);
    let Some(w) = width.filter(|&w| widest(&text) > w as usize) else {
        return (text, Vec::new());
    };
    let mut omit: Vec<&'static str> = Vec::new();
    loop {
        let text = table_text(report, baseline, None, true, &omit);
        if widest(&text) <= w as usize {
            return (text, omit);
        }
        match LEAVE_OUT_ORDER.get(omit.len()) {
            Some(next) => omit.push(next),
            None => return (table_text(report, baseline, Some(w), true, &omit), omit),
        }
    }
}

/// The line under a table that left columns out, naming them.
fn left_out_note(omit: &[&str]) -> String {
    format!(
        "narrow terminal: left out {}; widen it or use --format json",
        omit.join(", ")
    )
}

/// The table and notes, with the saved run of `baseline` beside each row when given.
pub fn render_compared(report: &Report, baseline: Option<&Baseline>, width: Option<u16>) -> String {
    let (text, omitted) = fitted_table(report, baseline, width);
    let mut out = String::new();
    let fit = |line: String| match width {
        Some(w) => crate::format::wrap(&line, w as usize, "", "").join("\n"),
        None => line,
    };
    match baseline {
        None => out.push_str(&fit(report.describe())),
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
    if !omitted.is_empty() {
        out.push_str(&fit(left_out_note(&omitted)));
        out.push('\n');
    }
    let width = width.map(usize::from);
    out.push_str(&crate::format::bullets(&report.notes, width));
    if let Some(b) = baseline {
        out.push_str(&crate::format::bullets(
            &compare_notes(report, &b.report),
            width,
        ));
    }
    if let Some(lesson) = &report.lesson {
        out.push_str(&lesson_text(lesson, width));
    }
    out
}

/// The run's lesson under the notes: what it shows, and how Python would differ.
pub fn lesson_text(lesson: &str, width: Option<usize>) -> String {
    let text = format!("Lesson: {lesson}");
    match width {
        Some(w) => crate::format::wrap(&text, w, "", "  ").join("\n") + "\n",
        None => text + "\n",
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_left_out_note_names_the_columns() {
        assert_eq!(
            left_out_note(&["CPU use", "runs"]),
            "narrow terminal: left out CPU use, runs; widen it or use --format json"
        );
    }
}
