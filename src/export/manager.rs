//! Where exports go: files, rewritten whole after every measured run, and stdout at the end.
//!
//! Each file is written to a temporary file in the same directory and renamed over the target,
//! so a reader (or a Ctrl-C, or a crash) only ever sees a complete document: the previous one or
//! the new one. Writing after every run means nothing already measured is lost. Stdout gets its
//! export once, at the end, as hyperfine does.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::ExportTarget;
use crate::bench::{Observer, RunMeasurement};
use crate::config::RunConfig;
use crate::error::UsageError;
use crate::machine::Machine;
use crate::report::Report;

/// A temporary name beside `path` that keeps its extension (some writers go by it).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!(".{name}.{}.tmp{ext}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.flush()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

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
            let Some(path) = &t.path else { continue };
            let bytes =
                t.format.exporter().serialize(report).map_err(|e| {
                    UsageError::bad(t.format.flag(), e.to_string(), "report this bug")
                })?;
            write_atomically(path, &bytes).map_err(|e| {
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
        for t in &self.targets {
            let Some(path) = &t.path else { continue };
            let bytes = t.format.exporter().serialize(report)?;
            write_atomically(path, &bytes).map_err(|e| {
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
    cfg: &'a RunConfig,
    machine: Machine,
    manager: &'a ExportManager,
    measurements: Vec<RunMeasurement>,
    /// The first write that failed; later writes are not tried.
    pub error: Option<anyhow::Error>,
}

impl<'a> LiveExports<'a> {
    /// Exports of runs of `cfg` on `machine` to `manager`'s files.
    pub fn new(cfg: &'a RunConfig, machine: Machine, manager: &'a ExportManager) -> Self {
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
        crate::bench::keep_representative_events(&mut self.measurements, &m.approach);
        if self.error.is_some() {
            return;
        }
        let report = crate::notes::annotate(
            Report::build(self.cfg, self.machine.clone(), &self.measurements),
            self.cfg,
        );
        if let Err(e) = self.manager.write_files(&report) {
            self.error = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
        assert!(temp_path(&path).to_string_lossy().ends_with(".tmp.json"));
        let missing = dir.path().join("no-such-dir").join("out.json");
        assert!(write_atomically(&missing, b"x").is_err());
    }
}
