//! The glue between the command line and the library: each subcommand's flow, and the exit
//! status it ends with.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::bench::{self, Executor, RealExecutor, Stop, mock::MockExecutor};
use crate::cancel::{self, Cancel};
use crate::cli::{Cli, Command, DemosArgs, RunArgs};
use crate::config::{DemosConfig, Format, RunConfig};
use crate::error::UsageError;
use crate::export::{Exporter, chart::ChartExporter, json::JsonExporter};
use crate::machine::Machine;
use crate::output;
use crate::report::Report;

/// Runs the parsed command line and returns the process's exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Run(args)) => run_command(&args),
        Some(Command::Demos(args)) => demos_command(&args),
        Some(Command::List) => list(),
        Some(Command::Worker { parent }) => Ok(crate::worker::child::main(parent)),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "parlab", &mut std::io::stdout());
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
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `parlab run`: measure, then print the table or the JSON document.
pub fn run_command(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let cfg = RunConfig::from_args(args)?;
    let cancel = Cancel::on_signals()?;
    let (executor, machine): (&dyn Executor, Machine) = if cfg.mock {
        (&MockExecutor, Machine::mock())
    } else {
        (&RealExecutor, Machine::detect())
    };
    let mut observer = output::progress::observer(cfg.progress, cfg.pool_size, cfg.ascii);
    let outcome = bench::run_all(&cfg, executor, &cancel, observer.as_mut());
    drop(observer); // its bars are gone before anything else is printed
    let report = Report::build(&cfg, machine, &outcome.measurements);
    print_report(&cfg, &report)?;
    crate::export::visual::write_files(&cfg.visuals, &report)?;
    if let Some((path, format)) = &cfg.chart {
        let bytes = ChartExporter(*format).serialize(&report)?;
        std::fs::write(path, bytes)
            .with_context(|| format!("--chart: could not write {}", path.display()))?;
    }
    Ok(match outcome.stop {
        Some(Stop::Signal(signal)) => {
            eprintln!(
                "parlab: interrupted by signal {signal}; the results above are the approaches that finished"
            );
            ExitCode::from(cancel::exit_status_for(signal))
        }
        Some(Stop::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        None if report.any_unverified() => ExitCode::from(1),
        None => ExitCode::SUCCESS,
    })
}

/// `parlab demos`: each pair's lines as soon as it has run.
fn demos_command(args: &DemosArgs) -> anyhow::Result<ExitCode> {
    let cfg = DemosConfig::from_args(args);
    let cancel = Cancel::on_signals()?;
    let executor: &dyn Executor = if cfg.mock {
        &MockExecutor
    } else {
        &RealExecutor
    };
    if !cfg.mock
        && let Some(note) = crate::demos::busy_note(cfg.logical_cores)
    {
        eprintln!("{note}");
    }
    let mut stdout = std::io::stdout().lock();
    let outcome = crate::demos::run(
        &cfg,
        executor,
        &cancel,
        &mut stdout,
        crate::demos::colour_wanted(),
    )?;
    Ok(match outcome.stop {
        Some(Stop::Signal(signal)) => {
            eprintln!("parlab: interrupted by signal {signal}");
            ExitCode::from(cancel::exit_status_for(signal))
        }
        Some(Stop::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        None if outcome.any_failed() => ExitCode::from(1),
        None => ExitCode::SUCCESS,
    })
}

/// Writes the report to stdout in the configured format.
fn print_report(cfg: &RunConfig, report: &Report) -> anyhow::Result<()> {
    let bytes = match cfg.format {
        Format::Json => JsonExporter.serialize(report)?,
        Format::Table if report.results.is_empty() => return Ok(()),
        Format::Table => {
            let width = output::terminal_width();
            let mut text = output::table::render(report, width);
            text.push('\n');
            text.push_str(&output::bars::render(
                &output::bars::from_report(report),
                width.map_or(80, usize::from),
                cfg.ascii,
            ));
            text.into_bytes()
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&bytes)?;
    if cfg.visuals.timeline_term {
        let width = output::terminal_width().unwrap_or(output::gantt::DEFAULT_WIDTH);
        let gantt = output::gantt::render(report, width);
        // Stdout stays one JSON document under --format json.
        match cfg.format {
            Format::Json => std::io::stderr().lock().write_all(gantt.as_bytes())?,
            Format::Table => stdout.write_all(format!("\n{gantt}").as_bytes())?,
        }
    }
    stdout.flush()?;
    Ok(())
}
