//! The JSON document (`--format json`): the report as it is, keys documented in README.

use super::Exporter;
use crate::report::Report;

/// Pretty-printed JSON of the whole report.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(report)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
