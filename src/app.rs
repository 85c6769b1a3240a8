//! The glue between the command line and the library: each subcommand's flow, and the exit
//! status it ends with.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::bench::{
    self, Executor, Observer, RealExecutor, RunMeasurement, Stop, mock::MockExecutor,
};
use crate::cancel::{self, Cancel};
use crate::cli::{Cli, Command, RunArgs};
use crate::config::{Format, RunConfig};
use crate::error::UsageError;
use crate::export::{Exporter, json::JsonExporter};
use crate::machine::Machine;
use crate::output::{self, format_kib, format_seconds};
use crate::report::Report;

/// Runs the parsed command line and returns the process's exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Run(args)) => run_command(&args),
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
            // The interactive mode comes with its own issue; until then, say what to run.
            Err(UsageError::NotInteractive.into())
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

/// Prints one plain line on stderr per finished approach.
struct PlainLines;

impl Observer for PlainLines {
    fn finished(&mut self, m: &RunMeasurement) {
        let check = if m.verified {
            "verified".to_string()
        } else {
            format!("FAILED: {}", m.problem.as_deref().unwrap_or(""))
        };
        eprintln!(
            "{:<20} {:>10}  peak {:>9}  {check}",
            m.approach,
            format_seconds(m.wall_s),
            format_kib(m.peak_rss_kib)
        );
    }
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
    let outcome = bench::run_all(&cfg, executor, &cancel, &mut PlainLines);
    let report = Report::build(&cfg, machine, &outcome.measurements);
    print_report(&cfg, &report)?;
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

/// Writes the report to stdout in the configured format.
fn print_report(cfg: &RunConfig, report: &Report) -> anyhow::Result<()> {
    let bytes = match cfg.format {
        Format::Json => JsonExporter.serialize(report)?,
        Format::Table if report.results.is_empty() => return Ok(()),
        Format::Table => output::table::render(report, output::terminal_width()).into_bytes(),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&bytes)?;
    stdout.flush()?;
    Ok(())
}
