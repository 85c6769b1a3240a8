//! `--chart FILE.svg|png`, and the chart renderer the interactive mode reuses.

use parlab::run::approach::Family;
use parlab::show::export::chart::{family_colour, render, size};
use parlab::show::export::image::ImageFormat;
use parlab::show::output::bars::Bar;

use super::{parlab, text};

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
fn run_writes_the_chart_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["c.svg", "c.png"] {
        let path = dir.path().join(name);
        let out = parlab()
            .args(["run", "--mock", "--tasks", "4", "--chart"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with("svg") {
            let svg = String::from_utf8(bytes).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let title = "cpu: is 834238027356431 prime? × 4 tasks, pool size 2";
            assert!(
                doc.descendants()
                    .any(|n| n.text().map(str::trim) == Some(title)),
                "{svg}"
            );
        } else {
            let img = image::load_from_memory(&bytes).unwrap();
            assert_eq!(
                (img.width(), img.height()),
                size(crate::common::all_count())
            );
        }
    }
}

#[test]
fn a_bad_chart_path_is_a_usage_error() {
    for (path, says) in [
        ("c.jpg", "neither .svg nor .png"),
        ("/no/such/dir/c.svg", "does not exist"),
    ] {
        let out = parlab()
            .args(["run", "--mock", "--chart", path])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: --chart: ") && err.contains(says),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
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
