//! Where exports go: files, rewritten whole as measured runs finish, and stdout at the end.
//!
//! Each file is written to a temporary file in the same directory and renamed over the target,
//! so a reader (or a Ctrl-C, or a crash) only ever sees a complete document: the previous one or
//! the new one (see [`crate::show::outfile`]). Rewriting as runs finish means little of what was
//! measured is lost to a crash. A rewrite holds every run so far, so rewriting after every run
//! made many short runs quadratic (16,000 runs: minutes): a file is rewritten after a run only
//! when [`MIN_REWRITE_GAP`] has passed since the last rewrite, and [`REWRITE_SHARE`] times as
//! long as that rewrite took, so rewriting costs at most about a tenth of the time; the run's
//! end writes every file once more. Stdout, a device or a FIFO gets its export once, at the
//! end, as hyperfine does.

use std::time::{Duration, Instant};

use super::ExportTarget;
use crate::error::UsageError;
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::plan::Plan;
use crate::run::bench::{Observer, RunMeasurement};
use crate::show::outfile;

/// Every `--export-*` of a run.
#[derive(Debug, Clone, Default)]
pub struct ExportManager {
    targets: Vec<ExportTarget>,
}

impl ExportManager {
    /// The exports to `targets`.
    pub fn new(targets: Vec<ExportTarget>) -> Self {
        Self { targets }
    }

    /// True when an export goes to a file rewritten as runs finish (not stdout, nor a device
    /// or a FIFO, which take one document at the end).
    fn rewrites_files(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.path.as_ref().is_some_and(|p| !outfile::is_stream(p)))
    }

    /// True when an export goes to stdout (then the terminal table goes to stderr).
    pub fn uses_stdout(&self) -> bool {
        self.targets.iter().any(|t| t.path.is_none())
    }

    /// Writes the (still empty) `report` to every file before anything is measured, so that a
    /// file that cannot be written is a usage error, not a surprise at the end.
    pub fn check_writable(&self, report: &Report) -> Result<(), UsageError> {
        for t in &self.targets {
            let Some(path) = t.path.as_ref().filter(|p| !outfile::is_stream(p)) else {
                continue;
            };
            let bytes =
                t.format.exporter().serialize(report).map_err(|e| {
                    UsageError::bad(t.format.flag(), e.to_string(), "report this bug")
                })?;
            outfile::write(path, &bytes).map_err(|e| {
                UsageError::bad(
                    t.format.flag(),
                    format!("cannot write '{}': {e}", path.display()),
                    "give a file in a directory that exists and is writable",
                )
            })?;
        }
        Ok(())
    }

    /// Writes `report` to every file export.
    pub fn write_files(&self, report: &Report) -> anyhow::Result<()> {
        self.write(report, true)
    }

    /// Writes `report` to every file export, and to devices and FIFOs when `streams` (they
    /// take one document, at the end).
    fn write(&self, report: &Report, streams: bool) -> anyhow::Result<()> {
        for t in &self.targets {
            let Some(path) = t
                .path
                .as_ref()
                .filter(|p| streams || !outfile::is_stream(p))
            else {
                continue;
            };
            let bytes = t.format.exporter().serialize(report)?;
            outfile::write(path, &bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{}: cannot write '{}': {e}",
                    t.format.flag(),
                    path.display()
                )
            })?;
        }
        Ok(())
    }

    /// The stdout export of `report`, if there is one.
    pub fn stdout_bytes(&self, report: &Report) -> anyhow::Result<Option<Vec<u8>>> {
        self.targets
            .iter()
            .find(|t| t.path.is_none())
            .map(|t| t.format.exporter().serialize(report))
            .transpose()
    }
}

/// The least time between two rewrites of the export files while runs go on.
pub const MIN_REWRITE_GAP: Duration = Duration::from_millis(500);

/// A rewrite while runs go on waits at least this many times as long as the last one took.
pub const REWRITE_SHARE: u32 = 10;

/// When the next rewrite may happen.
#[derive(Debug, Default, Clone, Copy)]
struct Pace {
    /// None before the first rewrite: the first run is written at once.
    next: Option<Instant>,
}

impl Pace {
    /// Whether a rewrite may happen at `now`.
    fn due(&self, now: Instant) -> bool {
        self.next.is_none_or(|next| now >= next)
    }

    /// A rewrite ran from `started` to `ended`.
    fn wrote(&mut self, started: Instant, ended: Instant) {
        let took = ended.saturating_duration_since(started);
        self.next = Some(ended + MIN_REWRITE_GAP.max(took * REWRITE_SHARE));
    }
}

/// An observer that rewrites every file export as measured runs finish (see the module's
/// documentation for how often).
pub struct LiveExports<'a> {
    cfg: &'a Plan,
    machine: Machine,
    manager: &'a ExportManager,
    measurements: Vec<RunMeasurement>,
    keeper: crate::run::bench::EventKeeper,
    pace: Pace,
    /// The first write that failed; later writes are not tried.
    pub error: Option<anyhow::Error>,
}

impl<'a> LiveExports<'a> {
    /// Exports of runs of `cfg` on `machine` to `manager`'s files.
    pub fn new(cfg: &'a Plan, machine: Machine, manager: &'a ExportManager) -> Self {
        Self {
            cfg,
            machine,
            manager,
            measurements: Vec::new(),
            keeper: crate::run::bench::EventKeeper::new(),
            pace: Pace::default(),
            error: None,
        }
    }
}

impl Observer for LiveExports<'_> {
    fn finished(&mut self, m: &RunMeasurement) {
        if self.error.is_some() || !self.manager.rewrites_files() {
            return;
        }
        self.measurements.push(m.clone());
        let last = self.measurements.len() - 1;
        self.keeper.keep(&mut self.measurements, last);
        let started = Instant::now();
        if !self.pace.due(started) {
            return;
        }
        let report = crate::judge::notes::annotate(
            Report::build(self.cfg, self.machine.clone(), &self.measurements),
            self.cfg,
        );
        if let Err(e) = self.manager.write(&report, false) {
            self.error = Some(e);
        }
        self.pace.wrote(started, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_are_paced() {
        let t0 = Instant::now();
        let mut pace = Pace::default();
        assert!(pace.due(t0), "the first run is written at once");
        // A quick rewrite: the next waits the least gap.
        pace.wrote(t0, t0 + Duration::from_millis(1));
        assert!(!pace.due(t0 + Duration::from_millis(100)));
        assert!(!pace.due(t0 + Duration::from_millis(500)));
        assert!(pace.due(t0 + Duration::from_millis(501)));
        // A slow rewrite (a big document): the next waits ten times as long.
        let t1 = t0 + Duration::from_secs(1);
        pace.wrote(t1, t1 + Duration::from_millis(200));
        assert!(!pace.due(t1 + Duration::from_millis(2100)));
        assert!(pace.due(t1 + Duration::from_millis(2200)));
    }
}
