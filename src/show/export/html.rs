//! The HTML report (`--html FILE.html`): one self-contained file to keep or send, with the
//! machine and settings, the comparison table, a bar chart of the wall times, the timeline and
//! the notes.
//!
//! Self-contained means it opens offline and the same everywhere: CSS inline, charts as inline
//! SVG (the bar chart written here, the timeline drawn by [`super::timeline`]), no script, no
//! font or image fetched. Every text that comes from the user or the system (CPU model, OS,
//! approach ids, notes) goes through [`escape`].

use std::fmt::Write as _;

use super::Exporter;
use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::judge::sweep::Sweep;
use crate::plan::approaches::Family;

/// The HTML report exporter: a sweep's is its largest pool size's report with the sweep's
/// section.
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        Ok(render(report, None)?.into_bytes())
    }

    fn serialize_sweep(&self, sweep: &super::SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(last) = sweep.reports.last() else {
            return Ok(None);
        };
        Ok(Some(render(last, Some(sweep.sweep))?.into_bytes()))
    }
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; margin: 2rem auto;
       max-width: 1240px; padding: 0 1rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.subtitle { color: #555; margin-top: 0; }
.headline { font-size: 1.15rem; }
#lesson { background: #f4f8fc; border-left: 4px solid #3a78c2; padding: 0.2rem 1rem 0.4rem; }
#lesson h2 { border-bottom: none; margin-top: 0.8rem; }
.lesson { font-size: 1.05rem; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { font-weight: bold; } dd { margin: 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; }
th { background: #f0f0f0; text-align: left; }
td.num { text-align: right; }
tr.failed td { background: #fde8e8; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 2rem; color: #777; font-size: 0.85rem; }
";

/// The whole document; a sweep adds its chart and fits (`parlab sweep --html`).
pub fn render(report: &Report, sweep: Option<&Sweep>) -> anyhow::Result<String> {
    let c = &report.config;
    let title = format!(
        "parlab report: {} × {} task{}",
        c.work_name(),
        c.tasks,
        if c.tasks == 1 { "" } else { "s" }
    );
    let mut h = String::new();
    writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        h,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        h,
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&title)
    )?;
    writeln!(h, "<h1>{}</h1>", escape(&title))?;
    writeln!(
        h,
        "<p class=\"subtitle\">Every approach ran the same tasks; fastest first.</p>"
    )?;
    headline(&mut h, report)?;
    // What the run shows is read first: the lesson, then the notes, above the figures.
    writeln!(h, "<section id=\"lesson\">\n<h2>What this run shows</h2>")?;
    if let Some(lesson) = &report.lesson {
        writeln!(h, "<p class=\"lesson\">{}</p>", escape(lesson))?;
    }
    writeln!(h, "<ul id=\"notes\">")?;
    for n in &report.notes {
        writeln!(h, "<li>{}</li>", escape(n))?;
    }
    writeln!(h, "</ul>\n</section>")?;
    table(&mut h, report)?;
    writeln!(h, "<section id=\"chart\">\n<h2>Wall time</h2>")?;
    h.push_str(&bar_chart(report));
    writeln!(h, "</section>")?;
    writeln!(h, "<section id=\"timeline\">\n<h2>Timeline</h2>")?;
    writeln!(
        h,
        "<p>One lane per worker, one bar per task; each approach from its own start.</p>"
    )?;
    h.push_str(&super::timeline::svg(report)?);
    writeln!(h, "</section>")?;
    if let Some(sweep) = sweep {
        h.push_str(&sweep_section(sweep)?);
    }
    settings(&mut h, report)?;
    let c = &report.context;
    writeln!(
        h,
        "<footer>Made by parlab {} (built with {}) on {}, {}: <code>{}</code>; {}.</footer>\n</body>\n</html>",
        escape(&report.parlab_version),
        escape(&c.rustc),
        escape(&c.kernel),
        escape(&c.date_time),
        escape(&c.command_line),
        escape(&report.config.repetitions_text()),
    )?;
    Ok(h)
}

/// The sweep's section (`<section id="sweep">…</section>`): speedup against pool size with
/// the ideal and the Amdahl fits, and each approach's fitted parallel fraction.
pub fn sweep_section(sweep: &Sweep) -> anyhow::Result<String> {
    let mut h = String::new();
    writeln!(h, "<section id=\"sweep\">\n<h2>Scaling sweep</h2>")?;
    let sizes: Vec<String> = sweep.pool_sizes.iter().map(usize::to_string).collect();
    writeln!(
        h,
        "<p>Pool sizes {}; the tables above are the largest size's.</p>",
        escape(&sizes.join(", "))
    )?;
    let svg = super::sweep_chart::render(sweep, super::image::ImageFormat::Svg)?;
    h.push_str(&String::from_utf8(svg)?);
    writeln!(h, "<ul class=\"fits\">")?;
    for fit in &sweep.fits {
        let p = match (fit.parallel_fraction, fit.r_squared) {
            (Some(p), Some(r2)) if r2 < crate::judge::sweep::GOOD_FIT_R2 => {
                format!("p = {p:.3}, R² {r2:.2}: Amdahl's law does not fit, not drawn")
            }
            (Some(p), Some(r2)) => format!("p = {p:.3}, R² {r2:.2}"),
            (Some(p), None) => format!("p = {p:.3}"),
            (None, _) => "not fitted".to_string(),
        };
        writeln!(h, "<li>{}: {}</li>", escape(&fit.approach), escape(&p))?;
    }
    writeln!(h, "</ul>\n</section>")?;
    Ok(h)
}

/// The headline figures: the fastest approach, its wall time and speedup.
fn headline(h: &mut String, report: &Report) -> std::fmt::Result {
    let Some(best) = report
        .results
        .iter()
        .filter(|r| r.verified)
        .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))
    else {
        return Ok(());
    };
    let speedup = best.speedup.map_or(String::new(), |x| {
        format!(", {x:.2}x the sequential baseline")
    });
    writeln!(
        h,
        "<p class=\"headline\">Fastest: <strong>{}</strong> in {}{}.</p>",
        escape(&best.approach),
        format_seconds(best.wall_s),
        escape(&speedup)
    )
}

fn settings(h: &mut String, report: &Report) -> std::fmt::Result {
    let m = &report.machine;
    let c = &report.config;
    let mut rows = vec![
        ("CPU", m.cpu_model.clone()),
        (
            "Cores",
            match m.physical_cores {
                Some(p) => format!("{} logical, {p} physical", m.logical_cores),
                None => format!("{} logical", m.logical_cores),
            },
        ),
        ("OS", m.os.clone()),
        (
            "Python",
            m.python
                .as_ref()
                .map_or("not used".to_string(), |p| p.describe()),
        ),
        ("Workload", c.workload.id().to_string()),
        ("Tasks", c.tasks.to_string()),
        ("Pool size", c.pool_size.to_string()),
    ];
    if let Some(func) = &c.py_func {
        rows.push(("Python function", func.clone()));
    }
    let w = c.workload.workload();
    if w.computes() {
        rows.push(("Number", c.number.to_string()));
    }
    if w.waits() {
        rows.push(("One wait", format_seconds(c.io_wait_s)));
    }
    writeln!(
        h,
        "<section id=\"settings\">\n<h2>Machine and settings</h2>\n<dl>"
    )?;
    for (k, v) in rows {
        writeln!(h, "<dt>{k}</dt><dd>{}</dd>", escape(&v))?;
    }
    writeln!(h, "</dl>\n</section>")
}

fn table(h: &mut String, report: &Report) -> std::fmt::Result {
    writeln!(h, "<section id=\"results\">\n<h2>Comparison</h2>")?;
    writeln!(h, "<table id=\"comparison\">\n<thead><tr>")?;
    for col in [
        "approach",
        "wall",
        "speedup",
        "efficiency",
        "CPU time",
        "CPU use",
        "peak memory",
        "verified",
    ] {
        write!(h, "<th>{col}</th>")?;
    }
    writeln!(h, "</tr></thead>\n<tbody>")?;
    for r in &report.results {
        let memory = crate::format::format_peak(r.peak_rss_kib, r.child_peak_rss_kib, " ");
        let verified = if r.verified {
            "yes".to_string()
        } else {
            format!("FAILED: {}", r.problem.as_deref().unwrap_or("unknown"))
        };
        write!(
            h,
            "<tr data-approach=\"{}\"{}>",
            escape(&r.approach),
            if r.verified { "" } else { " class=\"failed\"" }
        )?;
        write!(h, "<td>{}</td>", escape(&r.approach))?;
        for num in [
            format_seconds(r.wall_s),
            r.speedup.map_or("-".into(), |s| format!("{s:.2}x")),
            r.efficiency
                .map_or("-".into(), |e| format!("{:.0}%", e * 100.0)),
            format_seconds(r.cpu_user_s + r.cpu_sys_s),
            format!("{:.0}%", r.cpu_use * 100.0),
            memory,
        ] {
            write!(h, "<td class=\"num\">{}</td>", escape(&num))?;
        }
        writeln!(h, "<td>{}</td></tr>", escape(&verified))?;
    }
    writeln!(h, "</tbody>\n</table>\n</section>")
}

/// The colour of an approach family in the bar chart: [`Family::hex`], the PNG's and SVG's too.
fn family_colour(family: Family) -> String {
    family.hex()
}

/// A horizontal bar per approach, as long as its wall time, coloured by family.
pub fn bar_chart(report: &Report) -> String {
    const W: f64 = 960.0;
    const LABEL_W: f64 = 180.0;
    const VALUE_W: f64 = 170.0;
    const ROW_H: f64 = 30.0;
    let max = report
        .results
        .iter()
        .map(|r| r.wall_s)
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max)
        .max(1e-12);
    let height = ROW_H * report.results.len().max(1) as f64 + 40.0;
    let mut s = format!(
        "<svg id=\"bar-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" \
         viewBox=\"0 0 {W} {height}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\" \
         role=\"img\" aria-label=\"wall time per approach\">\n"
    );
    let bar_w = W - LABEL_W - VALUE_W;
    for (i, r) in report.results.iter().enumerate() {
        let y = 10.0 + i as f64 * ROW_H;
        let len = if r.wall_s.is_finite() {
            (r.wall_s / max * bar_w).max(1.0)
        } else {
            0.0
        };
        let colour = if r.verified {
            family_colour(r.family)
        } else {
            "#d62728".to_string()
        };
        let mut value = format_seconds(r.wall_s);
        if let Some(sp) = r.speedup {
            let _ = write!(value, " · {sp:.2}x");
        }
        if !r.verified {
            value.push_str(" · FAILED");
        }
        let _ = writeln!(
            s,
            "<g class=\"bar\" data-approach=\"{id}\"><title>{id} ({family:?}): {v}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{id}</text>\
             <rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{len:.1}\" height=\"{bh}\" fill=\"{colour}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\">{v}</text></g>",
            id = escape(&r.approach),
            family = r.family,
            v = escape(&value),
            lx = LABEL_W - 8.0,
            ty = y + ROW_H * 0.55,
            bh = ROW_H - 8.0,
            vx = LABEL_W + len + 6.0,
        );
    }
    // A legend of the families.
    let ly = height - 18.0;
    let mut lx = LABEL_W;
    for (name, family) in [
        ("sequential", Family::Sequential),
        ("threads", Family::Thread),
        ("async", Family::Async),
        ("processes", Family::Process),
    ]
    .into_iter()
    .filter(|(_, f)| report.results.iter().any(|r| r.family == *f))
    {
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{ly}\">{name}</text>",
            ly - 10.0,
            family_colour(family),
            lx + 16.0
        );
        lx += 110.0;
    }
    s.push_str("\n</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_and_charts_colour_each_family_alike() {
        use crate::plan::approaches::Family;
        for f in [
            Family::Sequential,
            Family::Thread,
            Family::Async,
            Family::Process,
        ] {
            let c = crate::show::export::chart::family_colour(f);
            let png_svg = format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
            assert_eq!(super::family_colour(f), png_svg, "{f:?}");
        }
    }

    use super::*;

    #[test]
    fn user_and_system_text_is_escaped() {
        let mut report = crate::app::fixture::report();
        report.machine.cpu_model = "<script>alert('x')</script> & co".into();
        report.machine.os = "\"OS\"".into();
        report.notes.push("a < b & c > d".into());
        report.results[0].approach = "<b>bold</b>".into();
        let html = render(&report, None).unwrap();
        assert!(!html.contains("<script>"), "raw script tag");
        assert!(!html.contains("<b>bold</b>"), "raw approach id");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(html.contains("a &lt; b &amp; c &gt; d"));
        assert!(html.contains("&quot;OS&quot;"));
    }

    #[test]
    fn a_python_function_is_named_in_the_title_and_the_settings() {
        let mut report = crate::app::fixture::report();
        report.config.py_func = Some("examples/python/cpu_loop.py:work".into());
        let html = render(&report, None).unwrap();
        assert!(
            html.contains("<title>parlab report: cpu_loop.py:work × 4 tasks</title>"),
            "the title names the function"
        );
        assert!(
            html.contains("<dt>Python function</dt><dd>examples/python/cpu_loop.py:work</dd>"),
            "the settings give it as given"
        );
        let plain = render(&crate::app::fixture::report(), None).unwrap();
        assert!(!plain.contains("Python function"), "absent without one");
    }

    #[test]
    fn self_contained_with_every_section() {
        let report = crate::app::fixture::report();
        let html = render(&report, None).unwrap();
        for needle in [
            "id=\"settings\"",
            "id=\"comparison\"",
            "id=\"bar-chart\"",
            "id=\"timeline\"",
            "id=\"notes\"",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        for r in &report.results {
            assert!(html.contains(&format!("<tr data-approach=\"{}\"", r.approach)));
            assert!(html.contains(&format!(
                "<g class=\"bar\" data-approach=\"{}\"",
                r.approach
            )));
        }
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        assert!(at("class=\"headline\"") < at("What this run shows"));
        assert!(at("What this run shows") < at("id=\"notes\""));
        assert!(
            at("id=\"notes\"") < at("id=\"comparison\""),
            "notes under the figures"
        );
        for remote in ["http://", "https://", "<script", "<link", "@import", "url("] {
            let hits = html.matches(remote).count();
            let namespaces = html.matches("http://www.w3.org/2000/svg").count();
            if remote == "http://" {
                assert_eq!(hits, namespaces, "only SVG namespaces may name a URL");
            } else {
                assert_eq!(hits, 0, "{remote} in a self-contained report");
            }
        }
    }
}
