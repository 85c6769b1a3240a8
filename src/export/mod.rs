//! Results in formats other tools read: one file per format behind [`Exporter`], which only
//! returns bytes; writing them (to stdout or a file) is [`manager`]'s business.

pub mod chart;
pub mod csv;
#[cfg(test)]
pub mod fixture;
pub mod html;
pub mod image;
pub mod json;
pub mod manager;
pub mod markdown;
pub mod sweep_chart;
pub mod timeline;
pub mod trace;
pub mod visual;

use crate::report::Report;

/// One export format.
pub trait Exporter {
    /// The report in this format.
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>>;
}

/// The formats `--export-*` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `--export-json`: the whole report.
    Json,
    /// `--export-csv`: one row per approach.
    Csv,
    /// `--export-markdown`: a table for a README or an issue.
    Markdown,
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

    /// The flag that asks for it.
    pub fn flag(self) -> &'static str {
        match self {
            Self::Json => "--export-json",
            Self::Csv => "--export-csv",
            Self::Markdown => "--export-markdown",
        }
    }
}

/// Where one export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// The format.
    pub format: ExportFormat,
    /// The file, or `None` for stdout (`-`).
    pub path: Option<std::path::PathBuf>,
}
