//! The glue between the command line and the library: each subcommand's flow, and the exit
//! status it ends with.

pub mod cli;
pub mod config;
pub mod demos;
#[cfg(test)]
pub mod fixture;
pub mod floor;
pub mod interactive;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;

use crate::app::cli::{Cli, Command, DemosArgs, RunArgs, SweepArgs};
use crate::app::config::{DemosConfig, Format, RunConfig, SweepConfig};
use crate::cancel::{self, Cancel};
use crate::error::UsageError;
use crate::judge::compare::Baseline;
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::run::bench::{
    self, Executor, RealExecutor, Stop,
    mock::{BusyMockExecutor, MockExecutor},
};
use crate::run::serve::executor::Serving;
use crate::say;
use crate::show::export::targets::{Live, Part, Subject, Targets};
use crate::show::export::{Exporter, SweepResults, json::JsonExporter};
use crate::show::output::{self, progress};

/// Runs the parsed command line and returns the process's exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Every connection and pipe is a file: take all the room the hard limit allows.
    crate::machine::limits::raise_open_files();
    match cli.command {
        Some(Command::Run(args)) => run_command(&args),
        Some(Command::Sweep(args)) => sweep_command(&args),
        Some(Command::Demos(args)) => demos_command(&args),
        Some(Command::Worker { parent }) => Ok(crate::run::worker::child::main(parent, None)),
        Some(Command::Serve {
            io_wait_ns,
            payload,
            requests,
        }) => Ok(crate::run::serve::main(io_wait_ns, payload, requests)),
        Some(Command::Floor(args)) => floor::run(&floor::Settings {
            check: args.check,
            noop: args.noop,
            io: args.io,
            save: args.save,
            earlier: args.earlier,
            write: args.write,
            json: args.format == crate::app::cli::FormatArg::Json,
        }),
        Some(Command::List) => list(),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            manual::completions(shell, &mut script);
            say::out_bytes(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man { dir: None }) => {
            let mut out = Vec::new();
            manual::print_top_page(&mut out)?;
            say::out_bytes(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man { dir: Some(dir) }) => man_pages(&dir),
        None => {
            if !std::io::stdin().is_terminal() {
                return Err(UsageError::NotInteractive.into());
            }
            crate::app::interactive::run_session()
        }
    }
}

// Declared here rather than at the top, beside the one flow that uses it.
pub mod manual;

/// `parlab man --dir DIR`: a page per subcommand, each path on stdout.
fn man_pages(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    if !dir.is_dir() {
        return Err(UsageError::bad(
            "--dir",
            format!("{} is not a directory", dir.display()),
            "give a directory that exists (e.g. `mkdir -p man1` first)",
        )
        .into());
    }
    let written = manual::write_pages(dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    for path in written {
        say::out_line(path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `parlab list`: every approach, what it does, its Python counterpart; then every workload.
fn list() -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    let width = crate::plan::approaches::catalogue::ALL
        .iter()
        .map(|a| a.id.len())
        .max()
        .unwrap_or(0);
    for a in crate::plan::approaches::catalogue::ALL {
        let i = a;
        if crate::plan::approaches::is_python(i) {
            continue;
        }
        out.push_str(&format!(
            "{:width$}  {}  [Python: {}]\n",
            i.id, i.summary, i.python
        ));
    }
    out.push_str("\nworkloads (--workload):\n");
    let width = crate::plan::workload::WorkloadKind::ALL
        .iter()
        .map(|w| w.id().len())
        .max()
        .unwrap_or(0);
    for w in crate::plan::workload::WorkloadKind::ALL {
        out.push_str(&format!("{:width$}  {}\n", w.id(), w.workload().summary()));
    }
    out.push_str(&crate::judge::notes::python::list_section(width));
    say::out_bytes(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The executor and machine: the deterministic mock under `--mock`, else the real ones.
fn executor_and_machine(mock: bool, mock_load: Option<f64>) -> (&'static dyn Executor, Machine) {
    match (mock, mock_load) {
        // One per command, for the life of the process.
        (true, Some(load)) => (
            Box::leak(Box::new(BusyMockExecutor { load })),
            Machine::mock(),
        ),
        (true, None) => (&MockExecutor, Machine::mock()),
        (false, _) => (&RealExecutor, Machine::detect()),
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

/// The signal handlers, installed before the settings are checked: checking them may run
/// Python (the interpreter's probe, the import of `--py-func`'s module) for seconds, and a
/// Ctrl-C meanwhile must neither be lost (a parlab started with SIGINT ignored, as a background
/// job of a script is, would run the whole plan) nor end parlab without its cleanup.
fn signals_first() -> anyhow::Result<Cancel> {
    let cancel = Cancel::on_signals()?;
    say::stop_run_on_failure(&cancel);
    Ok(cancel)
}

/// The settings, or why not: a signal that came while they were checked (and cut a probe short)
/// ends parlab as the signal does, with nothing measured, rather than as a usage error.
fn configured<T>(
    cancel: &Cancel,
    checked: Result<T, UsageError>,
) -> anyhow::Result<Result<T, ExitCode>> {
    match (checked, cancel.signal()) {
        (_, Some(signal)) => Ok(Err(exit_status(
            Some(Stop::Signal(signal)),
            false,
            "nothing was measured",
        ))),
        (Ok(cfg), None) => Ok(Ok(cfg)),
        (Err(e), None) => Err(e.into()),
    }
}

/// How a failed write of the output files ends parlab: as the signal does when one came (the
/// wait for a FIFO's reader was given up on it), else with the error.
fn given_up(e: anyhow::Error, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    match cancel.signal() {
        Some(signal) => {
            say::report_error(format!("error: {e:#}"));
            Ok(ExitCode::from(cancel::exit_status_for(signal)))
        }
        None => Err(e),
    }
}

/// `parlab run`: measure, then print the table or the JSON document, and write the exports.
pub fn run_command(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let cancel = signals_first()?;
    let mut cfg = match configured(&cancel, RunConfig::from_args(args))? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let baseline = match &cfg.compare {
        Some(path) => {
            let b = Baseline::load(path)?;
            b.check_matches(&cfg)?;
            Some(b)
        }
        None => None,
    };
    let _ballast = crate::run::shell::test_ballast();
    let (executor, mut machine) = executor_and_machine(cfg.mock, cfg.load.mock_load);
    machine.python = cfg.python.clone();
    // Every output path was checked with the settings, without writing anything.
    let files = Targets::new(&cfg.exports, &cfg.visuals, cfg.chart.as_ref()).heeding(&cancel);
    let serving = match Serving::start(&mut cfg.plan.work, cfg.plan.mock, &cfg.plan.approach) {
        Ok(s) => s,
        Err(message) => {
            say::report_error(format!("error: {message}"));
            return Ok(ExitCode::from(1));
        }
    };
    cfg.output.apply_to_progress_bars();
    let mut observer = (
        if cfg.output.quiet {
            Box::new(bench::Quiet)
        } else {
            progress::observer_for(cfg.progress, cfg.verbose, cfg.pool_size, cfg.ascii)
        },
        Live::new(&cfg, machine.clone(), &files),
    );
    if let Some(line) = cfg.plan_line.as_ref().filter(|_| !cfg.output.quiet) {
        say::err_line(line);
    }
    let started = std::time::Instant::now();
    let overflows = crate::judge::notes::backlog::listen_overflows();
    let outcome = bench::run_all(&cfg, &serving.executor(executor), &cancel, &mut observer);
    let overflows = overflows.zip(crate::judge::notes::backlog::listen_overflows());
    // Every task has reaped its own command; this catches any a panic left running.
    crate::run::shell::kill_all();
    let server = serving.stop();
    let cut_short = cfg.max_time.is_some_and(|max| started.elapsed() >= max);
    let (progress, mut live_exports) = observer;
    drop(progress); // its bars are gone before anything else is printed
    if let Some(e) = live_exports.error.take() {
        return Err(e);
    }
    if cut_short && outcome.stop.is_none() {
        say::err_line(format!(
            "parlab: --max-time {} reached: no more runs were started; below are the runs that \
             finished",
            crate::format::format_seconds(cfg.max_time.unwrap_or_default().as_secs_f64())
        ));
    }
    let mut report = Report::build(&cfg, machine, &outcome.measurements);
    report.add_waits(&outcome);
    if cfg.work.workload.measures_overhead() && !cfg.mock {
        report.floors = crate::run::floor::measure(crate::run::floor::RUN_BUDGET);
        // The Python approaches' floor, in the run's own interpreter, when it has one.
        if let Some(py) = &cfg.python {
            let interpreter = std::path::Path::new(&py.executable);
            let budget = crate::run::floor::RUN_BUDGET;
            report
                .floors
                .extend(crate::run::floor::measure_python(interpreter, budget));
        }
    }
    let mut report = crate::judge::notes::annotate(report, &cfg);
    if let (true, false, Some((before, after))) =
        (cfg.work.workload.needs_server(), cfg.mock, overflows)
    {
        let somaxconn = crate::run::serve::somaxconn();
        let listeners = crate::run::serve::listener_count(somaxconn);
        let note =
            crate::judge::notes::backlog::note(after.saturating_sub(before), somaxconn, listeners);
        report.notes.extend(note);
    }
    // The data exports before the table, the pictures after it.
    if let Err(e) = files.write(Subject::Run(&report), Part::Data) {
        return given_up(e, &cancel);
    }
    let hint = checked_python_hint(&cfg, args);
    if let Err(e) = print_report(&cfg, &report, baseline.as_ref(), &files, hint.as_deref()) {
        if !say::is_broken_pipe(&e) {
            return Err(e);
        }
        // The reader stopped reading (`| head -1`): the status still says whether every
        // approach verified, so a closed stdout never hides a failure.
        return Ok(exit_status(
            outcome.stop,
            report.any_unverified(),
            "the results above are the runs that finished",
        ));
    }
    if let Some(server) = server {
        // Under the table, where the table went.
        if cfg.format == Format::Table && !files.uses_stdout() {
            say::out_line(server.line());
        } else {
            say::err_line(server.line());
        }
    }
    if let Err(e) = files.write(Subject::Run(&report), Part::Pictures) {
        return given_up(e, &cancel);
    }
    Ok(exit_status(
        outcome.stop,
        report.any_unverified(),
        "the results above are the runs that finished",
    ))
}

/// The hint to add the Python approaches, only where the command it suggests would be
/// accepted and run Python (not for `--command` work, nor without a usable python3, nor past
/// `--max-time`).
fn checked_python_hint(cfg: &RunConfig, args: &RunArgs) -> Option<String> {
    let hint = crate::judge::notes::python::python_hint(cfg)?;
    if cfg.format != Format::Table || cfg.output.quiet {
        return None;
    }
    let mut suggested = args.clone();
    suggested.common.approach = format!("{},python", args.common.approach.trim());
    // Accepted, and running a Python approach (a workload may skip them all, as `command` does).
    let runs_python = |c: &RunConfig| {
        c.approaches
            .iter()
            .any(|a| crate::plan::approaches::is_python(a))
    };
    RunConfig::from_args(&suggested)
        .ok()
        .filter(runs_python)
        .map(|_| hint)
}

/// `parlab sweep`: every pooled approach at every pool size, then the table, chart and fits.
pub fn sweep_command(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let cancel = signals_first()?;
    let mut cfg = match configured(&cancel, SweepConfig::from_args(args))? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let (executor, mut machine) = executor_and_machine(cfg.run.mock, cfg.run.load.mock_load);
    machine.python = cfg.run.python.clone();
    let serving = match Serving::start(
        &mut cfg.run.plan.work,
        cfg.run.plan.mock,
        &cfg.run.plan.approach,
    ) {
        Ok(s) => s,
        Err(message) => {
            say::report_error(format!("error: {message}"));
            return Ok(ExitCode::from(1));
        }
    };
    let sizes = cfg.pool_sizes.len();
    let quiet = cfg.run.output.quiet;
    let mut on_size = |i: usize, size: usize| {
        if !quiet {
            say::err_line(format!("— pool size {size} ({} of {sizes})", i + 1));
        }
    };
    let mut lines = progress::PlainLines::new(cfg.run.verbose);
    let observer: &mut dyn bench::Observer = if quiet { &mut bench::Quiet } else { &mut lines };
    let outcome = crate::judge::sweep::run(
        &cfg.run.plan,
        &cfg.pool_sizes,
        &serving.executor(executor),
        machine,
        &cancel,
        observer,
        &mut on_size,
    );
    crate::run::shell::kill_all();
    if let Some(server) = serving.stop() {
        say::err_line(server.line());
    }
    let results = SweepResults::new(&outcome.sweep, &outcome.reports, cfg.export_baseline);
    let files =
        Targets::new(&cfg.run.exports, &cfg.run.visuals, cfg.chart.as_ref()).heeding(&cancel);
    if let Err(e) = files.write(Subject::Sweep(&results), Part::All) {
        return given_up(e, &cancel);
    }
    if let Some((path, _)) = &cfg.chart
        && !outcome.sweep.points.is_empty()
        && !quiet
    {
        say::err_line(format!("parlab: chart written to {}", path.display()));
    }
    let to_stdout = files.stdout(Subject::Sweep(&results))?;
    let bytes = match cfg.run.format {
        Format::Json => crate::show::export::sweep_export::summary_json(&results)?,
        Format::Table if outcome.sweep.points.is_empty() => Vec::new(),
        Format::Table if quiet => {
            // The table alone: its heading and the box, not the fits, chart or notes below.
            let text = output::sweep::render(&outcome.sweep, output::terminal_width());
            let end = text.find("\n└").map_or(text.len(), |at| {
                text[at + 1..]
                    .find('\n')
                    .map_or(text.len(), |n| at + 1 + n + 1)
            });
            text.as_bytes()[..end].to_vec()
        }
        Format::Table => {
            output::sweep::render(&outcome.sweep, output::terminal_width()).into_bytes()
        }
    };
    if let Some(export) = to_stdout {
        // Stdout is the export; the table goes to stderr.
        say::err_bytes(&bytes)?;
        say::out_bytes(&export)?;
    } else {
        say::out_bytes(&bytes)?;
    }
    Ok(exit_status(
        outcome.stop,
        outcome.any_unverified,
        "the results above are the pool sizes that finished",
    ))
}

/// `parlab demos`: each pair's lines as soon as it has run.
fn demos_command(args: &DemosArgs) -> anyhow::Result<ExitCode> {
    let cancel = signals_first()?;
    let cfg = match configured(&cancel, DemosConfig::from_args(args))? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let executor: &dyn Executor = if cfg.mock {
        &MockExecutor
    } else {
        &RealExecutor
    };
    if !cfg.mock
        && !cfg.output.quiet
        && let Some(note) = crate::app::demos::busy_note(cfg.logical_cores)
    {
        say::err_line(note);
    }
    if !cfg.output.quiet
        && let Some(line) = cfg.python.skipped_line()
    {
        say::err_line(line);
    }
    let colour = cfg.output.colour.enabled(std::io::stdout().is_terminal());
    let outcome = crate::app::demos::run(&cfg, executor, &cancel, &mut say::Stdout, colour)?;
    let any_failed = outcome.any_failed();
    Ok(exit_status(
        outcome.stop,
        any_failed,
        "the pairs above are the ones that finished",
    ))
}

/// Writes the report to stdout in the configured format (the table to stderr when an export
/// takes stdout), then the stdout export. Stdout carries results: the lesson and the hint
/// follow the table only in a terminal, else they go to stderr; `--quiet` leaves them out.
fn print_report(
    cfg: &RunConfig,
    report: &Report,
    baseline: Option<&Baseline>,
    files: &Targets,
    hint: Option<&str>,
) -> anyhow::Result<()> {
    let on_terminal = if files.uses_stdout() {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let colour = cfg.output.colour.enabled(on_terminal);
    // The lesson and hint when they do not follow the table.
    let mut aside = String::new();
    let bytes = match cfg.format {
        Format::Json => JsonExporter.serialize(report)?,
        Format::Table if report.results.is_empty() => Vec::new(),
        Format::Table if cfg.output.quiet => {
            // The table alone: no notes, lesson or bar chart.
            let mut bare = report.clone();
            bare.notes.clear();
            bare.lesson = None;
            let mut text =
                output::table::render_compared(&bare, baseline, output::terminal_width());
            if cfg.visuals.timeline_term {
                let width = output::terminal_width().unwrap_or(output::gantt::DEFAULT_WIDTH);
                text.push('\n');
                text.push_str(&output::gantt::render(report, width));
            }
            text.into_bytes()
        }
        Format::Table => {
            let width = output::terminal_width();
            let mut shown = report.clone();
            let lesson = shown
                .lesson
                .take()
                .map(|l| output::table::lesson_text(&l, width.map(usize::from)));
            let mut text = output::table::render_compared(&shown, baseline, width);
            if on_terminal && let Some(lesson) = &lesson {
                text.push_str(&if colour {
                    output::colour::lesson(lesson)
                } else {
                    lesson.clone()
                });
            } else if let Some(lesson) = &lesson {
                aside.push_str(lesson);
            }
            text.push('\n');
            let bars = output::bars::from_report(report);
            let chart = output::bars::render(&bars, width.map_or(80, usize::from), cfg.ascii);
            text.push_str(&if colour {
                output::colour::bars(&chart, &bars)
            } else {
                chart
            });
            if let Some(hint) = hint {
                let (to, gap) = if on_terminal {
                    (&mut text, "\n")
                } else {
                    (&mut aside, "")
                };
                to.push_str(gap);
                to.push_str(hint);
                to.push('\n');
            }
            if cfg.visuals.timeline_term {
                let width = width.unwrap_or(output::gantt::DEFAULT_WIDTH);
                text.push('\n');
                text.push_str(&output::gantt::render(report, width));
            }
            text.into_bytes()
        }
    };
    if files.uses_stdout() {
        say::err_bytes(&bytes)?;
    } else {
        say::out_bytes(&bytes)?;
    }
    if cfg.format == Format::Json && cfg.visuals.timeline_term {
        // Stdout stays one JSON document: the text Gantt goes to stderr.
        let width = output::terminal_width().unwrap_or(output::gantt::DEFAULT_WIDTH);
        say::err_bytes(output::gantt::render(report, width).as_bytes())?;
    }
    if !aside.is_empty() {
        say::err_bytes(aside.as_bytes())?;
    }
    if let Some(export) = files.stdout(Subject::Run(report))? {
        say::out_bytes(&export)?;
    }
    Ok(())
}
