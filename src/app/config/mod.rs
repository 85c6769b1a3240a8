//! The command line's settings, checked: the [`Plan`] its flags describe, and how the results
//! are shown. The only reader of [`crate::app::cli`] types: every check that can fail on user
//! input happens here or in [`crate::plan::PlanBuilder::build`], before anything runs, and fails
//! with a [`UsageError`] that names the flag and what it accepts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::cli::{CommonArgs, DemosArgs, FormatArg, RunArgs};
use crate::error::UsageError;
use crate::machine::PythonFacts;
use crate::plan::approaches::{self, ApproachInfo};
pub use crate::plan::parse::{parse_at_most, parse_count, parse_duration, parse_number};
use crate::plan::settings::{ApproachSettings, CustomWork};
use crate::plan::workload::{WorkSpec, WorkloadKind};
use crate::plan::{CommandSettings, Plan, Repetitions, load, max_time, net};
pub use crate::plan::{DEFAULT_NUMBER, MAX_TASKS, default_tasks};
use crate::run::approach::python;
use crate::show::outfile;
pub use crate::show::settings::{ExportFormat, ExportTarget, Format, ImageFormat, VisualOutputs};

mod demos_python;
mod output;
mod py_func;
pub use py_func::probe as probe_function;
mod sweep;
pub use demos_python::DemosPython;
pub use output::{Colour, OutputChoice};
pub use sweep::{SweepConfig, default_pool_sizes, parse_pool_sizes};

/// A run as the command line asks for it: the plan, and how to show its results.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// What to run.
    pub plan: Plan,
    /// What to print.
    pub format: Format,
    /// Where to draw the chart, if anywhere, and in which format.
    pub chart: Option<(PathBuf, ImageFormat)>,
    /// Live progress bars on stderr (when it is a terminal).
    pub progress: bool,
    /// A progress line for every run, not one per approach.
    pub verbose: bool,
    /// Bars in ASCII only (asked for, or the locale is not UTF-8).
    pub ascii: bool,
    /// `--quiet` and `--color`.
    pub output: OutputChoice,
    /// Where `--export-*` write.
    pub exports: Vec<ExportTarget>,
    /// A saved JSON run to compare with (`--compare`).
    pub compare: Option<PathBuf>,
    /// The timeline and HTML outputs asked for.
    pub visuals: VisualOutputs,
}

impl std::ops::Deref for RunConfig {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        &self.plan
    }
}

impl std::ops::DerefMut for RunConfig {
    fn deref_mut(&mut self) -> &mut Plan {
        &mut self.plan
    }
}

impl RunConfig {
    /// Checks `args` and builds the configuration.
    pub fn from_args(args: &RunArgs) -> Result<Self, UsageError> {
        let c = &args.common;
        let logical_cores = if c.mock {
            crate::machine::MOCK_CORES
        } else {
            crate::machine::logical_cores()
        };
        let workload = WorkloadKind::parse(c.workload.trim()).ok_or_else(|| {
            UsageError::bad(
                "--workload",
                format!("unknown workload '{}'", c.workload),
                format!("use one of: {}", WorkloadKind::valid_ids()),
            )
        })?;
        let (workload, command) = parse_command(args, workload)?;
        let (workload, python_function) = py_func::parse(args, workload)?;
        let number = parse_number(&c.number)?;
        let tasks = match &c.tasks {
            Some(t) => parse_count("--tasks", t, MAX_TASKS)? as u32,
            None => default_tasks(logical_cores),
        };
        let pool_size = match &args.pool_size {
            Some(p) => {
                parse_count("--pool-size", p, crate::plan::builder::MAX_POOL as u64)? as usize
            }
            None => logical_cores,
        };
        let chunk_size = match &c.chunk_size {
            Some(s) => Some(parse_count("--chunk-size", s, u32::MAX as u64)? as u32),
            None => None,
        };
        let mut settings = ApproachSettings::default();
        if let Some(w) = &c.cluster_workers {
            settings.cluster.threads_per_process =
                (parse_count("--cluster-workers", w, 64)? as usize).max(1);
        }
        settings.cluster.hosts = parse_hosts(c)?;
        settings.custom = custom_work(command.as_ref(), tasks, &settings)?;
        settings.interpreter = c.python.clone();
        settings.python_function = python_function;
        let io_wait = parse_duration("--io-wait", &c.io_wait)?;
        let net_spec = net::parse_net(&c.requests, &c.payload)?;
        let work = WorkSpec {
            workload,
            number,
            io_wait_ns: io_wait.as_nanos() as u64,
            net: net_spec,
        };
        let chosen = crate::plan::parse_approaches(&py_func::approaches(
            &c.approach,
            settings.python_function.is_some(),
        ))?;
        if let Some(p) = &c.python
            && p.as_os_str().is_empty()
        {
            return Err(UsageError::bad(
                "--python",
                "no interpreter given",
                "give the path of a Python 3.8+ interpreter, e.g. --python /usr/bin/python3",
            ));
        }
        let interpreter = c.python.clone();
        let repetitions = Repetitions {
            runs: c
                .runs
                .as_deref()
                .map(|r| parse_count("--runs", r, 100_000).map(|n| n as u32))
                .transpose()?,
            warmup: c
                .warmup
                .as_deref()
                .map(|w| parse_at_most("--warmup", w, 10_000).map(|n| n as u32))
                .transpose()?,
        };
        let mut plan = Plan::builder()
            .work(work)
            .tasks(tasks)
            .pool_size(pool_size)
            .chunk_size(chunk_size)
            .chosen(chosen)
            .baseline(!args.no_baseline)
            .command(command)
            .mock(c.mock)
            .logical_cores(logical_cores)
            .repetitions(repetitions)
            .task_timeout(parse_task_timeout(c.task_timeout.as_deref())?)
            .python_probe(Box::new(move |a: &[&'static ApproachInfo]| {
                check_python(interpreter.as_deref(), a)
            }))
            .load(load::parse(
                c.wait_idle.as_deref(),
                c.mock_load.as_deref(),
                c.mock,
            )?)
            .max_time(max_time::parse(&c.max_time)?)
            .settings(settings)
            .build()?;
        py_func::probe(&mut plan)?;
        let format = match c.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
        };
        let cfg = Self {
            plan,
            format,
            chart: c.chart.as_deref().map(parse_chart).transpose()?,
            progress: !c.no_progress,
            verbose: c.verbose,
            ascii: c.ascii || !crate::format::locale_is_utf8(),
            output: OutputChoice::from_args(&c.output),
            visuals: parse_visual_outputs(c)?,
            exports: parse_exports(c, format)?,
            compare: args
                .compare
                .as_deref()
                .map(|c| {
                    if c.trim().is_empty() {
                        Err(UsageError::bad(
                            "--compare",
                            "no file given",
                            "give a JSON file saved by --export-json",
                        ))
                    } else {
                        Ok(PathBuf::from(c))
                    }
                })
                .transpose()?,
        };
        cfg.check_outputs()?;
        Ok(cfg)
    }

    /// The front end's defaults around a plan made elsewhere (the demos): table format, no
    /// progress bars, no chart, quiet, no exports.
    pub fn around(plan: Plan) -> Self {
        Self {
            plan,
            format: Format::Table,
            chart: None,
            progress: false,
            verbose: false,
            ascii: false,
            output: OutputChoice {
                quiet: true,
                colour: Colour::Never,
            },
            exports: Vec::new(),
            compare: None,
            visuals: VisualOutputs::default(),
        }
    }
    /// Every file this run writes, with the flag that names it: exports, `--trace`,
    /// `--timeline`, `--html` and `--chart`.
    pub fn output_files(&self) -> Vec<(&'static str, &Path)> {
        let mut files: Vec<(&'static str, &Path)> = self
            .exports
            .iter()
            .filter_map(|t| Some((t.format.flag(), t.path.as_deref()?)))
            .collect();
        let v = &self.visuals;
        files.extend(v.trace.as_deref().map(|p| ("--trace", p)));
        files.extend(
            v.timeline
                .as_ref()
                .map(|(p, _)| ("--timeline", p.as_path())),
        );
        files.extend(v.html.as_deref().map(|p| ("--html", p)));
        files.extend(self.chart.as_ref().map(|(p, _)| ("--chart", p.as_path())));
        files
    }

    /// Checks every output file together before anything is measured: each writable, no two
    /// the same file, none the `--compare` baseline.
    fn check_outputs(&self) -> Result<(), UsageError> {
        outfile::check_all(&self.output_files(), self.compare.as_deref())
    }
}

/// Checks the output files of `--trace`, `--timeline` and `--html` before anything runs: a
/// name, a directory that exists, and for `--timeline` an image extension.
fn parse_visual_outputs(args: &CommonArgs) -> Result<VisualOutputs, UsageError> {
    Ok(VisualOutputs {
        trace: args
            .trace
            .as_deref()
            .map(|p| output_file("--trace", p))
            .transpose()?,
        timeline: args
            .timeline
            .as_deref()
            .map(|p| image_file("--timeline", p))
            .transpose()?,
        timeline_term: args.timeline_term,
        html: args
            .html
            .as_deref()
            .map(|p| output_file("--html", p))
            .transpose()?,
    })
}

/// An output file name that [`outfile::write`] can write: a name, in a directory that exists and
/// takes new files, and not a directory.
fn output_file(flag: &'static str, path: &Path) -> Result<PathBuf, UsageError> {
    outfile::check(flag, path)?;
    Ok(path.to_path_buf())
}

/// An output file name whose directory exists, ending in `.svg` or `.png`, and its format.
fn image_file(flag: &'static str, path: &Path) -> Result<(PathBuf, ImageFormat), UsageError> {
    let path = output_file(flag, path)?;
    let format = ImageFormat::from_path(&path).ok_or_else(|| {
        UsageError::bad(
            flag,
            format!("'{}' is neither .svg nor .png", path.display()),
            "give a file name ending in .svg or .png",
        )
    })?;
    Ok((path, format))
}
/// The settings of `parlab demos`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemosConfig {
    /// Waits and CPU work scaled down.
    pub quick: bool,
    /// Use the deterministic mock executor.
    pub mock: bool,
    /// Logical cores of the machine (the mock machine's under `mock`).
    pub logical_cores: usize,
    /// `--quiet` and `--color`.
    pub output: OutputChoice,
    /// Whether each pair is followed by the same pair run in CPython.
    pub python: DemosPython,
    /// The interpreter of those runs (`--python`; None: `python3` on PATH).
    pub interpreter: Option<PathBuf>,
}

impl DemosConfig {
    /// The settings `args` ask for; only an interpreter named with `--python` that cannot run
    /// is refused.
    pub fn from_args(args: &DemosArgs) -> Result<Self, UsageError> {
        Ok(Self {
            quick: args.quick,
            mock: args.mock,
            output: OutputChoice::from_args(&args.output),
            logical_cores: if args.mock {
                crate::machine::MOCK_CORES
            } else {
                crate::machine::logical_cores()
            },
            python: demos_python::check(args)?,
            interpreter: args.python.clone(),
        })
    }
}
/// Parses `--export-*`: each a file or `-` for stdout, at most one to stdout, and none to stdout
/// when the JSON document already goes there.
fn parse_exports(args: &CommonArgs, format: Format) -> Result<Vec<ExportTarget>, UsageError> {
    let mut out: Vec<ExportTarget> = Vec::new();
    for (format_, given) in [
        (ExportFormat::Json, &args.export_json),
        (ExportFormat::Csv, &args.export_csv),
        (ExportFormat::Markdown, &args.export_markdown),
    ] {
        let Some(given) = given else { continue };
        let flag = format_.flag();
        let path = match given.trim() {
            "" => {
                return Err(UsageError::bad(
                    flag,
                    "no file given",
                    "give a file name, or - for stdout",
                ));
            }
            "-" => None,
            file => Some(PathBuf::from(file)),
        };
        if path.is_none() && format == Format::Json {
            return Err(UsageError::bad(
                flag,
                "stdout already carries --format json",
                "give a file name instead of -",
            ));
        }
        if let Some(p) = &path
            && out.iter().any(|o| o.path.as_ref() == Some(p))
        {
            return Err(UsageError::bad(
                flag,
                format!("'{}' is already another export's file", p.display()),
                "give each export its own file",
            ));
        }
        if path.is_none() && out.iter().any(|o| o.path.is_none()) {
            return Err(UsageError::bad(
                flag,
                "another export already goes to stdout",
                "send at most one export to -",
            ));
        }
        out.push(ExportTarget {
            format: format_,
            path,
        });
    }
    Ok(out)
}
/// Parses `--hosts FILE` (read with [`crate::plan::infile`]) and `--join-timeout`.
fn parse_hosts(args: &CommonArgs) -> Result<Option<crate::plan::hosts::Hosts>, UsageError> {
    let join_timeout = match &args.join_timeout {
        Some(t) => parse_duration("--join-timeout", t)?,
        None => Duration::from_secs(60),
    };
    let Some(path) = &args.hosts else {
        return Ok(None);
    };
    let fix = "give a file of one host:port a line, in process order, \
               the first being this machine's process 0";
    let text = crate::plan::infile::read_text(path, 1024 * 1024).map_err(|e| {
        let why = match e {
            crate::plan::infile::ReadError::Io(e) => e.to_string(),
            crate::plan::infile::ReadError::Not(why) => why,
        };
        UsageError::bad("--hosts", format!("{}: {why}", path.display()), fix)
    })?;
    let lines = crate::plan::hosts::parse(&text)
        .map_err(|why| UsageError::bad("--hosts", format!("{}: {why}", path.display()), fix))?;
    // The session's secret, if one is given for a scripted cluster, must be one.
    crate::run::cluster::auth::Secret::from_env().map_err(|why| {
        UsageError::bad(
            "--hosts",
            why,
            "give at least 32 hex digits (128 bits), or unset it: parlab then makes a secret",
        )
    })?;
    Ok(Some(crate::plan::hosts::Hosts {
        lines,
        join_timeout,
        sized_by_pool: false,
    }))
}

/// Parses `--task-timeout`: a duration above zero, or none.
fn parse_task_timeout(text: Option<&str>) -> Result<Option<Duration>, UsageError> {
    let Some(text) = text else { return Ok(None) };
    match parse_duration("--task-timeout", text)? {
        d if d.is_zero() => Err(UsageError::bad(
            "--task-timeout",
            "0 would stop every task",
            "give a duration above zero such as 30s or 2m (at most 1h)",
        )),
        d => Ok(Some(d)),
    }
}

/// Checks `--chart` (also the interactive mode's answer): an image file name in a directory
/// that exists (found out now, not after a long run).
pub fn parse_chart(path: &Path) -> Result<(PathBuf, ImageFormat), UsageError> {
    image_file("--chart", path)
}
/// Checks that the Python approaches asked for can run: finds the interpreter (`--python`, else
/// `python3` on PATH) and checks it is Python 3.8 or later.
/// Nothing is checked when no Python approach was asked for, or under `--mock`.
pub fn check_python(
    named: Option<&Path>,
    chosen: &[&'static ApproachInfo],
) -> Result<Option<PythonFacts>, UsageError> {
    if !chosen.iter().any(|a| approaches::is_python(a)) {
        return Ok(None);
    }
    let path = named.map_or_else(|| PathBuf::from("python3"), Path::to_path_buf);
    match python::probe(&path) {
        Ok(facts) => Ok(Some(facts)),
        Err(problem) if named.is_some() => Err(UsageError::bad(
            "--python",
            problem,
            "give the path of a Python 3.8+ interpreter, e.g. --python /usr/bin/python3",
        )),
        Err(problem) => Err(UsageError::bad(
            "--approach",
            format!("the Python approaches need python3: {problem}"),
            "install Python 3.8 or later, name one with --python PATH, or leave out the py-* approaches",
        )),
    }
}
/// The `--command` runner for this run's custom steps, when there is a command; the
/// environment it gives workers lets them run the same command.
fn custom_work(
    command: Option<&CommandSettings>,
    tasks: u32,
    settings: &ApproachSettings,
) -> Result<Option<CustomWork>, UsageError> {
    let Some(c) = command else {
        return Ok(None);
    };
    let helper = settings.worker_program().map_err(|e| {
        UsageError::bad(
            "--command",
            format!("cannot find parlab's own executable to start commands with: {e}"),
            "run parlab from a path that exists",
        )
    })?;
    let runner = crate::run::shell::CommandRunner {
        command: c.command.clone(),
        tasks,
        show_output: c.show_output,
        helper,
        own_group: true,
    };
    let worker_env = runner.worker_env();
    Ok(Some(CustomWork {
        runner: std::sync::Arc::new(runner),
        worker_env,
    }))
}

/// `--command` and `--workload` together: a command means the `command` workload, and that
/// workload needs a command that is not blank.
fn parse_command(
    args: &RunArgs,
    workload: WorkloadKind,
) -> Result<(WorkloadKind, Option<CommandSettings>), UsageError> {
    let command_kind = WorkloadKind::parse("command").expect("the command workload is registered");
    if workload.id() == "function" {
        return Err(UsageError::bad(
            "--workload",
            "the function workload runs a Rust function, through parlab as a library",
            "see parlab::lab in the crate's docs, or run a command with --command CMD",
        ));
    }
    match &args.common.command {
        None if workload == command_kind => Err(UsageError::bad(
            "--workload",
            "the command workload needs a command",
            "give it with --command CMD, e.g. --command 'gzip -c data > /dev/null'",
        )),
        None if args.common.show_output => Err(UsageError::bad(
            "--show-output",
            "there is no command whose output to show",
            "give one with --command CMD",
        )),
        None => Ok((workload, None)),
        Some(c) if c.trim().is_empty() => Err(UsageError::bad(
            "--command",
            "the command is empty",
            "give a shell command, e.g. --command 'sleep 0.1'",
        )),
        Some(c) if c.contains('\0') => Err(UsageError::bad(
            "--command",
            "the command holds a NUL byte",
            "give a shell command without one",
        )),
        Some(_) if workload != command_kind && args.common.workload.trim() != "cpu" => {
            Err(UsageError::bad(
                "--command",
                format!(
                    "--command runs the command workload, not '{}'",
                    args.common.workload
                ),
                "leave out --workload, or use --workload command",
            ))
        }
        Some(c) => Ok((
            command_kind,
            Some(CommandSettings {
                command: c.clone(),
                show_output: args.common.show_output,
            }),
        )),
    }
}

#[cfg(test)]
pub use crate::app::fixture::config_for as mock_config;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_paths() {
        use std::path::Path;
        assert_eq!(parse_chart(Path::new("a.svg")).unwrap().1, ImageFormat::Svg);
        assert_eq!(
            parse_chart(Path::new("./A.PNG")).unwrap().1,
            ImageFormat::Png
        );
        let e = parse_chart(Path::new("a.jpg")).unwrap_err().to_string();
        assert!(e.starts_with("--chart: 'a.jpg'"), "{e}");
        assert!(parse_chart(Path::new("chart")).is_err());
        let e = parse_chart(Path::new("/no/such/dir/a.svg"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        // A directory, even one named like an image, is not a file to draw in.
        let dir = tempfile::tempdir().unwrap();
        let named_svg = dir.path().join("d.svg");
        std::fs::create_dir(&named_svg).unwrap();
        let e = parse_chart(&named_svg).unwrap_err().to_string();
        assert!(
            e.starts_with("--chart: ") && e.contains("is a directory"),
            "{e}"
        );
        let e = image_file("--timeline", Path::new("t.gif"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--timeline: 't.gif' is neither"), "{e}");
    }
}
