//! The command line, as clap sees it: subcommands and flags, no logic.
//!
//! Values that need checking (numbers, durations, approach lists) are taken as text here and
//! checked in [`crate::app::config`], so that every mistake gets one clear line naming the flag.

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run the same work under every concurrency and parallelism approach, measure each honestly,
/// and show the differences.
///
/// With no subcommand in a terminal, parlab asks what to run (interactive mode).
#[derive(Debug, Parser)]
#[command(name = "parlab", version, about, long_about = None, max_term_width = 100,
    after_help = "With no command in a terminal, parlab starts its interactive mode: a menu of approaches, a few questions with defaults, and the bar graph of every run at the end."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
// Parsed once per process: the size of `RunArgs` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run approaches on the same work and print a comparison.
    ///
    /// Example: parlab run --workload io --tasks 10000 --io-wait 1s --approach threads,async
    Run(RunArgs),
    /// The Python demos' slower-vs-faster pairs, run in Rust (then in CPython), and two pairs only
    /// Rust can show.
    Demos(DemosArgs),
    /// Run the pooled approaches at several pool sizes and show how each scales.
    ///
    /// Example: parlab sweep --pool-sizes 1,2,4,8 --approach thread-pool,rayon --chart sweep.svg
    Sweep(SweepArgs),
    /// Time the bare primitives the approaches are built on (their floors), or hold saved runs'
    /// costs against committed figures (scripts/perf-check).
    ///
    /// Example: parlab floor --check scripts/perf-figures.json --noop noop.json --io io.json
    Floor(FloorArgs),
    /// List every approach (what it does, its Python counterpart) and every workload.
    List,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `parlab man > parlab.1`; or write one per subcommand.
    Man {
        /// Write parlab.1 and a page per subcommand (parlab-run.1 …) into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// Run as a worker process of the process approaches (parlab starts these itself).
    #[command(hide = true)]
    Worker {
        /// The pid of the parlab that started this worker.
        #[arg(long)]
        parent: Option<u32>,
    },
    /// Run as the local server of `net` work (parlab starts it itself).
    #[command(hide = true)]
    Serve {
        /// How long to wait before answering each request, ns.
        #[arg(long, default_value_t = 0)]
        io_wait_ns: u64,
        /// Bytes in each reply.
        #[arg(long, default_value_t = 16 * 1024)]
        payload: u32,
        /// Requests per connection: the server closes it after answering the last (0: it waits
        /// for the client to close).
        #[arg(long, default_value_t = 0)]
        requests: u32,
    },
}

/// The flags of `parlab run`: the common ones and its own.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Workers for the approaches that have a pool [default: the logical cores].
    #[arg(short, long, value_name = "N", allow_negative_numbers = true)]
    pub pool_size: Option<String>,

    /// Do not measure `sequential` when it was not asked for (no speedups then).
    #[arg(long)]
    pub no_baseline: bool,

    /// Call your own Python function NAME(task) as each task's work, under every py-* approach
    /// (the `pyfunc` workload): FILE.py:NAME, or package.module:NAME found on PYTHONPATH.
    /// Each task's value must equal py-sequential's.
    #[arg(long, value_name = "FILE.py:NAME")]
    pub py_func: Option<String>,

    /// With --py-func: a function check(task, value) -> bool that verifies each task's value,
    /// instead of comparing it with py-sequential's.
    #[arg(long, value_name = "FILE.py:NAME")]
    pub py_check: Option<String>,

    /// Compare with a run saved by --export-json: the table gains its figures, the change
    /// and a verdict (faster, slower, within noise).
    #[arg(long, value_name = "FILE.json")]
    pub compare: Option<String>,

    /// The flags `run` shares with `sweep`.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The flags `run` and `sweep` share.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Approaches to run: a comma list of ids (see `parlab list`) or `all`.
    #[arg(short, long, value_name = "LIST", default_value = "all",
        value_parser = Choices(approach_choices), hide_possible_values = true)]
    pub approach: String,

    /// The work each task does (the list comes from the workloads themselves).
    #[arg(short, long, value_name = "WORKLOAD", default_value = "cpu",
        help = crate::plan::workload::help_text(),
        value_parser = Choices(workload_choices), hide_possible_values = true)]
    pub workload: String,

    /// Run CMD through `sh -c` as each task's work (the `command` workload): `{task}` becomes the
    /// task's index, and PARLAB_TASK and PARLAB_TASKS are set. Exit status 0 is a verified task.
    #[arg(long, value_name = "CMD", allow_hyphen_values = true)]
    pub command: Option<String>,

    /// Let the commands' stdout and stderr through to the terminal (default: discarded; the
    /// last lines of a failed command's stderr are quoted in its message).
    #[arg(long)]
    pub show_output: bool,

    /// The number to test for primality (cpu and mixed work), 0 to 18446744073709551615.
    #[arg(
        short,
        long,
        value_name = "N",
        default_value = "834238027356431",
        allow_negative_numbers = true
    )]
    pub number: String,

    /// How many tasks, 1 to 1,000,000 [default: twice the logical cores, at least 4].
    #[arg(short, long, value_name = "N", allow_negative_numbers = true)]
    pub tasks: Option<String>,

    /// Tasks handed out at once by process-pool-chunked [default: tasks ÷ (4 × pool size),
    /// rounded up, as Python's Pool.starmap].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub chunk_size: Option<String>,

    /// Worker threads in each process of approach cluster; the pool size is the total worker
    /// count, so the processes are the pool size ÷ this [default: 1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub cluster_workers: Option<String>,

    /// Approach cluster across machines: a file of one `host:port` a line, in process order;
    /// the first is this machine's process 0 (parlab), which prints the command to start on
    /// every other host and waits for them to join.
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<std::path::PathBuf>,

    /// How long approach cluster waits for the `--hosts` to join, e.g. 30s, 2m [default: 60s].
    #[arg(long, value_name = "DURATION")]
    pub join_timeout: Option<String>,

    /// One wait of io and mixed work, e.g. 1s, 250ms, 1.5s, 800us.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "250ms",
        allow_hyphen_values = true
    )]
    pub io_wait: String,

    /// Requests each task of net work makes, one after another on one connection, 1 to 10,000.
    #[arg(
        long,
        value_name = "N",
        default_value = "4",
        allow_negative_numbers = true
    )]
    pub requests: String,

    /// Bytes in each reply of net work, e.g. 16384, 16KiB, 1MiB (at most 16 MiB).
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "16KiB",
        allow_negative_numbers = true
    )]
    pub payload: String,

    /// Stop the run when one task of a process approach runs longer than this, e.g. 30s; its
    /// worker's process group is killed [default: no limit].
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub task_timeout: Option<String>,

    /// Refuse an approach (skip it, with `all`) when one run could not take less than this,
    /// judged from the plan's waits; `none` for no limit.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = crate::plan::max_time::DEFAULT,
        allow_hyphen_values = true
    )]
    pub max_time: String,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Measured runs per approach [default: at least 5 and at least 2 s in all, decided from
    /// the first run; fewer for runs over 12 s].
    #[arg(short = 'r', long, value_name = "N", allow_negative_numbers = true)]
    pub runs: Option<String>,

    /// Warm-up runs per approach, not measured [default: 1, or 0 when a run takes over 3 s].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub warmup: Option<String>,

    /// Write the results as JSON to FILE (`-` for stdout); `run` rewrites it as runs finish
    /// (at most every 0.5 s) and at the end, `sweep` writes it at the end.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<String>,

    /// Write the results as CSV to FILE (`-` for stdout); `run` rewrites it as runs finish
    /// (at most every 0.5 s) and at the end, `sweep` writes it at the end.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<String>,

    /// Write the results as a Markdown table to FILE (`-` for stdout); `run` rewrites it as
    /// runs finish (at most every 0.5 s) and at the end, `sweep` writes it at the end.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<String>,

    /// Write every task's events as a Chrome trace (JSON) that Perfetto and chrome://tracing open.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,

    /// Draw a Gantt chart of every task (a lane per worker) to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<std::path::PathBuf>,

    /// Print a text Gantt chart (a row per worker, time across) after the results.
    #[arg(long)]
    pub timeline_term: bool,

    /// Write a self-contained HTML report (table, charts, timeline, notes).
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,

    /// Also draw the comparison as a chart: FILE.svg or FILE.png (`sweep`: speedup against
    /// pool size, with the ideal and an Amdahl's-law fit).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<std::path::PathBuf>,

    /// No live progress bars on stderr (plain lines instead).
    #[arg(long)]
    pub no_progress: bool,

    /// A line on stderr for every run, warm-ups included, not one per approach.
    #[arg(long)]
    pub verbose: bool,

    /// Draw bars with ASCII characters only (the default where the locale is not UTF-8).
    #[arg(long)]
    pub ascii: bool,

    /// The Python interpreter for the py-* approaches [default: python3 on PATH].
    #[arg(long, value_name = "PATH")]
    pub python: Option<std::path::PathBuf>,

    /// `--quiet` and `--color`.
    #[command(flatten)]
    pub output: OutputArgs,

    /// Before each run, wait until other programs leave the cores idle (at most LIMIT in all,
    /// then run anyway), and measure again a run they disturbed: for shared CI runners and
    /// busy laptops [LIMIT default: 60s].
    #[arg(long, value_name = "LIMIT", num_args = 0..=1, require_equals = true,
        default_missing_value = "")]
    pub wait_idle: Option<String>,

    /// Replace measurement by a deterministic model (for tests and snapshots).
    #[arg(long, hide = true)]
    pub mock: bool,

    /// Make the mock machine busy: other programs keep CORES cores busy (with --mock).
    #[arg(long, hide = true, value_name = "CORES")]
    pub mock_load: Option<String>,
}

/// The flags of `parlab demos`.
#[derive(Debug, Args, Clone)]
pub struct DemosArgs {
    /// Scale the demos down for a quick look or a test: waits become 20 ms, CPU work a hundredth.
    #[arg(long)]
    pub quick: bool,

    /// Leave out the line under each pair showing the same pair run in CPython.
    #[arg(long)]
    pub no_python: bool,

    /// The Python interpreter for the Python lines [default: python3 on PATH].
    #[arg(long, value_name = "PATH", conflicts_with = "no_python")]
    pub python: Option<std::path::PathBuf>,

    /// `--quiet` and `--color`.
    #[command(flatten)]
    pub output: OutputArgs,

    /// Replace measurement by a deterministic model (for tests and snapshots).
    #[arg(long, hide = true)]
    pub mock: bool,
}

/// The flags of `parlab sweep`: the common ones and a list of pool sizes.
#[derive(Debug, Args, Clone)]
pub struct SweepArgs {
    /// Pool sizes to try, a comma list [default: powers of two up to twice the logical cores].
    // Hyphen values are taken, so `--pool-sizes -1` is refused naming the flag, not as an
    // unknown argument.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    pub pool_sizes: Option<String>,

    /// The flags shared with `parlab run` (the approaches default to every pooled one).
    #[command(flatten)]
    pub common: CommonArgs,
}

/// How much parlab says, and in colour or not.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Print the results and errors only: the table alone (and the exports), no progress,
    /// notes, lesson, bar chart or other messages.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour: auto (when writing to a terminal and NO_COLOR is unset), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When writing to a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The flags of `parlab floor`.
#[derive(Debug, Args, Clone)]
pub struct FloorArgs {
    /// Hold the costs of saved runs against the figures committed in FILE (JSON, e.g.
    /// scripts/perf-figures.json): exit status 1 when one grew past its margin.
    #[arg(long, value_name = "FILE", requires = "noop")]
    pub check: Option<std::path::PathBuf>,

    /// The saved JSON report of a `--workload noop` run (parlab run --format json), for --check;
    /// repeat it for several runs of one attempt (each approach's fastest run and each floor's
    /// fastest batch over all of them are used).
    #[arg(long, value_name = "FILE", requires = "check")]
    pub noop: Vec<std::path::PathBuf>,

    /// The saved JSON report of a run of many waiting tasks (`--workload io`), for --check's
    /// memory per task.
    #[arg(long, value_name = "FILE", requires = "check")]
    pub io: Option<std::path::PathBuf>,

    /// With --check: save this attempt's figures to FILE (JSON), for a later attempt's --earlier.
    #[arg(long, value_name = "FILE", requires = "check")]
    pub save: Option<std::path::PathBuf>,

    /// With --check: the figures an earlier attempt saved (--save); a figure fails only when it
    /// is past its margin in this attempt and in every earlier one (with --write: each figure's
    /// median over all the attempts is recorded).
    #[arg(long, value_name = "FILE", requires = "check")]
    pub earlier: Vec<std::path::PathBuf>,

    /// With --check: write the figures measured now into its FILE (keeping its margins)
    /// instead of failing; for a change that is meant to move them, or a new machine class.
    #[arg(long, requires = "check")]
    pub write: bool,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A comparison table and notes.
    Table,
    /// A JSON document (see README for its keys).
    Json,
}

/// A text flag whose values completions offer, checked later by [`crate::app::config`] (so that a
/// mistake gets its one clear line naming the flag, and comma lists stay text).
#[derive(Clone)]
struct Choices(fn() -> Vec<PossibleValue>);

impl TypedValueParser for Choices {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter()))
    }
}

/// `--approach` values: `all` and every approach id.
fn approach_choices() -> Vec<PossibleValue> {
    std::iter::once(PossibleValue::new("all").help("every approach"))
        .chain(
            crate::plan::approaches::catalogue::ALL
                .iter()
                .map(|a| PossibleValue::new(a.id).help(a.summary)),
        )
        .collect()
}

/// `--workload` values: every workload id.
fn workload_choices() -> Vec<PossibleValue> {
    crate::plan::workload::WorkloadKind::ALL
        .iter()
        .map(|w| PossibleValue::new(w.id()).help(w.workload().summary()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
