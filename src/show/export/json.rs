//! The JSON document (`--format json`, `--export-json`): the report, each result with
//! hyperfine's keys beside parlab's (`super::hyperfine`); keys documented in README.

use super::Exporter;
use crate::judge::report::Report;

/// Pretty-printed JSON of the whole report.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, report: &Report) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(&super::hyperfine::RunDocument::of(report))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    fn serialize_sweep(&self, sweep: &super::SweepResults<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        super::sweep_export::json(sweep).map(Some)
    }
}
