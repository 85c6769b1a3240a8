//! The text Gantt (`--timeline-term`): one row per worker, time across, every approach on the
//! same time axis, fitted to the terminal's width.
//!
//! At most [`MAX_ROWS`] workers are shown per approach, evenly spaced from the first to the
//! last. Each character cell shows the most telling thing that happened on that worker in that slice
//! of time: computation over a wait over a task merely in flight (e.g. an `async` task whose
//! computation runs on another thread). Short stretches of computation thus stay visible
//! however coarse the cells are.

use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::show::lanes::{self, Lane, SegmentKind};

/// At most this many workers are shown per approach.
pub const MAX_ROWS: usize = 8;
/// Columns used when the terminal's width is unknown.
pub const DEFAULT_WIDTH: u16 = 100;

fn glyph(kind: Option<SegmentKind>) -> char {
    match kind {
        Some(SegmentKind::Cpu) => '█',
        Some(SegmentKind::Wait) => '░',
        Some(SegmentKind::Task) => '▒',
        None => ' ',
    }
}

/// The text Gantt of `report`, at most `width` columns wide.
pub fn render(report: &Report, width: u16) -> String {
    let panels = lanes::panels(report);
    let end = lanes::axis_end_s(&panels);
    let label_w = panels
        .iter()
        .flat_map(|p| p.lanes.iter().map(|l| l.label().len()))
        .max()
        .unwrap_or(2);
    // "  " + label + " │" + cells + "│"
    let cols = (width as usize).saturating_sub(label_w + 5).max(10);
    let mut out = format!(
        "Timeline: a row per worker, one column = {}\n{} computing  {} waiting  {} in flight elsewhere\n",
        format_seconds(end / cols as f64),
        glyph(Some(SegmentKind::Cpu)),
        glyph(Some(SegmentKind::Wait)),
        glyph(Some(SegmentKind::Task)),
    );
    if panels.is_empty() {
        out.push_str("  no approach finished\n");
        return out;
    }
    for p in &panels {
        let tasks: usize = p.lanes.iter().map(|l| l.tasks).sum();
        out.push_str(&format!(
            "{}  {}, {tasks} task{} on {} worker{}{}\n",
            p.approach,
            format_seconds(p.wall_s),
            if tasks == 1 { "" } else { "s" },
            p.lanes.len(),
            if p.lanes.len() == 1 { "" } else { "s" },
            if p.verified {
                ""
            } else {
                " (FAILED its check)"
            },
        ));
        for lane in p.sample_lanes(MAX_ROWS) {
            let cells: String = row(lane, end, cols).into_iter().map(glyph).collect();
            out.push_str(&format!("  {:>label_w$} │{cells}│\n", lane.label()));
        }
        if p.lanes.len() > MAX_ROWS {
            out.push_str(&format!(
                "  {:>label_w$}  ({MAX_ROWS} of {} workers shown, evenly spaced)\n",
                "",
                p.lanes.len()
            ));
        }
    }
    let end_label = format_seconds(end);
    out.push_str(&format!(
        "  {:label_w$}  0{:>pad$}\n",
        "",
        end_label,
        pad = (cols - 1).max(end_label.chars().count())
    ));
    out
}

/// What each of `cols` cells over `0..end_s` shows for `lane`.
fn row(lane: &Lane, end_s: f64, cols: usize) -> Vec<Option<SegmentKind>> {
    let mut cells: Vec<Option<SegmentKind>> = vec![None; cols];
    if end_s <= 0.0 {
        return cells;
    }
    let cell = end_s / cols as f64;
    for kind in SegmentKind::ALL {
        for (a, b) in lane.merged(kind, 0.0) {
            let first = ((a / cell).floor() as usize).min(cols - 1);
            // A stretch ending exactly on a boundary does not reach into the next cell.
            let last = (((b / cell).ceil() as usize).max(first + 1) - 1).min(cols - 1);
            for c in &mut cells[first..=last] {
                *c = (*c).max(Some(kind));
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::lanes::Segment;

    #[test]
    fn cells_prefer_computation_and_respect_boundaries() {
        let seg = |kind, a, b| Segment {
            kind,
            task: 0,
            start_s: a,
            end_s: b,
        };
        let lane = Lane {
            worker: 0,
            process: None,
            tasks: 1,
            segments: vec![
                seg(SegmentKind::Task, 0.0, 1.0),
                seg(SegmentKind::Wait, 0.0, 0.5),
                seg(SegmentKind::Cpu, 0.5, 0.51),
            ],
        };
        let cells: String = row(&lane, 2.0, 10).into_iter().map(glyph).collect();
        assert_eq!(cells, "░░█▒▒     ");
    }

    #[test]
    fn fits_the_width_and_caps_rows() {
        let report = crate::app::fixture::report_for(&[
            "--workload",
            "io",
            "--tasks",
            "20",
            "--approach",
            "threads",
            "--no-baseline",
        ]);
        let text = render(&report, 60);
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
        assert!(
            text.contains("(8 of 20 workers shown, evenly spaced)"),
            "{text}"
        );
        assert!(text.contains(" w19 │"), "the last worker is shown: {text}");
        assert_eq!(text.lines().filter(|l| l.contains('│')).count(), MAX_ROWS);
    }
}
