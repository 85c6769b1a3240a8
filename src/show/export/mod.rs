//! Results in formats other tools read: one file per format behind [`Exporter`], which only
//! returns bytes, and one list of the files a run or a sweep writes (`targets`), which does the
//! file and stdout I/O for every one of them.
//!
//! A new output is one file here (an [`Exporter`]: a run's bytes, and a sweep's where they
//! differ from its largest pool size's report) and one line in `targets::Targets::new` (the
//! flag and the path the settings give it).

#[cfg(feature = "charts")]
pub(crate) mod chart;
pub mod csv;
#[cfg(feature = "charts")]
pub(crate) mod html;
pub(crate) mod hyperfine;
#[cfg(feature = "charts")]
pub(crate) mod image;
pub mod json;
pub mod markdown;
#[cfg(feature = "charts")]
pub(crate) mod sweep_chart;
pub(crate) mod sweep_export;
pub(crate) mod targets;
#[cfg(feature = "charts")]
pub(crate) mod timeline;
pub(crate) mod trace;

use crate::judge::report::Report;
use crate::judge::sweep::Sweep;
pub use crate::show::settings::{ExportFormat, ExportTarget};

/// One output format: its bytes for a run's report, and for a sweep.
pub trait Exporter {
    /// The report in this format.
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>>;

    /// A sweep in this format, or `None` when there is nothing to write. By default the report
    /// of its largest pool size (what the timeline, the trace and the HTML report show); the
    /// data exports list every pool size, the chart draws speedup against pool size.
    fn serialize_sweep(&self, sweep: &SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        sweep.reports.last().map(|r| self.serialize(r)).transpose()
    }
}

/// A reference to an exporter is one (the data formats' exporters are `&'static`).
impl<T: Exporter + ?Sized> Exporter for &T {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        (**self).serialize(report)
    }

    fn serialize_sweep(&self, sweep: &SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        (**self).serialize_sweep(sweep)
    }
}

/// A sweep's results as its exports see them; made by `parlab sweep`.
pub struct SweepResults<'a> {
    /// The summary: points, fits and notes.
    pub(crate) sweep: &'a Sweep,
    /// Every pool size's report, in the order measured (ascending).
    pub(crate) reports: &'a [Report],
    /// The approaches the data exports hold, in the order asked for
    /// ([`sweep_export::exported_approaches`]).
    pub(crate) approaches: Vec<String>,
}

impl<'a> SweepResults<'a> {
    /// The results of `sweep`, from its `reports`; the data exports list the sequential
    /// baseline only `with_baseline` (`--approach` named it).
    pub(crate) fn new(sweep: &'a Sweep, reports: &'a [Report], with_baseline: bool) -> Self {
        Self {
            sweep,
            reports,
            approaches: sweep_export::exported_approaches(reports, with_baseline),
        }
    }

    /// The same results, the data exports holding approach `id` alone.
    pub(crate) fn only(&self, id: &str) -> Self {
        Self {
            approaches: vec![id.to_string()],
            ..*self
        }
    }
}

impl ExportFormat {
    /// The single place a format becomes its exporter.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Self::Json => &json::JsonExporter,
            Self::Csv => &csv::CsvExporter,
            Self::Markdown => &markdown::MarkdownExporter,
        }
    }
}
