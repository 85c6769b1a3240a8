//! Reports for exporter tests, made by the deterministic mock executor through the real
//! configuration, scheduler and report code, so they are exact and realistic.

use clap::Parser;

use crate::app::cli::{Cli, Command};
use crate::app::config::RunConfig;
use crate::cancel::Cancel;
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::run::bench::{self, mock::MockExecutor};

/// The checked configuration of `parlab run --mock ARGS`.
pub fn config_for(args: &[&str]) -> crate::plan::Plan {
    let argv = ["parlab", "run", "--mock"].iter().chain(args);
    let Some(Command::Run(run)) = Cli::try_parse_from(argv).expect("valid args").command else {
        unreachable!("a run command")
    };
    RunConfig::from_args(&run).expect("valid config").plan
}

/// The mock report of `parlab run --mock ARGS`.
pub fn report_for(args: &[&str]) -> Report {
    let cfg = config_for(args);
    let outcome = bench::run_all(&cfg, &MockExecutor, &Cancel::new(), &mut bench::Quiet);
    crate::judge::notes::annotate(
        Report::build(&cfg, Machine::mock(), &outcome.measurements),
        &cfg,
    )
}

/// Mixed work, 4 tasks, a pool of 2, every approach.
pub fn report() -> Report {
    report_for(&["--workload", "mixed", "--tasks", "4", "--pool-size", "2"])
}
