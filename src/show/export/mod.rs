//! Results in formats other tools read: one file per format behind [`Exporter`], which only
//! returns bytes; writing them (to stdout or a file) is `manager`'s business.

#[cfg(feature = "charts")]
#[doc(hidden)]
pub mod chart;
pub mod csv;
#[cfg(feature = "charts")]
pub(crate) mod html;
pub(crate) mod hyperfine;
#[cfg(feature = "charts")]
#[doc(hidden)]
pub mod image;
pub mod json;
pub(crate) mod manager;
pub mod markdown;
#[cfg(feature = "charts")]
pub(crate) mod sweep_chart;
pub(crate) mod sweep_export;
#[cfg(feature = "charts")]
pub(crate) mod timeline;
pub(crate) mod trace;
#[cfg(feature = "charts")]
pub(crate) mod visual;

use crate::judge::report::Report;
pub use crate::show::settings::{ExportFormat, ExportTarget};

/// One export format.
pub trait Exporter {
    /// The report in this format.
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>>;
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
