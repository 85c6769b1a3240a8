//! The sweep on the terminal: a table of every pool size and approach, the Amdahl's-law fits,
//! and a text chart of speedup against pool size.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::format::{format_speedup, format_spread};
use crate::judge::sweep::Sweep;

/// The sweep's table, fits, chart and notes as text, `width` columns wide at most.
pub fn render(sweep: &Sweep, width: Option<u16>) -> String {
    let c = &sweep.config;
    let mut out = format!(
        "sweep: {}, pool sizes {}, on {} ({} logical cores)\n",
        c.work_text(),
        sweep
            .pool_sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        sweep.machine.cpu_model,
        sweep.machine.logical_cores,
    );
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table.set_header([
        "pool size",
        "approach",
        "wall (median ± σ)",
        "speedup (range)",
        "ideal",
        "efficiency",
        "verified",
    ]);
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    for (i, &size) in sweep.pool_sizes.iter().enumerate() {
        for p in sweep.points.iter().filter(|p| p.pool_size == size) {
            let speedup = format_speedup(p.speedup, p.speedup_min, p.speedup_max);
            table.add_row([
                right(size.to_string()),
                Cell::new(&p.approach),
                right(format_spread(p.wall_s, p.wall_s_stddev, p.runs)),
                right(speedup),
                right(
                    p.ideal
                        .or(sweep.ideal.get(i).copied())
                        .map_or("-".into(), |x| format!("{x:.2}x")),
                ),
                right(
                    p.efficiency
                        .map_or("-".into(), |e| format!("{:.0}%", e * 100.0)),
                ),
                Cell::new(if p.verified { "yes" } else { "FAILED" }),
            ]);
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');
    let fits: Vec<String> = sweep
        .fits
        .iter()
        .map(|f| match (f.parallel_fraction, f.r_squared) {
            (Some(p), Some(r2)) => format!("{} p = {:.3} (R² {r2:.2})", f.approach, p),
            (Some(p), None) => format!("{} p = {:.3}", f.approach, p),
            (None, _) => format!("{} (no size beyond one worker)", f.approach),
        })
        .collect();
    if !fits.is_empty() {
        out.push_str(&format!(
            "Amdahl's law fit, S(n) = 1 / ((1 − p) + p / n) with n = the workers that can run at once: {}\n",
            fits.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&chart(sweep, width.unwrap_or(80).min(100) as usize));
    for n in &sweep.notes {
        out.push_str("• ");
        out.push_str(n);
        out.push('\n');
    }
    out
}

/// Speedup against pool size as horizontal bars, one group per size, with the ideal marked `│`.
pub fn chart(sweep: &Sweep, width: usize) -> String {
    let name_w = sweep
        .approaches()
        .iter()
        .map(|a| a.len())
        .max()
        .unwrap_or(0);
    let label_w = format!("pool {}", sweep.pool_sizes.last().copied().unwrap_or(1)).len();
    // "label  name  bar  12.34x"
    let bar_w = width.saturating_sub(label_w + name_w + 12).max(10);
    let top = sweep
        .points
        .iter()
        .flat_map(|p| [p.speedup, p.ideal])
        .flatten()
        .chain(sweep.ideal.iter().copied())
        .fold(1.0, f64::max);
    let cells = |s: f64| ((s / top) * bar_w as f64).round() as usize;
    let mut out = format!(
        "speedup over sequential by pool size (│ marks the ideal, {top:.1}x is the full bar)\n"
    );
    for (i, &size) in sweep.pool_sizes.iter().enumerate() {
        let size_ideal = sweep.ideal.get(i).copied();
        for (j, p) in sweep
            .points
            .iter()
            .filter(|p| p.pool_size == size)
            .enumerate()
        {
            let label = if j == 0 {
                format!("pool {size}")
            } else {
                String::new()
            };
            let filled = p.speedup.map_or(0, cells).min(bar_w);
            let ideal = p.ideal.or(size_ideal).map(|x| cells(x).min(bar_w));
            let mut bar: Vec<char> = (0..bar_w)
                .map(|k| if k < filled { '█' } else { ' ' })
                .collect();
            if let Some(ideal) = ideal.filter(|&x| x > 0 && x <= bar_w) {
                let k = ideal - 1;
                bar[k] = if k < filled { '▌' } else { '│' };
            }
            let bar: String = bar.into_iter().collect();
            out.push_str(&format!(
                "{label:<label_w$}  {:<name_w$}  {}  {}\n",
                p.approach,
                bar.trim_end(),
                p.speedup.map_or("-".into(), |s| format!("{s:.2}x"))
            ));
        }
    }
    out
}
