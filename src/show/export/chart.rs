//! The comparison as a chart to keep (`--chart FILE.svg` or `FILE.png`): one horizontal bar
//! per approach, coloured by family, labelled with its time and speedup, under a title that
//! says what ran.
//!
//! [`render`] takes plain [`Bar`]s, the same the terminal chart draws, so that the interactive
//! mode can chart its own runs. Fonts, backends and encoding are [`super::image`]'s.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Exporter;
use super::image::{self as picture, DrawResult, FONT, ImageFormat, Picture};
use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::plan::approaches::Family;
use crate::show::output::bars::{self, Bar};

/// The chart of a report, in one format; a sweep's is speedup against pool size
/// ([`super::sweep_chart`]), drawn once a pool size has been measured.
pub struct ChartExporter(pub ImageFormat);

impl Exporter for ChartExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        render(&bars::from_report(report), &title(report), self.0)
    }

    fn serialize_sweep(&self, sweep: &super::SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        if sweep.sweep.points.is_empty() {
            return Ok(None);
        }
        super::sweep_chart::render(sweep.sweep, self.0).map(Some)
    }
}

/// The title of a report's chart: workload, number (or wait), tasks and pool size.
pub fn title(report: &Report) -> String {
    let c = &report.config;
    let what = match &c.py_func {
        Some(_) => c.work_name().to_string(),
        None => c
            .workload
            .workload()
            .title(c.number, &format_seconds(c.io_wait_s)),
    };
    format!(
        "{what} × {} task{}, pool size {}",
        c.tasks,
        if c.tasks == 1 { "" } else { "s" },
        c.pool_size
    )
}

/// Width and height of the chart of `bars` bars, pixels.
pub fn size(bars: usize) -> (u32, u32) {
    (1000, HEADER_PX + 80 + 48 * bars.max(1) as u32)
}

/// A family's colour: [`Family::colour`], the one palette of every picture.
pub fn family_colour(family: Family) -> RGBColor {
    let (r, g, b) = family.colour();
    RGBColor(r, g, b)
}

/// A family's name in the legend.
pub fn family_name(family: Family) -> &'static str {
    match family {
        Family::Sequential => "sequential",
        Family::Thread => "threads",
        Family::Async => "async",
        Family::Process => "processes",
    }
}

/// `bars` drawn as a chart titled `title`, in `format`, top to bottom in the order given.
pub fn render(bars: &[Bar], title: &str, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    picture::render(&BarChart { bars, title }, format)
}

/// The chart of some bars.
struct BarChart<'a> {
    bars: &'a [Bar],
    title: &'a str,
}

impl Picture for BarChart<'_> {
    fn size(&self) -> (u32, u32) {
        size(self.bars.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self.bars, self.title)
    }
}

/// Height of the band above the plot that holds the title and the legend, px.
const HEADER_PX: u32 = 84;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bars: &[Bar],
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (header, plot) = root.split_vertically(HEADER_PX);
    draw_header(&header, bars, title)?;

    let n = bars.len();
    let longest = bars
        .iter()
        .map(|b| b.seconds)
        .filter(|s| s.is_finite())
        .fold(0.0_f64, f64::max);
    // Room right of the longest bar for its figures.
    let x_max = if longest > 0.0 { longest * 1.3 } else { 1.0 };
    let label_px = bars
        .iter()
        .map(|b| b.label.chars().count() as u32)
        .max()
        .unwrap_or(0)
        * 9
        + 24;
    // Segment i (from the bottom) shows bar n-1-i, so the first bar is at the top. A range of
    // integers includes its end here: 0..n-1 is n segments.
    let row = |i: usize| n - 1 - i;
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(18)
        .margin_right(28)
        .margin_bottom(12)
        .x_label_area_size(48)
        .y_label_area_size(label_px)
        .build_cartesian_2d(0.0..x_max, (0..n.saturating_sub(1)).into_segmented())?;
    let label_of = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < n => bars[row(*i)].label.clone(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n.max(1))
        .y_label_formatter(&label_of)
        .y_label_style((FONT, 16))
        .x_label_style((FONT, 14))
        .x_label_formatter(&|s| axis_label(*s, x_max))
        .x_desc("wall time (shorter is faster)")
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    chart.draw_series(
        bars.iter()
            .enumerate()
            .filter(|(_, b)| b.seconds.is_finite())
            .map(|(i, b)| {
                let y = row(i);
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (b.seconds, SegmentValue::Exact(y + 1)),
                    ],
                    family_colour(b.family).filled(),
                );
                r.set_margin(8, 8, 0, 0);
                r
            }),
    )?;

    let figure_style = TextStyle::from((FONT, 15).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(
        bars.iter()
            .enumerate()
            .filter(|(_, b)| b.seconds.is_finite())
            .map(|(i, b)| {
                let text = match b.speedup {
                    Some(s) => format!("{}  ·  {s:.2}x", format_seconds(b.seconds)),
                    None => format_seconds(b.seconds),
                };
                Text::new(
                    text,
                    (b.seconds + x_max * 0.01, SegmentValue::CenterOf(row(i))),
                    figure_style.clone(),
                )
            }),
    )?;
    Ok(())
}

/// A tick of the time axis, every tick in the unit that suits the axis's end.
fn axis_label(seconds: f64, axis_end: f64) -> String {
    let (scale, unit) = if axis_end >= 1.0 {
        (1.0, "s")
    } else if axis_end >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "µs")
    };
    let v = seconds * scale;
    let decimals = if axis_end * scale >= 10.0 { 0 } else { 1 };
    format!("{v:.decimals$} {unit}")
}

/// The title, and under it a legend of the families present, in a fixed order.
fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bars: &[Bar],
    title: &str,
) -> DrawResult<DB> {
    area.draw(&Text::new(
        title,
        (20, 16),
        (FONT, 22).into_font().color(&BLACK),
    ))?;
    let mut x = 20;
    for family in [
        Family::Sequential,
        Family::Thread,
        Family::Async,
        Family::Process,
    ] {
        if !bars.iter().any(|b| b.family == family) {
            continue;
        }
        let y = 60;
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 14, y + 7)],
            family_colour(family).filled(),
        ))?;
        let name = family_name(family);
        let style = TextStyle::from((FONT, 15).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(name, (x + 20, y), style))?;
        x += 20 + 9 * name.len() as i32 + 28;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ticks_share_one_unit() {
        assert_eq!(axis_label(0.5, 5.2), "0.5 s");
        assert_eq!(axis_label(4.0, 5.2), "4.0 s");
        assert_eq!(axis_label(20.0, 26.0), "20 s");
        assert_eq!(axis_label(0.05, 0.52), "50 ms");
        assert_eq!(axis_label(0.0, 0.0052), "0.0 ms");
        assert_eq!(axis_label(2e-6, 8e-6), "2.0 µs");
    }

    fn bars() -> Vec<Bar> {
        let bar = |label: &str, seconds, speedup, family| Bar {
            label: label.into(),
            seconds,
            speedup,
            family,
        };
        vec![
            bar("threads", 0.25, Some(3.9), Family::Thread),
            bar("async", 0.5, Some(1.95), Family::Async),
            bar("process-pool", 0.6, Some(1.6), Family::Process),
            bar("sequential", 0.975, Some(1.0), Family::Sequential),
        ]
    }

    fn hex(f: Family) -> String {
        let c = family_colour(f);
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn svg_is_xml_with_a_bar_and_figures_per_approach_and_a_legend() {
        let svg = render(
            &bars(),
            "cpu: is 97 prime? × 4 tasks, pool size 2",
            ImageFormat::Svg,
        )
        .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect();
        for want in [
            "cpu: is 97 prime? × 4 tasks, pool size 2",
            "threads",
            "process-pool",
            "250.0 ms  ·  3.90x",
            "975.0 ms  ·  1.00x",
            "processes", // the legend's name for the process family
            "async",
        ] {
            assert!(
                texts.iter().any(|t| t == want),
                "no text {want:?} in {texts:?}"
            );
        }
        // Each family's colour fills its bar and its legend square: two rects each.
        for f in [
            Family::Thread,
            Family::Async,
            Family::Process,
            Family::Sequential,
        ] {
            let fill = hex(f);
            let rects = doc
                .descendants()
                .filter(|n| {
                    n.has_tag_name("rect")
                        && n.attribute("fill")
                            .is_some_and(|v| v.eq_ignore_ascii_case(&fill))
                })
                .count();
            assert_eq!(rects, 2, "{f:?} {fill}");
        }
    }

    #[test]
    fn png_decodes_at_the_size_given_with_bars_and_text() {
        let png = render(&bars(), "a title", ImageFormat::Png).unwrap();
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .expect("a PNG")
            .to_rgb8();
        assert_eq!(img.dimensions(), size(4));
        for f in [
            Family::Thread,
            Family::Async,
            Family::Process,
            Family::Sequential,
        ] {
            let c = family_colour(f);
            let n = img.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count();
            assert!(n > 500, "{f:?}: {n} pixels of its colour");
        }
        // Text was drawn: dark pixels in the title band, which holds nothing else.
        let dark = (0..img.width())
            .flat_map(|x| (0..40).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&v| v < 80))
            .count();
        assert!(dark > 50, "{dark} dark pixels in the title band");
    }

    #[test]
    fn an_empty_chart_still_draws() {
        for format in [ImageFormat::Svg, ImageFormat::Png] {
            let bytes = render(&[], "nothing ran", format).unwrap();
            assert!(!bytes.is_empty());
        }
        let one = Bar {
            label: "sequential (FAILED)".into(),
            seconds: f64::NAN,
            speedup: None,
            family: Family::Sequential,
        };
        let svg = String::from_utf8(render(&[one], "t", ImageFormat::Svg).unwrap()).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
    }
}
