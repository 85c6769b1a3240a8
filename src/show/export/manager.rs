//! Where exports go: files, rewritten whole after every measured run, and stdout at the end.
//!
//! Each file is written to a temporary file in the same directory and renamed over the target,
//! so a reader (or a Ctrl-C, or a crash) only ever sees a complete document: the previous one or
//! the new one (see [`crate::show::outfile`]). Writing after every run means nothing already measured
//! is lost. Stdout, a device or a FIFO gets its export once, at the end, as hyperfine does.

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

/// An observer that rewrites every file export after each measured run.
pub struct LiveExports<'a> {
    cfg: &'a Plan,
    machine: Machine,
    manager: &'a ExportManager,
    measurements: Vec<RunMeasurement>,
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
            error: None,
        }
    }
}

impl Observer for LiveExports<'_> {
    fn finished(&mut self, m: &RunMeasurement) {
        self.measurements.push(m.clone());
        crate::run::bench::keep_representative_events(&mut self.measurements, &m.approach);
        if self.error.is_some() {
            return;
        }
        let report = crate::judge::notes::annotate(
            Report::build(self.cfg, self.machine.clone(), &self.measurements),
            self.cfg,
        );
        if let Err(e) = self.manager.write(&report, false) {
            self.error = Some(e);
        }
    }
}
