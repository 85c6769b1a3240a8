//! `parlab floor`: prints the floors measured now, or runs the regression check on saved
//! reports (see `judge::perf_check`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::error::UsageError;
use crate::format::format_seconds;
use crate::judge::perf_check::{self as check, Committed};

/// What `parlab floor` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The committed figures to hold the reports to (None: just measure the floors).
    pub check: Option<PathBuf>,
    /// The saved reports of one attempt's noop runs.
    pub noop: Vec<PathBuf>,
    /// The saved report of a run of waiting tasks.
    pub io: Option<PathBuf>,
    /// Where to save this attempt's figures, for a later attempt.
    pub save: Option<PathBuf>,
    /// The figures earlier attempts saved.
    pub earlier: Vec<PathBuf>,
    /// Record the figures measured now instead of checking them.
    pub write: bool,
    /// JSON on stdout instead of a table.
    pub json: bool,
}

/// Runs `parlab floor`.
pub fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    match &settings.check {
        Some(committed) if !settings.noop.is_empty() => check(settings, committed),
        _ => measure(settings.json),
    }
}

/// Measures and prints the floors.
fn measure(json: bool) -> anyhow::Result<ExitCode> {
    let mut floors = crate::run::floor::measure(crate::run::floor::FLOOR_BUDGET);
    // The Python approaches' floor, with the python3 on the PATH (a run uses its own).
    floors.extend(crate::run::floor::measure_python(
        Path::new("python3"),
        crate::run::floor::FLOOR_BUDGET,
    ));
    if json {
        let doc = serde_json::json!({ "floors": floors });
        crate::say::out_line(serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    crate::say::out_line(
        "floor                per operation  what one operation is (under which approaches)",
    );
    for f in &floors {
        let users: Vec<&str> = crate::run::approach::REGISTRY
            .iter()
            .map(|a| a.info().id)
            .filter(|id| {
                let this = Some(f.id.as_str());
                crate::run::floor::floor_of(id) == this || crate::run::floor::held_to(id) == this
            })
            .collect();
        let under = match users.is_empty() {
            true => String::new(),
            false => format!(" ({})", users.join(", ")),
        };
        crate::say::out_line(format!(
            "{:<20} {:>13}  {}{under}",
            f.id,
            format_seconds(f.per_op_s),
            f.what
        ));
    }
    if crate::run::floor::find(&floors, crate::run::floor::PYTHON_CALL).is_none() {
        crate::say::out_line(format!(
            "{:<20} {:>13}  not timed: no python3 on the PATH ran parlab's driver (py-sequential)",
            crate::run::floor::PYTHON_CALL,
            "-"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a JSON file given on the command line; a file that cannot be read or is not the JSON
/// expected is a usage error (exit status 2) naming the flag.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, flag: &'static str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError::bad(
            flag,
            format!("cannot read '{}': {e}", path.display()),
            "give a file that scripts/perf-check wrote",
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        UsageError::bad(
            flag,
            format!("'{}' is not the JSON expected: {e}", path.display()),
            "give a file that scripts/perf-check wrote",
        )
        .into()
    })
}

/// Holds the saved reports to the committed figures (or records them, with `write`).
fn check(settings: &Settings, committed_path: &Path) -> anyhow::Result<ExitCode> {
    let mut committed: Committed = read_json(committed_path, "--check")?;
    let noops = settings
        .noop
        .iter()
        .map(|p| read_json(p, "--noop"))
        .collect::<anyhow::Result<Vec<serde_json::Value>>>()?;
    let io: Option<serde_json::Value> = match &settings.io {
        Some(p) => Some(read_json(p, "--io")?),
        None => None,
    };
    let now = check::figures(&noops, io.as_ref()).map_err(|e| anyhow::anyhow!("--noop: {e}"))?;
    if let Some(save) = &settings.save {
        let text = serde_json::to_string_pretty(&now)? + "\n";
        std::fs::write(save, text)
            .with_context(|| format!("--save: could not write {}", save.display()))?;
    }
    let mut attempts = settings
        .earlier
        .iter()
        .map(|p| read_json(p, "--earlier"))
        .collect::<anyhow::Result<Vec<std::collections::BTreeMap<String, f64>>>>()?;
    attempts.push(now);
    if settings.write {
        committed.figures = check::typical(&attempts);
        let text = serde_json::to_string_pretty(&committed)? + "\n";
        std::fs::write(committed_path, text)
            .with_context(|| format!("--check: could not write {}", committed_path.display()))?;
        crate::say::out_line(format!(
            "wrote {} figures to {}",
            committed.figures.len(),
            committed_path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let verdicts = check::settle(&attempts, &committed);
    if settings.json {
        let doc: Vec<_> = verdicts
            .iter()
            .map(|v| {
                serde_json::json!({
                    "figure": v.name, "committed": v.committed, "now": v.now, "ok": v.ok
                })
            })
            .collect();
        crate::say::out_line(serde_json::to_string_pretty(&doc)?);
    } else {
        crate::say::out_line(format!(
            "perf check against {} ({}), attempt {}",
            committed_path.display(),
            committed.machine,
            attempts.len()
        ));
        for line in check::render(&verdicts, &committed) {
            crate::say::out_line(line);
        }
    }
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    if failed > 0 {
        crate::say::err_line(format!(
            "parlab floor: {failed} figure(s) grew past their margin in {}: find the cause, or \
             if the change is meant, record the new figures with --write and say why in the commit",
            match attempts.len() {
                1 => "this attempt".to_string(),
                n => format!("all {n} attempts"),
            }
        ));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
