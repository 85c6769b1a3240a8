//! The bar chart under the table: wall time per approach as horizontal bars of text.
//!
//! Its input is a list of plain [`Bar`]s rather than a report, so that anything with a label
//! and a time (a run's approaches, an interactive session's runs) can be charted; the same bars
//! feed the SVG/PNG chart in `crate::show::export::chart`. Bars are drawn in eighths of a cell with
//! Unicode block elements, or in whole cells of `#` where the terminal may not show them.

use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::plan::approaches::Family;

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What the bar stands for, e.g. an approach id.
    pub label: String,
    /// Its length: a wall time, s.
    pub seconds: f64,
    /// Times faster than the baseline, when there is one.
    pub speedup: Option<f64>,
    /// The family it belongs to (graphic charts colour by it).
    pub family: Family,
}

/// The bars of a report: one per approach, fastest first (the report's order), with a failed
/// check said in the label.
pub fn from_report(report: &Report) -> Vec<Bar> {
    report
        .results
        .iter()
        .map(|r| Bar {
            label: if r.verified {
                r.approach.clone()
            } else {
                format!("{} (FAILED)", r.approach)
            },
            seconds: r.wall_s,
            speedup: r.speedup,
            family: r.family,
        })
        .collect()
}

/// Partial cells, by eighths: index 1 is one eighth of a cell, 7 is seven eighths.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// The fewest cells a bar may have to grow in, however narrow the terminal.
const MIN_BAR_CELLS: usize = 4;

/// The chart as text lines, in the order given, at most `width` columns wide (unless the
/// labels alone are wider). The longest bar fills the room left by the label and the figures.
pub fn render(bars: &[Bar], width: usize, ascii: bool) -> String {
    let longest = bars
        .iter()
        .map(|b| b.seconds)
        .filter(|s| s.is_finite())
        .fold(0.0_f64, f64::max);
    let figures: Vec<String> = bars.iter().map(figure).collect();
    let label_w = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let figure_w = figures.iter().map(|f| f.chars().count()).max().unwrap_or(0);
    // label, space, bar, space, figures
    let cells = width
        .saturating_sub(label_w + 2 + figure_w)
        .max(MIN_BAR_CELLS);
    let mut out = String::new();
    for (bar, fig) in bars.iter().zip(&figures) {
        let drawn = draw(bar.seconds, longest, cells, ascii);
        let pad = cells - drawn.chars().count();
        let label_pad = label_w - bar.label.chars().count();
        let line = format!(
            "{}{} {}{} {}",
            bar.label,
            " ".repeat(label_pad),
            drawn,
            " ".repeat(pad),
            fig
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A bar's figures: its time, and its speedup when known.
fn figure(bar: &Bar) -> String {
    match bar.speedup {
        Some(s) => format!("{:>9}  {s:.2}x", format_seconds(bar.seconds)),
        None => format!("{:>9}", format_seconds(bar.seconds)),
    }
}

/// The bar for `seconds` on a scale where `longest` fills `cells`. A time above zero always
/// shows as at least the smallest mark, so that no measured approach looks like nothing.
fn draw(seconds: f64, longest: f64, cells: usize, ascii: bool) -> String {
    if !(seconds.is_finite() && seconds > 0.0 && longest > 0.0) {
        return String::new();
    }
    let share = (seconds / longest).min(1.0);
    if ascii {
        let n = ((share * cells as f64).round() as usize).clamp(1, cells);
        return "#".repeat(n);
    }
    let eighths = ((share * cells as f64 * 8.0).round() as usize).clamp(1, cells * 8);
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(EIGHTHS[eighths % 8]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, seconds: f64, speedup: Option<f64>) -> Bar {
        Bar {
            label: label.into(),
            seconds,
            speedup,
            family: Family::Thread,
        }
    }

    #[test]
    fn eighths_and_ascii() {
        assert_eq!(draw(1.0, 1.0, 4, false), "████");
        assert_eq!(draw(0.5, 1.0, 4, false), "██");
        assert_eq!(draw(1.0 / 32.0 * 3.0, 1.0, 4, false), "▍"); // 3/32 of 4 cells: 3 eighths
        assert_eq!(draw(0.5 + 1.0 / 32.0 * 5.0, 1.0, 4, false), "██▋"); // 2 cells and 5 eighths
        assert_eq!(draw(1e-9, 1.0, 4, false), "▏", "tiny times still show");
        assert_eq!(draw(1e-9, 1.0, 4, true), "#");
        assert_eq!(draw(0.0, 1.0, 4, false), "");
        assert_eq!(draw(f64::NAN, 1.0, 4, false), "");
        assert_eq!(draw(0.5, 1.0, 4, true), "##");
    }

    #[test]
    fn every_line_fits_the_width_and_the_longest_bar_fills_it() {
        let bars = [
            bar("sequential", 2.0, Some(1.0)),
            bar("threads", 0.5, Some(4.0)),
            bar("async-inline", 1.9, None),
        ];
        for width in [40, 80, 120] {
            for ascii in [false, true] {
                let text = render(&bars, width, ascii);
                let lines: Vec<&str> = text.lines().collect();
                assert_eq!(lines.len(), 3);
                for l in &lines {
                    assert!(l.chars().count() <= width, "{width}: {l:?}");
                }
                assert_eq!(
                    lines[0].chars().count(),
                    width,
                    "longest bar fills: {l:?}",
                    l = lines[0]
                );
                assert!(lines[1].contains("4.00x") && lines[1].contains("500.0 ms"));
                assert!(!lines[2].contains('x'), "no speedup shown without one");
            }
        }
        assert!(render(&[], 80, false).is_empty());
    }

    #[test]
    fn narrow_terminals_still_get_a_bar() {
        let text = render(
            &[bar("a-very-long-approach-label", 1.0, Some(1.0))],
            10,
            true,
        );
        assert!(text.contains("####"), "{text}");
    }
}
