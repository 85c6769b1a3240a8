//! How results are shown and where they are saved, as the front end chose: the stdout format,
//! the exports and pictures asked for. Nothing that measures or judges reads these.

use std::path::{Path, PathBuf};

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

/// The two image formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics (text stays text).
    Svg,
    /// A PNG bitmap.
    Png,
}

impl ImageFormat {
    /// The format a file name's extension asks for (`.svg`, `.png`, any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(Self::Svg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }
}

/// How results go to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A comparison table and notes.
    Table,
    /// One JSON document, nothing else on stdout.
    Json,
}

/// The timeline and report outputs of a run (`--trace`, `--timeline`, `--timeline-term`,
/// `--html`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisualOutputs {
    /// Where to write the Chrome trace.
    pub trace: Option<PathBuf>,
    /// Where to draw the Gantt chart, and in which format.
    pub timeline: Option<(PathBuf, ImageFormat)>,
    /// Print the text Gantt after the results.
    pub timeline_term: bool,
    /// Where to write the HTML report.
    pub html: Option<PathBuf>,
}
