//! The glue between the command line and the library: each subcommand's flow, and the exit
//! status it ends with.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;

use crate::bench::{self, Executor, RealExecutor, Stop, mock::MockExecutor};
use crate::cancel::{self, Cancel};
use crate::cli::{Cli, Command, DemosArgs, RunArgs, SweepArgs};
use crate::compare::Baseline;
use crate::config::{DemosConfig, Format, RunConfig, SweepConfig};
use crate::error::UsageError;
use crate::export::manager::{ExportManager, LiveExports};
use crate::export::{Exporter, chart::ChartExporter, json::JsonExporter};
use crate::machine::Machine;
use crate::output::{self, progress};
use crate::report::Report;
use crate::say;

/// Runs the parsed command line and returns the process's exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Run(args)) => run_command(&args),
        Some(Command::Sweep(args)) => sweep_command(&args),
        Some(Command::Demos(args)) => demos_command(&args),
        Some(Command::Worker { parent }) => Ok(crate::worker::child::main(parent)),
        Some(Command::List) => list(),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "parlab", &mut script);
            say::out_bytes(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            if !std::io::stdin().is_terminal() {
                return Err(UsageError::NotInteractive.into());
            }
            crate::interactive::run_session()
        }
    }
}

/// `parlab list`: every approach, what it does, its Python counterpart.
fn list() -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let width = crate::approach::REGISTRY
        .iter()
        .map(|a| a.info().id.len())
        .max()
        .unwrap_or(0);
    for a in crate::approach::REGISTRY {
        let i = a.info();
        out.push_str(&format!(
            "{:width$}  {}  [Python: {}]\n",
            i.id, i.summary, i.python
        ));
    }
    say::out_bytes(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The executor and machine: the deterministic mock under `--mock`, else the real ones.
fn executor_and_machine(mock: bool) -> (&'static dyn Executor, Machine) {
    if mock {
        (&MockExecutor, Machine::mock())
    } else {
        (&RealExecutor, Machine::detect())
    }
}

/// The exit status for a finished or stopped run.
fn exit_status(stop: Option<Stop>, any_unverified: bool, what: &str) -> ExitCode {
    match stop {
        Some(Stop::Signal(signal)) => {
            say::err_line(format!("parlab: interrupted by signal {signal}; {what}"));
            ExitCode::from(cancel::exit_status_for(signal))
        }
        Some(Stop::Failed(message)) => {
            // The message may quote a child's words: no control character reaches the terminal.
            say::err_line(format!("error: {}", crate::format::plain(&message)));
            ExitCode::from(1)
        }
        None if any_unverified => ExitCode::from(1),
        None => ExitCode::SUCCESS,
    }
}

/// `parlab run`: measure, then print the table or the JSON document, and write the exports.
pub fn run_command(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let cfg = RunConfig::from_args(args)?;
    let baseline = match &cfg.compare {
        Some(path) => {
            let b = Baseline::load(path)?;
            b.check_matches(&cfg)?;
            Some(b)
        }
        None => None,
    };
    let cancel = Cancel::on_signals()?;
    say::stop_run_on_failure(&cancel);
    let (executor, machine) = executor_and_machine(cfg.mock);
    let exports = ExportManager::new(cfg.exports.clone());
    exports.check_writable(&Report::build(&cfg, machine.clone(), &[]))?;
    let mut observer = (
        progress::observer_for(cfg.progress, cfg.verbose, cfg.pool_size, cfg.ascii),
        LiveExports::new(&cfg, machine.clone(), &exports),
    );
    let outcome = bench::run_all(&cfg, executor, &cancel, &mut observer);
    let (progress, mut live_exports) = observer;
    drop(progress); // its bars are gone before anything else is printed
    if let Some(e) = live_exports.error.take() {
        return Err(e);
    }
    let report = crate::notes::annotate(Report::build(&cfg, machine, &outcome.measurements), &cfg);
    exports.write_files(&report)?;
    print_report(&cfg, &report, baseline.as_ref(), &exports)?;
    crate::export::visual::write_files(&cfg.visuals, &report, None)?;
    if let Some((path, format)) = &cfg.chart {
        let bytes = ChartExporter(*format).serialize(&report)?;
        crate::outfile::write(path, &bytes)
            .with_context(|| format!("--chart: could not write {}", path.display()))?;
    }
    Ok(exit_status(
        outcome.stop,
        report.any_unverified(),
        "the results above are the runs that finished",
    ))
}

/// `parlab sweep`: every pooled approach at every pool size, then the table, chart and fits.
pub fn sweep_command(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let cfg = SweepConfig::from_args(args)?;
    let cancel = Cancel::on_signals()?;
    say::stop_run_on_failure(&cancel);
    let (executor, machine) = executor_and_machine(cfg.run.mock);
    let sizes = cfg.pool_sizes.len();
    let mut on_size = |i: usize, size: usize| {
        say::err_line(format!("— pool size {size} ({} of {sizes})", i + 1));
    };
    let outcome = crate::sweep::run(
        &cfg,
        executor,
        machine,
        &cancel,
        &mut progress::PlainLines::new(cfg.run.verbose),
        &mut on_size,
    );
    if let Some((path, format)) = &cfg.chart
        && !outcome.sweep.points.is_empty()
    {
        crate::export::sweep_chart::write(&outcome.sweep, path, *format)?;
        say::err_line(format!("parlab: chart written to {}", path.display()));
    }
    if let Some(report) = &outcome.last_report {
        crate::export::visual::write_files(&cfg.run.visuals, report, Some(&outcome.sweep))?;
    }
    let bytes = match cfg.run.format {
        Format::Json => {
            let mut b = serde_json::to_vec_pretty(&outcome.sweep)?;
            b.push(b'\n');
            b
        }
        Format::Table if outcome.sweep.points.is_empty() => Vec::new(),
        Format::Table => {
            output::sweep::render(&outcome.sweep, output::terminal_width()).into_bytes()
        }
    };
    say::out_bytes(&bytes)?;
    Ok(exit_status(
        outcome.stop,
        outcome.any_unverified,
        "the results above are the pool sizes that finished",
    ))
}

/// `parlab demos`: each pair's lines as soon as it has run.
fn demos_command(args: &DemosArgs) -> anyhow::Result<ExitCode> {
    let cfg = DemosConfig::from_args(args);
    let cancel = Cancel::on_signals()?;
    say::stop_run_on_failure(&cancel);
    let executor: &dyn Executor = if cfg.mock {
        &MockExecutor
    } else {
        &RealExecutor
    };
    if !cfg.mock
        && let Some(note) = crate::demos::busy_note(cfg.logical_cores)
    {
        say::err_line(note);
    }
    let outcome = crate::demos::run(
        &cfg,
        executor,
        &cancel,
        &mut say::Stdout,
        crate::demos::colour_wanted(),
    )?;
    let any_failed = outcome.any_failed();
    Ok(exit_status(
        outcome.stop,
        any_failed,
        "the pairs above are the ones that finished",
    ))
}

/// Writes the report to stdout in the configured format (the table to stderr when an export
/// takes stdout), then the stdout export.
fn print_report(
    cfg: &RunConfig,
    report: &Report,
    baseline: Option<&Baseline>,
    exports: &ExportManager,
) -> anyhow::Result<()> {
    let bytes = match cfg.format {
        Format::Json => JsonExporter.serialize(report)?,
        Format::Table if report.results.is_empty() => Vec::new(),
        Format::Table => {
            let width = output::terminal_width();
            let mut text = output::table::render_compared(report, baseline, width);
            text.push('\n');
            text.push_str(&output::bars::render(
                &output::bars::from_report(report),
                width.map_or(80, usize::from),
                cfg.ascii,
            ));
            if cfg.visuals.timeline_term {
                let width = width.unwrap_or(output::gantt::DEFAULT_WIDTH);
                text.push('\n');
                text.push_str(&output::gantt::render(report, width));
            }
            text.into_bytes()
        }
    };
    if exports.uses_stdout() {
        say::err_bytes(&bytes)?;
    } else {
        say::out_bytes(&bytes)?;
    }
    if cfg.format == Format::Json && cfg.visuals.timeline_term {
        // Stdout stays one JSON document: the text Gantt goes to stderr.
        let width = output::terminal_width().unwrap_or(output::gantt::DEFAULT_WIDTH);
        say::err_bytes(output::gantt::render(report, width).as_bytes())?;
    }
    if let Some(export) = exports.stdout_bytes(report)? {
        say::out_bytes(&export)?;
    }
    Ok(())
}
