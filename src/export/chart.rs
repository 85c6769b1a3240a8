//! The comparison as a chart to keep (`--chart FILE.svg` or `FILE.png`): one horizontal bar
//! per approach, coloured by family, labelled with its time and speedup, under a title that
//! says what ran.
//!
//! [`render`] takes plain [`Bar`]s, the same the terminal chart draws, so that the interactive
//! mode can chart its own runs. Text is drawn with DejaVu Sans from the `dejavu` crate,
//! registered with plotters before anything is drawn: no system font is needed (or used), so a
//! PNG comes out the same on every machine.

use std::sync::Once;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Exporter;
use super::glyphs::TypesetText;
use crate::approach::Family;
use crate::output::bars::{self, Bar};
use crate::output::format_seconds;
use crate::report::Report;
use crate::workload::WorkloadKind;

/// The two chart formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// Scalable vector graphics (text stays text).
    Svg,
    /// A bitmap, [`size`] pixels.
    Png,
}

/// The chart of a report, in one format.
pub struct ChartExporter(pub ChartFormat);

impl Exporter for ChartExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        render(&bars::from_report(report), &title(report), self.0)
    }
}

/// The title of a report's chart: workload, number (or wait), tasks and pool size.
pub fn title(report: &Report) -> String {
    let c = &report.config;
    let what = match c.workload {
        WorkloadKind::Cpu => format!("cpu: is {} prime?", c.number),
        WorkloadKind::Mixed => format!(
            "mixed: is {} prime?, 4 waits of {}",
            c.number,
            format_seconds(c.io_wait_s)
        ),
        WorkloadKind::Io => format!("io: a wait of {}", format_seconds(c.io_wait_s)),
        WorkloadKind::Noop => "noop: nothing".to_string(),
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

/// A family's colour (Okabe–Ito, told apart with colour-blindness too).
pub fn family_colour(family: Family) -> RGBColor {
    match family {
        Family::Sequential => RGBColor(0x80, 0x80, 0x80),
        Family::Thread => RGBColor(0x00, 0x72, 0xB2),
        Family::Async => RGBColor(0xE6, 0x9F, 0x00),
        Family::Process => RGBColor(0xCC, 0x79, 0xA7),
    }
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

/// The font every chart's text uses, as plotters knows it.
const FONT: &str = "sans-serif";

/// Makes DejaVu Sans plotters' sans-serif font (once per process).
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a font shipped in the binary: failing to read them is a build defect.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is unreadable"));
    });
}

/// `bars` drawn as a chart titled `title`, in `format`, top to bottom in the order given.
pub fn render(bars: &[Bar], title: &str, format: ChartFormat) -> anyhow::Result<Vec<u8>> {
    register_fonts();
    let (w, h) = size(bars.len());
    match format {
        ChartFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                draw(&root, bars, title).map_err(|e| anyhow!("drawing the SVG chart: {e}"))?;
            }
            Ok(svg.into_bytes())
        }
        ChartFormat::Png => {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let backend = BitMapBackend::with_buffer(&mut rgb, (w, h));
                let root = TypesetText(backend).into_drawing_area();
                draw(&root, bars, title).map_err(|e| anyhow!("drawing the PNG chart: {e}"))?;
            }
            encode_png(&rgb, (w, h))
        }
    }
}

/// RGB pixels as PNG bytes.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("encoding the PNG chart")?;
    writer
        .write_image_data(rgb)
        .context("encoding the PNG chart")?;
    writer.finish().context("encoding the PNG chart")?;
    Ok(out)
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

/// Height of the band above the plot that holds the title and the legend, px.
const HEADER_PX: u32 = 84;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bars: &[Bar],
    title: &str,
) -> DrawResult<DB::ErrorType> {
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
    root.present()?;
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
) -> DrawResult<DB::ErrorType> {
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
}
