//! The Gantt chart (`--timeline FILE.svg|png`): one panel per approach on a shared time axis,
//! one lane per worker, one bar per task, computation and waits in their own colours.
//!
//! Drawn with plotters in pixel space (the layout is simple and the same for SVG and PNG), and
//! rendered by [`super::image`]. Huge runs are capped so the file stays small and readable: at
//! most [`MAX_LANES`] lanes per panel (evenly spaced from the first worker to the last), and a
//! lane with more than [`MAX_BARS_PER_LANE`] tasks is drawn as the union of its bars at pixel
//! resolution (what the eye could see anyway) instead of bar by bar. The chart says so wherever
//! it happens.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Exporter;
use super::image::{DrawResult, FONT, ImageFormat, Picture, render};
use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::show::lanes::{self, Panel, SegmentKind};

/// At most this many lanes are drawn per approach.
pub const MAX_LANES: usize = 16;
/// Lanes with more tasks than this are drawn merged at pixel resolution.
pub const MAX_BARS_PER_LANE: usize = 200;

const WIDTH: u32 = 1200;
const TITLE_H: u32 = 58;
const HEADER_H: u32 = 22;
const LANE_H: u32 = 16;
const PANEL_GAP: u32 = 10;
const AXIS_H: u32 = 40;
const LEFT: i32 = 64;
const RIGHT: i32 = 24;

/// The Gantt chart exporter.
pub struct TimelineExporter {
    /// SVG or PNG.
    pub format: ImageFormat,
}

impl Exporter for TimelineExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        render(&Timeline::of(report), self.format)
    }
}

/// The chart as an SVG document.
pub fn svg(report: &Report) -> anyhow::Result<String> {
    Ok(String::from_utf8(render(
        &Timeline::of(report),
        ImageFormat::Svg,
    )?)?)
}

/// The chart of a report: its panels, laid out once.
struct Timeline<'a> {
    report: &'a Report,
    panels: Vec<Panel>,
}

impl<'a> Timeline<'a> {
    fn of(report: &'a Report) -> Self {
        Self {
            report,
            panels: lanes::panels(report),
        }
    }
}

impl Picture for Timeline<'_> {
    fn size(&self) -> (u32, u32) {
        size(&self.panels)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self.report, &self.panels)
    }
}

fn shown_lanes(p: &Panel) -> usize {
    p.lanes.len().min(MAX_LANES)
}

fn panel_h(p: &Panel) -> u32 {
    HEADER_H + shown_lanes(p).max(1) as u32 * LANE_H + PANEL_GAP
}

/// The image size the panels need.
fn size(panels: &[Panel]) -> (u32, u32) {
    (
        WIDTH,
        TITLE_H + panels.iter().map(panel_h).sum::<u32>() + AXIS_H,
    )
}

/// The colour of a segment kind; odd tasks of a lane get a lighter shade so that neighbouring
/// bars stay apart.
pub fn colour(kind: SegmentKind, odd: bool) -> RGBColor {
    match (kind, odd) {
        (SegmentKind::Cpu, false) => RGBColor(31, 100, 180),
        (SegmentKind::Cpu, true) => RGBColor(84, 150, 220),
        (SegmentKind::Wait, false) => RGBColor(245, 160, 60),
        (SegmentKind::Wait, true) => RGBColor(250, 200, 130),
        (SegmentKind::Task, false) => RGBColor(200, 200, 200),
        (SegmentKind::Task, true) => RGBColor(225, 225, 225),
    }
}

/// A round tick step giving about `target` ticks over `end` seconds.
fn tick_step(end: f64, target: f64) -> f64 {
    let raw = (end / target).max(1e-9);
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * pow)
}

/// A tick's label, in one unit for the whole axis, with as many decimals as the step needs.
fn tick_label(t: f64, step: f64, end: f64) -> String {
    if t == 0.0 {
        return "0".into();
    }
    let (scale, unit) = if end >= 1.0 {
        (1.0, "s")
    } else if end >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "µs")
    };
    let decimals = (-(step * scale).log10().floor()).max(0.0) as usize;
    format!("{:.decimals$} {unit}", t * scale)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    panels: &[Panel],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let end = lanes::axis_end_s(panels).max(1e-9);
    let plot_w = (w as i32 - LEFT - RIGHT) as f64;
    let x = |t: f64| LEFT + ((t / end) * plot_w).round() as i32;
    let text = |size: f64| (FONT, size).into_font().color(&BLACK);
    let c = &report.config;
    root.draw_text(
        &format!(
            "parlab timeline: {} × {} tasks, pool size {}, each approach from its own start",
            c.work_name(),
            c.tasks,
            c.pool_size
        ),
        &(FONT, 18).into_font().style(FontStyle::Bold).color(&BLACK),
        (LEFT, 8),
    )?;
    // The legend.
    let mut lx = LEFT;
    for kind in [SegmentKind::Cpu, SegmentKind::Wait, SegmentKind::Task] {
        root.draw(&Rectangle::new(
            [(lx, 36), (lx + 14, 48)],
            colour(kind, false).filled(),
        ))?;
        let label = kind.label();
        root.draw_text(label, &text(13.0), (lx + 19, 35))?;
        let (label_w, _) = root.estimate_text_size(label, &text(13.0))?;
        lx += 19 + label_w as i32 + 24;
    }
    if panels.is_empty() {
        root.draw_text("no approach finished", &text(14.0), (LEFT, TITLE_H as i32))?;
    }

    let mut top = TITLE_H as i32;
    let grid = tick_step(end, 10.0);
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * grid)
        .take_while(|t| *t <= end * 1.000_001)
        .collect();
    let px_s = end / plot_w;
    for p in panels {
        let shown = shown_lanes(p);
        let body_top = top + HEADER_H as i32;
        let body_bottom = body_top + shown.max(1) as i32 * LANE_H as i32;
        let mut header = format!(
            "{}: {} wall, {} task{} on {} worker{}",
            p.approach,
            format_seconds(p.wall_s),
            p.lanes.iter().map(|l| l.tasks).sum::<usize>(),
            if p.lanes.iter().map(|l| l.tasks).sum::<usize>() == 1 {
                ""
            } else {
                "s"
            },
            p.lanes.len(),
            if p.lanes.len() == 1 { "" } else { "s" },
        );
        if !p.verified {
            header.push_str(" (FAILED its check)");
        }
        if p.lanes.len() > shown {
            header.push_str(&format!("; {shown} workers drawn, evenly spaced"));
        }
        if p.lanes.iter().any(|l| l.tasks > MAX_BARS_PER_LANE) {
            header.push_str(&format!(
                "; lanes of over {MAX_BARS_PER_LANE} tasks merged at pixel resolution"
            ));
        }
        root.draw_text(
            &header,
            &(FONT, 14).into_font().style(FontStyle::Bold).color(&BLACK),
            (LEFT, top + 3),
        )?;
        root.draw(&Rectangle::new(
            [(LEFT, body_top), (w as i32 - RIGHT, body_bottom)],
            RGBColor(248, 248, 248).filled(),
        ))?;
        for &t in &ticks {
            root.draw(&PathElement::new(
                vec![(x(t), body_top), (x(t), body_bottom)],
                RGBColor(225, 225, 225),
            ))?;
        }
        for (i, lane) in p.sample_lanes(MAX_LANES).into_iter().enumerate() {
            let y0 = body_top + i as i32 * LANE_H as i32;
            let y1 = y0 + LANE_H as i32 - 2;
            root.draw(&Text::new(
                lane.label(),
                (LEFT - 6, y0 + LANE_H as i32 / 2),
                text(11.0).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            let bar = |kind: SegmentKind, a: f64, b: f64, odd: bool| {
                let inset = if kind == SegmentKind::Task { 0 } else { 3 };
                let (xa, xb) = (x(a), x(b).max(x(a) + 1));
                Rectangle::new(
                    [(xa, y0 + inset), (xb, y1 - inset)],
                    colour(kind, odd).filled(),
                )
            };
            if lane.tasks > MAX_BARS_PER_LANE || lane.segments.len() > 8 * MAX_BARS_PER_LANE {
                for kind in SegmentKind::ALL {
                    for (a, b) in lane.merged(kind, px_s) {
                        root.draw(&bar(kind, a, b, false))?;
                    }
                }
            } else {
                // Shade by the task's rank on this lane, so neighbouring tasks alternate;
                // interleaved tasks have no neighbours, and one shade reads better.
                let alternate = !lane.tasks_overlap();
                let mut order: Vec<u32> = lane.segments.iter().map(|s| s.task).collect();
                order.sort_unstable();
                order.dedup();
                for s in &lane.segments {
                    let rank = order.binary_search(&s.task).unwrap_or(0);
                    root.draw(&bar(s.kind, s.start_s, s.end_s, alternate && rank % 2 == 1))?;
                }
            }
        }
        top += panel_h(p) as i32;
    }
    // The shared time axis, under the last panel.
    let axis_y = top;
    root.draw(&PathElement::new(
        vec![(LEFT, axis_y), (w as i32 - RIGHT, axis_y)],
        BLACK,
    ))?;
    for &t in &ticks {
        root.draw(&PathElement::new(
            vec![(x(t), axis_y), (x(t), axis_y + 5)],
            BLACK,
        ))?;
        let label = tick_label(t, grid, end);
        root.draw(&Text::new(
            label,
            (x(t), axis_y + 8),
            text(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    root.draw(&Text::new(
        "time since the approach started",
        (w as i32 / 2, h as i32 - 12),
        text(12.0).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_a_panel_per_approach_and_parses() {
        let report = crate::app::fixture::report();
        let svg = svg(&report).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(|t| t.trim().to_string()))
            .collect();
        for r in &report.results {
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with(&format!("{}:", r.approach))),
                "{} missing in {texts:?}",
                r.approach
            );
        }
        let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
        let segments: usize = report.results.iter().map(|r| r.tasks.len() * 8).sum();
        assert!(rects >= segments, "{rects} rects for {segments} segments");
    }

    #[test]
    fn the_title_names_a_python_function_as_the_report_header_does() {
        let mut report =
            crate::app::fixture::report_for(&["--tasks", "3", "--approach", "threads"]);
        report.config.py_func = Some("/home/me/examples/python/cpu_loop.py:work".into());
        let svg = svg(&report).unwrap();
        let expected = format!("parlab timeline: {} × 3 tasks", report.config.work_name());
        assert!(
            expected.contains("cpu_loop.py:work × 3 tasks"),
            "{expected}"
        );
        assert!(svg.contains(&expected), "the title names the function");
        assert!(!svg.contains("/home/me"), "the folder is left out");
    }

    #[test]
    fn png_is_a_png_of_the_computed_size() {
        let report = crate::app::fixture::report_for(&["--tasks", "3", "--approach", "threads"]);
        let bytes = render(&Timeline::of(&report), ImageFormat::Png).unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), size(&lanes::panels(&report)));
    }

    #[test]
    fn huge_runs_are_capped_and_say_so() {
        let report = crate::app::fixture::report_for(&[
            "--workload",
            "io",
            "--io-wait",
            "1ms",
            "--tasks",
            "3000",
            "--approach",
            "sequential,threads",
        ]);
        let svg = svg(&report).unwrap();
        assert!(
            svg.contains("16 workers drawn, evenly spaced"),
            "lane cap not stated"
        );
        assert!(svg.contains(">\nw2999\n<"), "the last worker is drawn");
        assert!(
            svg.contains("merged at pixel resolution"),
            "bar cap not stated"
        );
        assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(3.3, 10.0), 0.5);
        assert_eq!(tick_step(1.0, 10.0), 0.1);
        assert!((tick_step(0.0042, 10.0) - 0.0005).abs() < 1e-12);
        assert_eq!(tick_label(1.5, 0.5, 3.3), "1.5 s");
        assert_eq!(tick_label(2.0, 0.5, 3.3), "2.0 s");
        assert_eq!(tick_label(0.002, 0.0005, 0.0042), "2.0 ms");
        assert_eq!(tick_label(0.0002, 0.0001, 0.00042), "200 µs");
    }
}
