//! The parlab binary: parse, run, map the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A worker process starts once per task under `process`: it skips clap (see `fast_args`).
    let args: Vec<_> = std::env::args_os().collect();
    if let Some(parent) = parlab::worker::child::fast_args(&args) {
        return parlab::worker::child::main(parent);
    }
    // The small process that starts each --command (see parlab::shell).
    if let Some(command) = parlab::shell::helper_args(&args) {
        return parlab::shell::helper_main(command);
    }
    let cli = parlab::cli::Cli::parse_from(args);
    match parlab::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed stdout (e.g. `parlab list | head -1`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            if let Some(usage) = e.downcast_ref::<parlab::error::UsageError>() {
                eprintln!("error: {usage}");
                return ExitCode::from(2);
            }
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
