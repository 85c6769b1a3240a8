//! `parlab sweep --chart FILE.svg|png`: speedup against pool size, one line per approach, with
//! the ideal (linear up to the cores for work that computes, flat after) and each approach's
//! Amdahl's-law fit as a dashed curve.
//!
//! Both axes are linear, so the ideal is a straight line that bends once, at the core count,
//! and the gap to it reads directly. Rendered by [`super::image`]; `--chart` in a sweep ([`super::chart::ChartExporter`]).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::image::{self as picture, DrawResult, FONT, ImageFormat, Picture};
use crate::judge::sweep::Sweep;
use crate::stats;

/// The chart's size in pixels.
const SIZE: (u32, u32) = (960, 600);

/// One colour per approach, in order (colour-blind-safe, Okabe–Ito).
const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];

/// The sweep chart in `format`, as bytes.
pub fn render(sweep: &Sweep, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    picture::render(&SweepChart(sweep), format)
}

/// The chart of a sweep.
struct SweepChart<'a>(&'a Sweep);

impl Picture for SweepChart<'_> {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(self.0, root)
    }
}

/// Draws the chart on `root`.
fn draw<DB: DrawingBackend>(sweep: &Sweep, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let sizes = &sweep.pool_sizes;
    let (lo, hi) = (
        *sizes.first().unwrap_or(&1) as f64,
        *sizes.last().unwrap_or(&1) as f64,
    );
    let x_hi = hi.max(2.0) * 1.05;
    let y_hi = sweep
        .points
        .iter()
        .filter_map(|p| p.speedup_max.or(p.speedup))
        .chain(sweep.ideal.iter().copied())
        .fold(1.0, f64::max)
        * 1.15;
    let c = &sweep.config;
    let title = format!(
        "Speedup by pool size: {} × {} tasks, {} ({} logical cores)",
        c.work_name(),
        c.tasks,
        sweep.machine.cpu_model,
        sweep.machine.logical_cores
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_hi, 0.0..y_hi)?;
    let x_label = |x: &f64| {
        if (x - x.round()).abs() < 1e-6 {
            format!("{}", x.round())
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc("pool size")
        .y_desc("speedup over sequential")
        .x_labels(12)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|y| format!("{y:.1}x"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    // Dense x positions for the curves, so the ideal's bend at the core count shows.
    let steps = 400;
    let dense: Vec<f64> = (0..=steps)
        .map(|i| lo + (hi - lo) * i as f64 / steps as f64)
        .collect();
    // The ideal: the work–span bound of a pool of each size (none for work that costs nothing).
    let ideal: Vec<(f64, f64)> = dense
        .iter()
        .filter_map(|&x| Some((x, sweep.ideal_at(x)?)))
        .collect();
    if !ideal.is_empty() {
        chart
            .draw_series(LineSeries::new(ideal, BLACK.stroke_width(2)))?
            .label("ideal (work–span bound of the pool)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    }

    for (i, approach) in sweep.approaches().into_iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let measured: Vec<(f64, f64)> = sweep
            .points
            .iter()
            .filter(|p| p.approach == approach)
            .filter_map(|p| Some((p.pool_size as f64, p.speedup?)))
            .collect();
        chart
            .draw_series(LineSeries::new(
                measured.iter().copied(),
                colour.stroke_width(2),
            ))?
            .label(approach.to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(measured.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
        // The spread of each point: its smallest to largest pair-wise speedup.
        chart.draw_series(
            sweep
                .points
                .iter()
                .filter(|p| p.approach == approach)
                .filter_map(|p| {
                    let x = p.pool_size as f64;
                    Some(PathElement::new(
                        [(x, p.speedup_min?), (x, p.speedup_max?)],
                        colour.stroke_width(1),
                    ))
                }),
        )?;
        if let Some(p) = sweep.fit(approach) {
            chart
                .draw_series(DashedLineSeries::new(
                    dense
                        .iter()
                        .map(|&x| (x, stats::amdahl(p, sweep.workers_at(x)))),
                    6,
                    4,
                    colour.stroke_width(1),
                ))?
                .label(format!("{approach}: Amdahl fit, p = {p:.3}"))
                .legend(move |(x, y)| {
                    DashedPathElement::new([(x, y), (x + 20, y)], 4, 3, colour.stroke_width(1))
                });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}
