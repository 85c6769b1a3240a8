//! Writes the timeline and report files a run asked for (`--trace`, `--timeline`, `--html`),
//! each through its [`Exporter`], after the run and outside anything timed.

use anyhow::Context;

use super::Exporter;
use super::html::HtmlExporter;
use super::timeline::TimelineExporter;
use super::trace::TraceExporter;
use crate::judge::report::Report;
use crate::judge::sweep::Sweep;
use crate::show::settings::VisualOutputs;

/// Writes every file `outputs` names; the error says which flag's file failed. A sweep's
/// HTML report gains the sweep's section.
pub fn write_files(
    outputs: &VisualOutputs,
    report: &Report,
    sweep: Option<&Sweep>,
) -> anyhow::Result<()> {
    let mut jobs: Vec<(&str, &std::path::Path, Box<dyn Exporter + '_>)> = Vec::new();
    if let Some(path) = &outputs.trace {
        jobs.push(("--trace", path, Box::new(TraceExporter)));
    }
    if let Some((path, format)) = &outputs.timeline {
        jobs.push((
            "--timeline",
            path,
            Box::new(TimelineExporter { format: *format }),
        ));
    }
    if let Some(path) = &outputs.html {
        jobs.push(("--html", path, Box::new(HtmlExporter { sweep })));
    }
    for (flag, path, exporter) in jobs {
        let bytes = exporter
            .serialize(report)
            .with_context(|| format!("could not make the {flag} file"))?;
        crate::show::outfile::write(path, &bytes)
            .with_context(|| format!("could not write the {flag} file '{}'", path.display()))?;
    }
    Ok(())
}
