//! Results in formats other tools read: one file per format behind [`Exporter`], which only
//! returns bytes; writing them (to stdout or a file) is the caller's business.

pub mod chart;
#[cfg(test)]
pub mod fixture;
mod glyphs;
pub mod html;
pub mod json;
pub mod timeline;
pub mod trace;
pub mod visual;

use crate::report::Report;

/// One export format.
pub trait Exporter {
    /// The report in this format.
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>>;
}
