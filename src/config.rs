//! The validated, typed settings of a run: the only reader of [`crate::cli`] types.
//!
//! Every check that can fail on user input happens here, before anything runs, and fails with
//! a [`UsageError`] that names the flag and what it accepts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::approach::python::{self, PythonFacts};
use crate::approach::{self, Approach};
use crate::cli::{CommonArgs, DemosArgs, FormatArg, RunArgs};
use crate::error::UsageError;
use crate::outfile;
use crate::settings::{ApproachSettings, CustomWork};
use crate::workload::{WorkSpec, WorkloadKind};

mod cluster_room;
mod demos_python;
mod implied;
pub mod load;
pub mod max_time;
mod net;
pub mod plan_cost;
pub mod repetitions;
mod sweep;
pub use net::parse_bytes;
mod output;
pub use demos_python::DemosPython;
pub use output::{Colour, OutputChoice};
pub use sweep::{SweepConfig, default_pool_sizes, parse_pool_sizes};

/// What the user asked for; `None` means "decide from the first run".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repetitions {
    /// Measured runs per approach (`--runs`).
    pub runs: Option<u32>,
    /// Warm-up runs per approach (`--warmup`).
    pub warmup: Option<u32>,
}

/// The formats `--export-*` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `--export-json`: the whole report.
    Json,
    /// `--export-csv`: one row per approach.
    Csv,
    /// `--export-markdown`: a table for a README or an issue.
    Markdown,
}

impl ExportFormat {
    /// The flag that asks for it.
    pub fn flag(self) -> &'static str {
        match self {
            Self::Json => "--export-json",
            Self::Csv => "--export-csv",
            Self::Markdown => "--export-markdown",
        }
    }
}

/// Where one export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// The format.
    pub format: ExportFormat,
    /// The file, or `None` for stdout (`-`).
    pub path: Option<std::path::PathBuf>,
}

/// The two image formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics (text stays text).
    Svg,
    /// A PNG bitmap.
    Png,
}

impl ImageFormat {
    /// The format a file name's extension asks for (`.svg`, `.png`, any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(Self::Svg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }
}

/// How results go to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A comparison table and notes.
    Table,
    /// One JSON document, nothing else on stdout.
    Json,
}

/// Everything a run needs, checked.
#[derive(Clone)]
pub struct RunConfig {
    /// What every task does.
    pub work: WorkSpec,
    /// How many tasks.
    pub tasks: u32,
    /// Workers for approaches with a pool.
    pub pool_size: usize,
    /// Tasks per chunk for `process-pool-chunked` (None: Python's `Pool.starmap` default).
    pub chunk_size: Option<u32>,
    /// The approaches asked for, in the user's order.
    pub approaches: Vec<&'static dyn Approach>,
    /// Whether to measure `sequential` as the baseline even if not asked for.
    pub baseline: bool,
    /// Why the baseline was skipped, when it was skipped without being asked to.
    pub baseline_skipped: Option<String>,
    /// Which approaches `all` left out because the workload refuses them, and why.
    pub approaches_skipped: Option<String>,
    /// The command each task runs (`--command`), for the `command` workload.
    pub command: Option<CommandSettings>,
    /// One note per implied approach (`all`) the settings rule out, saying why it was skipped.
    pub skipped: Vec<String>,
    /// What to print.
    pub format: Format,
    /// Use the deterministic mock executor.
    pub mock: bool,
    /// Where to draw the chart, if anywhere, and in which format.
    pub chart: Option<(PathBuf, ImageFormat)>,
    /// Live progress bars on stderr (when it is a terminal).
    pub progress: bool,
    /// A progress line for every run, not one per approach.
    pub verbose: bool,
    /// Bars in ASCII only (asked for, or the locale is not UTF-8).
    pub ascii: bool,
    /// Logical cores of the machine (the mock machine's under `mock`).
    pub logical_cores: usize,
    /// Warm-up and measured runs per approach, as asked.
    pub repetitions: Repetitions,
    /// `--quiet` and `--color`.
    pub output: OutputChoice,
    /// Where `--export-*` write.
    pub exports: Vec<ExportTarget>,
    /// A saved JSON run to compare with (`--compare`).
    pub compare: Option<PathBuf>,
    /// The longest a task of a process approach may run before the run stops (`--task-timeout`).
    pub task_timeout: Option<Duration>,
    /// The timeline and HTML outputs asked for.
    pub visuals: VisualOutputs,
    /// The interpreter the Python approaches run on, when the run has any (None under `mock`).
    pub python: Option<PythonFacts>,
    /// `--wait-idle` and `--mock-load`.
    pub load: load::LoadSettings,
    /// `--max-time`: the whole plan's deadline (None: no limit, and always under the mock).
    pub max_time: Option<Duration>,
    /// The line estimating a long plan's cost, printed before it runs (see
    /// [`plan_cost::PlanCost::line`]).
    pub plan_line: Option<String>,
    /// How the approaches run: interpreter, cluster layout, worker program, custom work.
    pub approach: ApproachSettings,
}

/// The timeline and report outputs of a run (`--trace`, `--timeline`, `--timeline-term`,
/// `--html`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisualOutputs {
    /// Where to write the Chrome trace.
    pub trace: Option<PathBuf>,
    /// Where to draw the Gantt chart, and in which format.
    pub timeline: Option<(PathBuf, ImageFormat)>,
    /// Print the text Gantt after the results.
    pub timeline_term: bool,
    /// Where to write the HTML report.
    pub html: Option<PathBuf>,
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("work", &self.work)
            .field("tasks", &self.tasks)
            .field("pool_size", &self.pool_size)
            .field("chunk_size", &self.chunk_size)
            .field(
                "approaches",
                &self
                    .approaches
                    .iter()
                    .map(|a| a.info().id)
                    .collect::<Vec<_>>(),
            )
            .field("baseline", &self.baseline)
            .field("format", &self.format)
            .field("mock", &self.mock)
            .field("repetitions", &self.repetitions)
            .field("exports", &self.exports)
            .field("compare", &self.compare)
            .finish()
    }
}

/// The longest the baseline may be expected to wait before parlab skips it unasked, s.
const BASELINE_WAIT_LIMIT_S: f64 = 60.0;

/// The most tasks a run may have: every task's events are kept in memory (about 100 bytes
/// each, more for async tasks in flight), so far more would exhaust memory rather than teach.
pub const MAX_TASKS: u64 = 1_000_000;

/// The seed tool's default number: prime, about 0.1 s of trial division.
pub const DEFAULT_NUMBER: u64 = 834_238_027_356_431;

impl RunConfig {
    /// Checks `args` and builds the configuration.
    pub fn from_args(args: &RunArgs) -> Result<Self, UsageError> {
        let logical_cores = if args.common.mock {
            crate::machine::MOCK_CORES
        } else {
            crate::machine::logical_cores()
        };
        let workload = WorkloadKind::parse(args.common.workload.trim()).ok_or_else(|| {
            UsageError::bad(
                "--workload",
                format!("unknown workload '{}'", args.common.workload),
                format!("use one of: {}", WorkloadKind::valid_ids()),
            )
        })?;
        let (workload, command) = parse_command(args, workload)?;
        let number = parse_number(&args.common.number)?;
        let tasks = match &args.common.tasks {
            Some(t) => parse_count("--tasks", t, MAX_TASKS)? as u32,
            None => default_tasks(logical_cores),
        };
        let pool_size = match &args.pool_size {
            Some(p) => parse_count("--pool-size", p, 4096)? as usize,
            None => logical_cores,
        };
        let chunk_size = match &args.common.chunk_size {
            Some(c) => Some(parse_count("--chunk-size", c, u32::MAX as u64)? as u32),
            None => None,
        };
        let mut settings = ApproachSettings::default();
        if let Some(w) = &args.common.cluster_workers {
            settings.cluster.threads_per_process =
                (parse_count("--cluster-workers", w, 64)? as usize).max(1);
        }
        settings.cluster.hosts = parse_hosts(&args.common)?;
        settings.custom = custom_work(command.as_ref(), tasks, &settings)?;
        let io_wait = parse_duration("--io-wait", &args.common.io_wait)?;
        let net_spec = net::parse_net(&args.common.requests, &args.common.payload)?;
        let work = WorkSpec {
            workload,
            number,
            io_wait_ns: io_wait.as_nanos() as u64,
            net: net_spec,
        };
        // The mock executor makes its figures up: no run of it takes long.
        let max_time = max_time::parse(&args.common.max_time)?.filter(|_| !args.common.mock);
        let mut parsed = parse_approaches(&args.common.approach)?;
        let approaches_skipped = refuse_approaches(workload, &args.common.approach, &mut parsed)?;
        let (approaches, skipped) = implied::screen(&args.common.approach, parsed, |a| {
            a.check(tasks, pool_size, &settings)?;
            cluster_room::check(a, pool_size, &settings, crate::machine::thread_limit)?;
            max_time::check(a, &work, tasks, pool_size, logical_cores, max_time)
        })?;
        let python = check_python(args, &approaches)?;
        if python.is_some() {
            settings.interpreter = args.common.python.clone();
        }
        if workload == WorkloadKind::Net && !args.common.mock {
            let open_files = crate::limits::open_files().0;
            net::check_connections(&approaches, tasks, pool_size, open_files)?;
        }

        let asked_sequential = approaches.iter().any(|a| a.info().id == "sequential");
        let baseline_wait = work.wait_per_task().as_secs_f64() * tasks as f64;
        let mut baseline = !args.no_baseline;
        let mut baseline_skipped = None;
        if baseline && !asked_sequential && baseline_wait > BASELINE_WAIT_LIMIT_S {
            baseline = false;
            baseline_skipped = Some(format!(
                "no speedups: the sequential baseline would wait {} ({tasks} tasks one after another); \
                 add it with --approach sequential,... or use fewer --tasks",
                crate::format::format_seconds(baseline_wait)
            ));
        }
        let format = match args.common.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
        };
        let mut cfg = Self {
            work,
            tasks,
            pool_size,
            chunk_size,
            approaches,
            baseline,
            baseline_skipped,
            approaches_skipped,
            command,
            skipped,
            format,
            mock: args.common.mock,
            load: load::parse(
                args.common.wait_idle.as_deref(),
                args.common.mock_load.as_deref(),
                args.common.mock,
            )?,
            chart: args.common.chart.as_deref().map(parse_chart).transpose()?,
            progress: !args.common.no_progress,
            verbose: args.common.verbose,
            ascii: args.common.ascii || !crate::format::locale_is_utf8(),
            output: OutputChoice::from_args(&args.common.output),
            logical_cores,
            visuals: parse_visual_outputs(&args.common)?,
            python,
            repetitions: Repetitions {
                runs: args
                    .common
                    .runs
                    .as_deref()
                    .map(|r| parse_count("--runs", r, 100_000).map(|n| n as u32))
                    .transpose()?,
                warmup: args
                    .common
                    .warmup
                    .as_deref()
                    .map(|w| parse_at_most("--warmup", w, 10_000).map(|n| n as u32))
                    .transpose()?,
            },
            exports: parse_exports(&args.common, format)?,
            task_timeout: parse_task_timeout(args.common.task_timeout.as_deref())?,
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
            max_time,
            plan_line: None,
            approach: settings,
        };
        cfg.check_outputs()?;
        cfg.check_plan_cost(asked_sequential)?;
        Ok(cfg)
    }

    /// Estimates the whole plan (see [`plan_cost`]): refuses one that `--max-time` could not
    /// hold, and keeps the line to print before a long one. Nothing is estimated for the mock.
    fn check_plan_cost(&mut self, asked_sequential: bool) -> Result<(), UsageError> {
        if self.mock {
            return Ok(());
        }
        let order = self.schedule();
        let plan = plan_cost::PlanCost::of(
            &order,
            self.baseline && !asked_sequential,
            &self.work,
            self.tasks,
            self.pool_size,
            self.logical_cores,
            self.repetitions,
            plan_cost::division_s(),
        );
        plan.check(self.max_time)?;
        self.plan_line = plan.line(self.max_time);
        Ok(())
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

impl RunConfig {
    /// A run set up by code rather than flags (the demos): exactly these approaches, one run
    /// each, no added baseline, table format, no progress bars, no chart.
    pub fn programmatic(
        work: WorkSpec,
        tasks: u32,
        pool_size: usize,
        approaches: Vec<&'static dyn Approach>,
        logical_cores: usize,
        mock: bool,
    ) -> Self {
        Self {
            work,
            tasks,
            pool_size,
            approaches,
            baseline: false,
            baseline_skipped: None,
            approaches_skipped: None,
            command: None,
            skipped: Vec::new(),
            format: Format::Table,
            mock,
            load: load::LoadSettings::default(),
            chart: None,
            progress: false,
            verbose: false,
            ascii: false,
            logical_cores,
            visuals: VisualOutputs::default(),
            python: None,
            chunk_size: None,
            // One run each, as the Python demos do.
            repetitions: Repetitions {
                runs: Some(1),
                warmup: Some(0),
            },
            output: OutputChoice {
                quiet: true,
                colour: Colour::Never,
            },
            exports: Vec::new(),
            compare: None,
            task_timeout: None,
            max_time: None,
            plan_line: None,
            approach: ApproachSettings::default(),
        }
    }
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

/// Parses a count of at most `max` that may be 0 (`--warmup`).
pub fn parse_at_most(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    if text.trim().replace('_', "").parse::<u64>() == Ok(0) {
        return Ok(0);
    }
    parse_count(flag, text, max).map_err(|e| match e {
        UsageError::BadValue { flag, problem, .. } => UsageError::bad(
            flag,
            problem,
            format!("give a whole number from 0 to {max}"),
        ),
        other => other,
    })
}

/// Twice the logical cores, at least 4: every parallel approach has work for every core.
pub fn default_tasks(logical_cores: usize) -> u32 {
    (2 * logical_cores).max(4) as u32
}

/// Parses `--number`.
pub fn parse_number(text: &str) -> Result<u64, UsageError> {
    let allowed = "give a whole number from 0 to 18446744073709551615";
    let t = text.trim().replace('_', "");
    if t.starts_with('-') {
        return Err(UsageError::bad(
            "--number",
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    t.parse::<u64>().map_err(|e| {
        let problem = match e.kind() {
            std::num::IntErrorKind::PosOverflow => format!("'{text}' is above u64's maximum"),
            std::num::IntErrorKind::Empty => "no number given".to_string(),
            _ => format!("'{text}' is not a whole number"),
        };
        UsageError::bad("--number", problem, allowed)
    })
}

/// Parses a positive count (`--tasks`, `--pool-size`) of at most `max`.
pub fn parse_count(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    let allowed = format!("give a whole number from 1 to {max}");
    let t = text.trim().replace('_', "");
    if t.starts_with('-') {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    match t.parse::<u64>() {
        Ok(0) => Err(UsageError::bad(flag, "0 is not allowed", allowed)),
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(UsageError::bad(
            flag,
            format!("'{text}' is too large"),
            allowed,
        )),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Err(UsageError::bad(
            flag,
            format!("'{text}' is too large"),
            allowed,
        )),
        Err(_) => Err(UsageError::bad(
            flag,
            format!("'{text}' is not a whole number"),
            allowed,
        )),
    }
}

/// Parses a duration such as `1s`, `250ms`, `1.5s`, `800us`, `2m`. A bare number other than 0
/// is refused: a person who types `250` may mean either unit.
///
/// ```
/// use std::time::Duration;
/// use parlab::config::parse_duration;
/// assert_eq!(parse_duration("--io-wait", "1.5s").unwrap(), Duration::from_millis(1500));
/// let err = parse_duration("--io-wait", "-1s").unwrap_err().to_string();
/// assert!(err.starts_with("--io-wait: '-1s' is negative"));
/// let err = parse_duration("--io-wait", "250").unwrap_err().to_string();
/// assert!(err.ends_with("did you mean 250ms or 250s?"), "{err}");
/// ```
pub fn parse_duration(flag: &'static str, text: &str) -> Result<Duration, UsageError> {
    let allowed = "give a duration such as 1s, 250ms, 1.5s, 800us or 2m (at most 1h)";
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (value, unit) = t.split_at(split);
    if value.is_empty() {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is not a duration"),
            allowed,
        ));
    }
    let scale = match unit.trim() {
        // A bare number could mean either: 250 is rarely 250 s, and a wrong guess costs minutes.
        "" if value.trim_start_matches(['0', '.', '+']).is_empty() => 1.0,
        "" => {
            return Err(UsageError::bad(
                flag,
                format!("'{t}' has no unit"),
                format!("did you mean {t}ms or {t}s?"),
            ));
        }
        "s" | "sec" | "secs" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        "h" | "hr" | "hour" => 3600.0,
        other => {
            return Err(UsageError::bad(
                flag,
                format!("unknown unit '{other}' in '{text}'"),
                allowed,
            ));
        }
    };
    let v: f64 = value
        .parse()
        .map_err(|_| UsageError::bad(flag, format!("'{text}' is not a duration"), allowed))?;
    if v < 0.0 || value.starts_with('-') {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    let secs = v * scale;
    if !secs.is_finite() || secs > 3600.0 {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is too long"),
            allowed,
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `--hosts FILE` (read with [`crate::infile`]) and `--join-timeout`.
fn parse_hosts(args: &CommonArgs) -> Result<Option<crate::cluster::hosts::Hosts>, UsageError> {
    let join_timeout = match &args.join_timeout {
        Some(t) => parse_duration("--join-timeout", t)?,
        None => Duration::from_secs(60),
    };
    let Some(path) = &args.hosts else {
        return Ok(None);
    };
    let fix = "give a file of one host:port a line, in process order, \
               the first being this machine's process 0";
    let text = crate::infile::read_text(path, 1024 * 1024).map_err(|e| {
        let why = match e {
            crate::infile::ReadError::Io(e) => e.to_string(),
            crate::infile::ReadError::Not(why) => why,
        };
        UsageError::bad("--hosts", format!("{}: {why}", path.display()), fix)
    })?;
    let lines = crate::cluster::hosts::parse(&text)
        .map_err(|why| UsageError::bad("--hosts", format!("{}: {why}", path.display()), fix))?;
    Ok(Some(crate::cluster::hosts::Hosts {
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
fn check_python(
    args: &RunArgs,
    approaches: &[&'static dyn Approach],
) -> Result<Option<PythonFacts>, UsageError> {
    if let Some(p) = &args.common.python
        && p.as_os_str().is_empty()
    {
        return Err(UsageError::bad(
            "--python",
            "no interpreter given",
            "give the path of a Python 3.8+ interpreter, e.g. --python /usr/bin/python3",
        ));
    }
    if args.common.mock || !approaches.iter().any(|a| python::is_python(a.info())) {
        return Ok(None);
    }
    let path = args
        .common
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    match python::probe(&path) {
        Ok(facts) => Ok(Some(facts)),
        Err(problem) if args.common.python.is_some() => Err(UsageError::bad(
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

/// What `--command` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    /// The command, `{task}` not yet replaced.
    pub command: String,
    /// `--show-output`.
    pub show_output: bool,
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
    let runner = crate::shell::CommandRunner {
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

/// Drops the approaches `workload` cannot run: one named is refused (exit 2), one that came
/// from `all` is left out, and the note returned says which and why.
fn refuse_approaches(
    workload: WorkloadKind,
    asked: &str,
    approaches: &mut Vec<&'static dyn Approach>,
) -> Result<Option<String>, UsageError> {
    let named: Vec<&str> = asked.split(',').map(str::trim).collect();
    let mut skipped = Vec::new();
    for a in approaches.iter() {
        let id = a.info().id;
        if let Some(reason) = workload.refuses(id) {
            if named.contains(&id) {
                return Err(UsageError::bad(
                    "--approach",
                    format!("{id} cannot run the {} workload: {reason}", workload.id()),
                    "leave it out",
                ));
            }
            skipped.push(id);
        }
    }
    approaches.retain(|a| workload.refuses(a.info().id).is_none());
    if approaches.is_empty() {
        return Err(UsageError::bad(
            "--approach",
            format!("no approach given can run the {} workload", workload.id()),
            "name one of sequential, threads, thread-pool, rayon, async, async-mt, process-pool",
        ));
    }
    Ok((!skipped.is_empty()).then(|| {
        format!(
            "not run on the {} workload: {} (each refuses it; --approach with its name says why)",
            workload.id(),
            skipped.join(", ")
        )
    }))
}

/// Parses `--approach`: a comma list of ids, or `all`.
pub fn parse_approaches(text: &str) -> Result<Vec<&'static dyn Approach>, UsageError> {
    let mut out: Vec<&'static dyn Approach> = Vec::new();
    for id in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        // `all` is every Rust approach; `python` every Python one (a CPython task of the
        // default number takes seconds, so they are asked for by name).
        if id == "all" || id == "python" {
            let python = id == "python";
            for a in approach::REGISTRY {
                if approach::python::is_python(a.info()) == python
                    && !out.iter().any(|o| o.info().id == a.info().id)
                {
                    out.push(*a);
                }
            }
            continue;
        }
        let a = approach::find(id).ok_or_else(|| {
            UsageError::bad(
                "--approach",
                format!("unknown approach '{id}'"),
                format!(
                    "use all, python or a comma list of: {}",
                    approach::valid_ids()
                ),
            )
        })?;
        if !out.iter().any(|o| o.info().id == id) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(UsageError::bad(
            "--approach",
            "no approach given",
            format!(
                "use all, python or a comma list of: {}",
                approach::valid_ids()
            ),
        ));
    }
    Ok(out)
}

/// The configuration of `parlab run --mock ARGS…` (for tests elsewhere in the crate).
impl RunConfig {
    /// The approaches to run, in order: the baseline (when wanted) first, then the user's order.
    pub fn schedule(&self) -> Vec<&'static dyn Approach> {
        let mut order: Vec<&'static dyn Approach> = Vec::new();
        let sequential = approach::find("sequential").expect("sequential is registered");
        if self.baseline || self.approaches.iter().any(|a| a.info().id == "sequential") {
            order.push(sequential);
        }
        for a in &self.approaches {
            if !order.iter().any(|o| o.info().id == a.info().id) {
                order.push(*a);
            }
        }
        order
    }
}

#[cfg(test)]
pub use crate::export::fixture::config_for as mock_config;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("x", "1s").unwrap(), Duration::from_secs(1));
        assert_eq!(
            parse_duration("x", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("x", "1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse_duration("x", "800us").unwrap(),
            Duration::from_micros(800)
        );
        assert_eq!(parse_duration("x", "0").unwrap(), Duration::ZERO);
        for bad in ["-1s", "abc", "1 parsec", "", "1e999s", "2h"] {
            assert!(parse_duration("--io-wait", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_counts() {
        assert_eq!(parse_number("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(parse_number("834_238_027_356_431").unwrap(), DEFAULT_NUMBER);
        let e = parse_number("18446744073709551616")
            .unwrap_err()
            .to_string();
        assert!(e.contains("above u64's maximum"), "{e}");
        assert!(
            parse_number("-5")
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert!(
            parse_count("--tasks", "0", 10)
                .unwrap_err()
                .to_string()
                .starts_with("--tasks: 0")
        );
        assert_eq!(parse_count("--tasks", "10", 10).unwrap(), 10);
        assert!(parse_count("--tasks", "11", 10).is_err());
    }

    #[test]
    fn approach_lists() {
        // `all` is every Rust approach, `python` every Python one; together, the registry.
        let all = parse_approaches("all").unwrap();
        assert!(all.iter().all(|a| !python::is_python(a.info())));
        let python = parse_approaches("python").unwrap();
        assert_eq!(python.len(), 7);
        assert!(python.iter().all(|a| a.info().id.starts_with("py-")));
        let both = parse_approaches("all,python,threads").unwrap();
        assert_eq!(both.len(), approach::REGISTRY.len());
        let two = parse_approaches("threads, rayon,threads").unwrap();
        assert_eq!(
            two.iter().map(|a| a.info().id).collect::<Vec<_>>(),
            ["threads", "rayon"]
        );
        let e = parse_approaches("threads,fibers")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("fibers") && e.contains("thread-pool"), "{e}");
        assert_eq!(default_tasks(1), 4);
        assert_eq!(default_tasks(8), 16);
    }

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
