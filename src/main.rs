//! The parlab binary: parse, run, map the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;
use parlab::say::WriteStatus;

/// A refused allocation ends parlab with a message naming the limit, not an abort.
#[global_allocator]
static ALLOC: parlab::machine::oom::Guarded = parlab::machine::oom::Guarded;

fn main() -> ExitCode {
    // A worker process starts once per task under `process`: it skips clap (see `fast_args`).
    let args: Vec<_> = std::env::args_os().collect();
    if let Some(parent) = parlab::run::worker::child::fast_args(&args) {
        return parlab::run::worker::child::main(parent, None);
    }
    // A cluster process of approach cluster (see parlab::run::cluster).
    if let Some(cluster) = parlab::run::cluster::child::fast_args(&args) {
        return parlab::run::cluster::child::main(cluster, None);
    }
    // A cluster process on another host, joining parlab (see parlab::run::cluster::join).
    if let Some(join) = parlab::run::cluster::join::fast_args(&args) {
        return parlab::run::cluster::join::main(join);
    }
    if args
        .get(1)
        .is_some_and(|a| a == parlab::run::cluster::child::COMMAND)
    {
        return parlab::run::cluster::join::usage();
    }
    // The small process that starts each --command (see parlab::run::shell).
    if let Some(command) = parlab::run::shell::helper_args(&args) {
        return parlab::run::shell::helper_main(command);
    }
    let cli = parlab::app::cli::Cli::parse_from(args);
    let result = parlab::app::run(cli);
    // A failed write to stdout or stderr decides the status: a reader that stopped reading
    // (e.g. `parlab list | head -1`) is not an error, but it does not hide one (an approach
    // that FAILED still makes the status non-zero); any other failure is one message.
    match parlab::say::status() {
        WriteStatus::Closed => {
            return match result {
                Ok(code) => code,
                Err(e) if parlab::say::is_broken_pipe(&e) => ExitCode::SUCCESS,
                Err(e) if e.downcast_ref::<parlab::error::UsageError>().is_some() => {
                    ExitCode::from(2)
                }
                Err(_) => ExitCode::from(1),
            };
        }
        WriteStatus::Failed(message) => {
            parlab::say::report_error(format!("error: {message}"));
            return ExitCode::from(1);
        }
        WriteStatus::Fine => {}
    }
    match result {
        Ok(code) => code,
        Err(e) if parlab::say::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(usage) = e.downcast_ref::<parlab::error::UsageError>() {
                parlab::say::report_error(format!("error: {usage}"));
                return ExitCode::from(2);
            }
            parlab::say::report_error(format!("error: {e:#}"));
            ExitCode::from(1)
        }
    }
}
