//! The validated, typed settings of a run: the only reader of [`crate::cli`] types.
//!
//! Every check that can fail on user input happens here, before anything runs, and fails with
//! a [`UsageError`] that names the flag and what it accepts.

use std::path::PathBuf;
use std::time::Duration;

use crate::approach::{self, Approach};
use crate::bench::repeat::Repetitions;
use crate::cli::{FormatArg, RunArgs};
use crate::error::UsageError;
use crate::export::{ExportFormat, ExportTarget};
use crate::workload::{WorkSpec, WorkloadKind};

mod sweep;
pub use sweep::{SweepConfig, default_pool_sizes, parse_pool_sizes};

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
    /// The approaches asked for, in the user's order.
    pub approaches: Vec<&'static dyn Approach>,
    /// Whether to measure `sequential` as the baseline even if not asked for.
    pub baseline: bool,
    /// Why the baseline was skipped, when it was skipped without being asked to.
    pub baseline_skipped: Option<String>,
    /// What to print.
    pub format: Format,
    /// Use the deterministic mock executor.
    pub mock: bool,
    /// Logical cores of the machine (the mock machine's under `mock`).
    pub logical_cores: usize,
    /// Warm-up and measured runs per approach, as asked.
    pub repetitions: Repetitions,
    /// Where `--export-*` write.
    pub exports: Vec<ExportTarget>,
    /// A saved JSON run to compare with (`--compare`).
    pub compare: Option<PathBuf>,
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("work", &self.work)
            .field("tasks", &self.tasks)
            .field("pool_size", &self.pool_size)
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

/// The seed tool's default number: prime, about 0.1 s of trial division.
pub const DEFAULT_NUMBER: u64 = 834_238_027_356_431;

impl RunConfig {
    /// Checks `args` and builds the configuration.
    pub fn from_args(args: &RunArgs) -> Result<Self, UsageError> {
        let logical_cores = if args.mock {
            crate::bench::mock::MOCK_CORES
        } else {
            crate::machine::logical_cores()
        };
        let workload = WorkloadKind::parse(args.workload.trim()).ok_or_else(|| {
            UsageError::bad(
                "--workload",
                format!("unknown workload '{}'", args.workload),
                "use one of: cpu, io, mixed, noop",
            )
        })?;
        let number = parse_number(&args.number)?;
        let tasks = match &args.tasks {
            Some(t) => parse_count("--tasks", t, u32::MAX as u64)? as u32,
            None => default_tasks(logical_cores),
        };
        let pool_size = match &args.pool_size {
            Some(p) => parse_count("--pool-size", p, 4096)? as usize,
            None => logical_cores,
        };
        let io_wait = parse_duration("--io-wait", &args.io_wait)?;
        let approaches = parse_approaches(&args.approach)?;
        for a in &approaches {
            a.check(tasks, pool_size)?;
        }
        let work = WorkSpec {
            workload,
            number,
            io_wait_ns: io_wait.as_nanos() as u64,
        };

        let asked_sequential = approaches.iter().any(|a| a.info().id == "sequential");
        let baseline_wait = work.wait_per_task().as_secs_f64() * tasks as f64;
        let mut baseline = !args.no_baseline;
        let mut baseline_skipped = None;
        if baseline && !asked_sequential && baseline_wait > BASELINE_WAIT_LIMIT_S {
            baseline = false;
            baseline_skipped = Some(format!(
                "no speedups: the sequential baseline would wait {} ({tasks} tasks one after another); \
                 add it with --approach sequential,... or use fewer --tasks",
                crate::output::format_seconds(baseline_wait)
            ));
        }
        let format = match args.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
        };
        Ok(Self {
            work,
            tasks,
            pool_size,
            approaches,
            baseline,
            baseline_skipped,
            format,
            mock: args.mock,
            logical_cores,
            repetitions: Repetitions {
                runs: args
                    .runs
                    .as_deref()
                    .map(|r| parse_count("--runs", r, 100_000).map(|n| n as u32))
                    .transpose()?,
                warmup: args
                    .warmup
                    .as_deref()
                    .map(|w| parse_at_most("--warmup", w, 10_000).map(|n| n as u32))
                    .transpose()?,
            },
            exports: parse_exports(args, format)?,
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
        })
    }
}

/// Parses `--export-*`: each a file or `-` for stdout, at most one to stdout, and none to stdout
/// when the JSON document already goes there.
fn parse_exports(args: &RunArgs, format: Format) -> Result<Vec<ExportTarget>, UsageError> {
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

/// Parses a duration such as `1s`, `250ms`, `1.5s`, `800us`, `2m` (a bare number is seconds).
pub fn parse_duration(flag: &'static str, text: &str) -> Result<Duration, UsageError> {
    let allowed = "give a duration such as 1s, 250ms, 1.5s or 800us (at most 1h)";
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (value, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
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

/// Parses `--approach`: a comma list of ids, or `all`.
pub fn parse_approaches(text: &str) -> Result<Vec<&'static dyn Approach>, UsageError> {
    let mut out: Vec<&'static dyn Approach> = Vec::new();
    for id in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if id == "all" {
            for a in approach::REGISTRY {
                if !out.iter().any(|o| o.info().id == a.info().id) {
                    out.push(*a);
                }
            }
            continue;
        }
        let a = approach::find(id).ok_or_else(|| {
            UsageError::bad(
                "--approach",
                format!("unknown approach '{id}'"),
                format!("use all or a comma list of: {}", approach::valid_ids()),
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
            format!("use all or a comma list of: {}", approach::valid_ids()),
        ));
    }
    Ok(out)
}

/// The configuration of `parlab run --mock ARGS…` (for tests elsewhere in the crate).
#[cfg(test)]
pub fn mock_config(args: &[&str]) -> RunConfig {
    use clap::Parser;
    let mut argv = vec!["parlab", "run", "--mock"];
    argv.extend(args);
    match crate::cli::Cli::parse_from(argv).command {
        Some(crate::cli::Command::Run(args)) => RunConfig::from_args(&args).unwrap(),
        _ => unreachable!("a run command"),
    }
}

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
        let all = parse_approaches("all").unwrap();
        assert_eq!(all.len(), approach::REGISTRY.len());
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
}
