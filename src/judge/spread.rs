//! Notes on how far the repeated runs can be trusted: outlier runs, a noisy machine, a slow
//! first run, too few runs to show a spread.
//!
//! Kept apart from [`crate::judge::notes`] (which explains what the figures mean) because these explain
//! how sure the figures are.

use crate::format::{first_few, format_seconds};
use crate::judge::report::Report;
use crate::plan::vocabulary::{Setting, Vocabulary};

/// Above this coefficient of variation the machine looks noisy.
pub const NOISY_CV: f64 = 0.05;
/// A first run this much slower than the median of the rest is worth a note.
pub const SLOW_FIRST_RUN: f64 = 1.2;

/// How many approaches a note names before "and N more".
const SHOWN: usize = 3;

/// Who else ran, in words, when other programs kept more than a tenth of the cores busy
/// ([`crate::judge::claims::check::BUSY_SHARE`]): "other programs kept 45% of the 2 cores busy"
/// (or "up to 30% … in one run"), so that a spread is put down to them and not to parlab's
/// own warm-up.
fn others(report: &Report) -> Option<String> {
    let share = crate::judge::claims::check::busy_share(&report.load)?;
    let cores = report.machine.logical_cores;
    Some(if share > crate::judge::claims::check::BUSY_SHARE {
        format!(
            "other programs kept {:.0}% of the {cores} cores busy during these runs",
            share * 100.0
        )
    } else {
        format!(
            "other programs kept up to {:.0}% of the {cores} cores busy during one of these runs",
            report.load.busiest_run_share.unwrap_or(share) * 100.0
        )
    })
}

/// "; close them, or add --wait-idle" after who else ran, in `words` (only "close them" where
/// the front end cannot wait for an idle machine).
pub fn close_them(words: Vocabulary) -> String {
    match words.name(Setting::WaitIdle) {
        Some(wait_idle) => format!("close them, or add {wait_idle}"),
        None => "close them".to_string(),
    }
}

/// The notes on the spread of `report`'s runs, their advice in `words`. On a busy machine the
/// spread is put down to the other programs, with their share, and no note asks for more
/// warm-up runs.
pub fn notes(report: &Report, words: Vocabulary) -> Vec<String> {
    let mut notes = Vec::new();
    let others = others(report);
    let verified: Vec<_> = report.results.iter().filter(|r| r.verified).collect();

    let few: Vec<_> = verified.iter().filter(|r| r.runs.len() < 3).collect();
    if let Some(fewest) = few.iter().map(|r| r.runs.len()).min() {
        notes.push(format!(
            "{} measured run{} of {}: too few to show a spread; add {} or more",
            fewest,
            if fewest == 1 { "" } else { "s" },
            first_few(
                &few.iter().map(|r| r.approach.clone()).collect::<Vec<_>>(),
                SHOWN
            ),
            words
                .with(Setting::Runs, 3)
                .unwrap_or_else(|| "3 runs".into())
        ));
    }

    let noisy: Vec<String> = verified
        .iter()
        .filter(|r| r.runs.len() >= 3 && r.wall_cv > NOISY_CV)
        .map(|r| format!("{} {:.1}%", r.approach, r.wall_cv * 100.0))
        .collect();
    if !noisy.is_empty() {
        let why = match &others {
            Some(o) => format!("{o}; {}", close_them(words)),
            None => format!(
                "close other programs or add {}",
                words.name(Setting::Runs).unwrap_or("runs")
            ),
        };
        notes.push(format!(
            "the machine looks noisy: run times varied by more than {:.0}% (coefficient of \
             variation: {}); {why}",
            NOISY_CV * 100.0,
            first_few(&noisy, SHOWN)
        ));
    }

    let outliers: Vec<String> = verified
        .iter()
        .filter_map(|r| {
            let flagged: Vec<(usize, f64)> = r
                .runs
                .iter()
                .enumerate()
                .filter(|(_, run)| run.outlier)
                .map(|(i, run)| (i, run.wall_s))
                .collect();
            let (worst_i, worst_s) = flagged
                .iter()
                .copied()
                .max_by(|a, b| (a.1 - r.wall_s).abs().total_cmp(&(b.1 - r.wall_s).abs()))?;
            let which = if flagged.len() == 1 {
                format!("run {}", worst_i + 1)
            } else {
                format!(
                    "{} of {} runs, the farthest run {}",
                    flagged.len(),
                    r.runs.len(),
                    worst_i + 1
                )
            };
            Some(format!(
                "{} {which} ({} against a median of {})",
                r.approach,
                format_seconds(worst_s),
                format_seconds(r.wall_s)
            ))
        })
        .collect();
    if !outliers.is_empty() {
        let why = match &others {
            Some(o) => o.clone(),
            None => "something else may have run then".to_string(),
        };
        notes.push(format!(
            "outlier runs (modified Z-score above 3.5): {}; {why} (the medians are robust to \
             them)",
            first_few(&outliers, SHOWN)
        ));
    }

    let slow_first: Vec<String> = verified
        .iter()
        .filter(|r| r.runs.len() >= 3)
        .filter_map(|r| {
            let rest: Vec<f64> = r.runs[1..].iter().map(|x| x.wall_s).collect();
            let ratio = r.runs[0].wall_s / crate::stats::median(&rest);
            (ratio > SLOW_FIRST_RUN).then(|| format!("{} {ratio:.2}x", r.approach))
        })
        .collect();
    if !slow_first.is_empty() {
        let why = match &others {
            Some(o) => format!("{o}; {}", close_them(words)),
            None => format!(
                "caches, page faults or lazily started machinery; add (more) {} runs",
                words.name(Setting::Warmup).unwrap_or("warm-up")
            ),
        };
        notes.push(format!(
            "the first measured run was much slower than the rest ({}): {why}",
            first_few(&slow_first, SHOWN)
        ));
    }
    notes
}
