//! `parlab demos`: the Python demos' slower-vs-faster pairs, run in Rust and printed in their
//! format, then the pairs only Rust can show; under each pair, one line with the same pair run
//! in CPython ([`python`]).
//!
//! Each demo is data: a work spec, a task count, a pool size and two approach ids. It runs
//! through the same engine as `parlab run` ([`bench::run_all`] with an [`Executor`]), so the
//! figures are measured, and checked, exactly as the comparison table's are; with the mock
//! executor the output is exact, for snapshot tests.
//!
//! One run per approach can mislead on a shared machine, so each pair runs [`REPEATS`] times,
//! interleaved (slower, faster, slower, faster, ...), and prints its median and range; a pair
//! below half of the gain its shape allows says why ([`shortfall`]).

use std::io::Write;

use crate::app::config::{DemosConfig, DemosPython};
use crate::cancel::Cancel;
use crate::plan::approaches as approach;
use crate::plan::approaches::{ApproachId, catalogue};
use crate::plan::primes;
use crate::plan::workload::{WorkSpec, WorkloadKind};
use crate::run::bench::{self, Executor, Quiet, Stop};

pub mod python;
pub mod shortfall;

/// Runs of each approach of a pair, interleaved.
pub const REPEATS: u32 = 3;

/// The approach the multiprocessing demo splits its CPU loop over, one per core.
pub const PER_CORE: ApproachId = ApproachId::Process;

/// The pool the "multiprocessing with an execution pool" demo uses.
pub const POOL: ApproachId = ApproachId::ProcessPool;

/// Divisions in the CPU loop the multiprocessing demo splits over the cores (a second or so on
/// one core), and in each of the pool demo's 10 tasks. `--quick` divides both by 100.
const LOOP_DIVISIONS: u64 = 400_000_000;
const POOL_TASK_DIVISIONS: u64 = 40_000_000;
const QUICK_SCALE: u64 = 100;

/// How many times less CPU work the Python lines run than the full demos: CPython divides some
/// twenty times slower than Rust, so a tenth keeps each approach to seconds, long enough that
/// its start-up is a small share and the GIL shows. Under `--quick` they run the Rust pair's.
pub const PYTHON_SCALE: u64 = 10;

/// One slower-vs-faster comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    /// The line above the figures: what is compared.
    pub heading: String,
    /// The approach expected to be slower.
    pub slower: &'static str,
    /// The approach expected to be faster.
    pub faster: &'static str,
    /// What every task does.
    pub work: WorkSpec,
    /// How many tasks each approach runs.
    pub tasks: u32,
    /// Workers for a pooled approach.
    pub pool_size: usize,
    /// The improvement the pair's shape allows: how many tasks the faster approach can run at
    /// once (all waits overlap; CPU work on at most the cores), whole rounds counted.
    pub ideal: f64,
}

/// The gain of running `tasks` equal tasks `width` at a time over one at a time.
pub fn ideal_gain(tasks: u32, width: usize) -> f64 {
    let width = width.clamp(1, tasks.max(1) as usize) as u32;
    tasks as f64 / tasks.div_ceil(width) as f64
}

/// What one demo measured: each approach's id and wall times (s, in run order), or why it
/// failed its check.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoResult {
    /// The demo's heading.
    pub heading: String,
    /// The slower approach and its times, s.
    pub slower: (String, Result<Vec<f64>, String>),
    /// The faster approach and its times, s.
    pub faster: (String, Result<Vec<f64>, String>),
    /// Why the pair fell below half of its ideal gain, when it did.
    pub shortfall: Option<String>,
    /// Others' share of the cores over the pair's runs (0.5: half of them) and the cores,
    /// where it was measured: above `crate::judge::claims::check::BUSY_SHARE` the pair's lines say
    /// so and draw no conclusion from its figures.
    pub others: Option<(f64, usize)>,
}

impl DemoResult {
    /// The speed improvement of each pair of runs (the i-th slower over the i-th faster).
    pub fn improvements(&self) -> Vec<f64> {
        match (&self.slower.1, &self.faster.1) {
            (Ok(slow), Ok(fast)) => slow
                .iter()
                .zip(fast)
                .filter(|(_, f)| **f > 0.0)
                .map(|(s, f)| s / f)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The demos for a machine of `cores` logical cores. `quick` scales the waits down fifty times
/// and the CPU work down to a small number, for tests.
pub fn demos(cores: usize, quick: bool) -> Vec<Demo> {
    demos_at(cores, quick, if quick { QUICK_SCALE } else { 1 })
}

/// The demos whose CPU work is CPython's: see [`PYTHON_SCALE`].
pub fn python_demos(cores: usize, quick: bool) -> Vec<Demo> {
    demos_at(cores, quick, python_scale(quick))
}

/// How many times less CPU work than the full demos the Python lines run.
pub fn python_scale(quick: bool) -> u64 {
    if quick { QUICK_SCALE } else { PYTHON_SCALE }
}

/// The demos with the CPU work divided by `scale`; `quick` scales the waits.
fn demos_at(cores: usize, quick: bool, scale: u64) -> Vec<Demo> {
    let wait_ns: u64 = if quick { 20_000_000 } else { 1_000_000_000 };
    let wait = human_wait(wait_ns);
    let io = WorkSpec {
        workload: WorkloadKind::Io,
        number: 0,
        io_wait_ns: wait_ns,
        net: crate::plan::workload::NetSpec::DEFAULT,
    };
    let cores_u32 = cores.max(1) as u32;
    // A task tests a prime, so it tries every divisor: the loop's share is exactly its size.
    let cpu = |divisions: u64| WorkSpec {
        workload: WorkloadKind::Cpu,
        number: prime_with_divisions(divisions),
        io_wait_ns: 0,
        net: crate::plan::workload::NetSpec::DEFAULT,
    };
    let split = cpu(LOOP_DIVISIONS / scale / cores_u32 as u64);
    let pool_task = cpu(POOL_TASK_DIVISIONS / scale);
    let loop_size = human_count(LOOP_DIVISIONS / scale);
    let pool_size_text = human_count(POOL_TASK_DIVISIONS / scale);
    let per_core = if cores == 1 { "process" } else { "processes" };
    vec![
        Demo {
            heading: format!("Async/await: {} waits of {wait}", 5),
            slower: catalogue::SEQUENTIAL.id,
            faster: catalogue::ASYNC.id,
            work: io,
            tasks: 5,
            pool_size: 5,
            ideal: ideal_gain(5, 5),
        },
        Demo {
            heading: format!(
                "Multiprocessing: a CPU loop of {loop_size} divisions split over {cores} \
                 {per_core}, one per core"
            ),
            slower: catalogue::SEQUENTIAL.id,
            faster: PER_CORE.as_str(),
            work: split,
            tasks: cores_u32,
            pool_size: cores,
            ideal: ideal_gain(cores_u32, cores),
        },
        Demo {
            heading: format!(
                "Multiprocessing with an execution pool: 10 CPU tasks of {pool_size_text} \
                 divisions, pool of {cores}"
            ),
            slower: catalogue::SEQUENTIAL.id,
            faster: POOL.as_str(),
            work: pool_task,
            tasks: 10,
            pool_size: cores,
            ideal: ideal_gain(10, cores),
        },
        Demo {
            heading: format!("Threading: 4 waits of {wait}"),
            slower: catalogue::SEQUENTIAL.id,
            faster: catalogue::THREADS.id,
            work: io,
            tasks: 4,
            pool_size: 4,
            ideal: ideal_gain(4, 4),
        },
        Demo {
            heading: format!("Threading with an execution pool: 4 waits of {wait}, pool of 4"),
            slower: catalogue::SEQUENTIAL.id,
            faster: catalogue::THREAD_POOL.id,
            work: io,
            tasks: 4,
            pool_size: 4,
            ideal: ideal_gain(4, 4),
        },
        Demo {
            heading: format!(
                "Rust only, threads on CPU work: the same loop over {cores} threads; no GIL, so \
                 near-linear speedup"
            ),
            slower: catalogue::SEQUENTIAL.id,
            faster: catalogue::THREADS.id,
            work: split,
            tasks: cores_u32,
            pool_size: cores,
            ideal: ideal_gain(cores_u32, cores),
        },
        Demo {
            heading: format!(
                "Rust only, async on CPU work: the same loop as {cores} tasks; async-inline blocks \
                 its event loop, async uses its blocking pool"
            ),
            slower: catalogue::ASYNC_INLINE.id,
            faster: catalogue::ASYNC.id,
            work: split,
            tasks: cores_u32,
            pool_size: cores,
            ideal: ideal_gain(cores_u32, cores),
        },
    ]
}

/// The smallest prime whose trial division tries at least `divisions` divisors.
pub fn prime_with_divisions(divisions: u64) -> u64 {
    // Divisors run 2..=isqrt(n): isqrt(n) = divisions + 1 from n = (divisions + 1)^2 on. Prime
    // gaps at this size are a few hundred at most, so the search is short.
    let root = divisions.saturating_add(1).min(u32::MAX as u64 - 1);
    let mut n = root * root;
    while !primes::is_prime_reference(n) {
        n += 1;
    }
    n
}

/// A count as the headings say it: `400 million`, `4 million`, `400 thousand`.
fn human_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 && n % 1_000_000_000 == 0 => {
            format!("{} billion", n / 1_000_000_000)
        }
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{} million", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{} thousand", n / 1_000),
        n => n.to_string(),
    }
}

/// A wait as the headings say it: `1 s`, `20 ms`.
fn human_wait(ns: u64) -> String {
    if ns.is_multiple_of(1_000_000_000) {
        format!("{} s", ns / 1_000_000_000)
    } else {
        format!("{} ms", ns / 1_000_000)
    }
}

/// How the demos ended.
#[derive(Debug)]
pub struct DemosOutcome {
    /// Every demo that ran to its end.
    pub results: Vec<DemoResult>,
    /// Every Python pair that ran to its end.
    pub python_results: Vec<DemoResult>,
    /// Set when the demos stopped early.
    pub stop: Option<Stop>,
}

impl DemosOutcome {
    /// True when an approach failed its check.
    pub fn any_failed(&self) -> bool {
        self.results
            .iter()
            .chain(&self.python_results)
            .any(|r| r.slower.1.is_err() || r.faster.1.is_err())
    }
}

/// Runs every demo with `executor`, writing each one's lines to `out` as soon as it is done,
/// and then, when [`DemosConfig::python`] says so, its Python pair's line.
pub fn run(
    cfg: &DemosConfig,
    executor: &dyn Executor,
    cancel: &Cancel,
    out: &mut dyn Write,
    colour: bool,
) -> anyhow::Result<DemosOutcome> {
    let mut outcome = DemosOutcome {
        results: Vec::new(),
        python_results: Vec::new(),
        stop: None,
    };
    let with_python = cfg.python == DemosPython::On;
    let twins = python_demos(cfg.logical_cores, cfg.quick);
    let share = python_scale(cfg.quick) / if cfg.quick { QUICK_SCALE } else { 1 };
    for (demo, twin) in demos(cfg.logical_cores, cfg.quick).iter().zip(&twins) {
        let (result, stop) = run_one(demo, cfg, executor, cancel)?;
        outcome.stop = stop;
        let Some(r) = result else {
            if outcome.stop.is_some() {
                break;
            }
            continue;
        };
        out.write_all(render_pair(&r, colour).as_bytes())?;
        out.flush()?;
        outcome.results.push(r);
        if outcome.stop.is_none()
            && with_python
            && let Some(py) = python::pair(demo, twin, share)
        {
            let (result, stop) = run_one(&py.demo, cfg, executor, cancel)?;
            if let Some(r) = result {
                out.write_all(python::render_line(&r, py.share).as_bytes())?;
                outcome.python_results.push(r);
            }
            outcome.stop = stop;
        }
        out.write_all(b"\n")?;
        out.flush()?;
        if outcome.stop.is_some() {
            break;
        }
    }
    Ok(outcome)
}

/// Runs one demo's pair through the bench, [`REPEATS`] times each, interleaved.
fn run_one(
    demo: &Demo,
    cfg: &DemosConfig,
    executor: &dyn Executor,
    cancel: &Cancel,
) -> anyhow::Result<(Option<DemoResult>, Option<Stop>)> {
    let find = |id: &str| {
        approach::find(id).ok_or_else(|| anyhow::anyhow!("demo approach '{id}' is not registered"))
    };
    let faster = find(demo.faster)?;
    let mut run_cfg = crate::plan::Plan::programmatic(
        demo.work,
        demo.tasks,
        demo.pool_size,
        vec![find(demo.slower)?, faster],
        cfg.logical_cores,
        cfg.mock,
    );
    // The bench runs approaches in rounds: slower, faster, slower, faster, ...
    run_cfg.repetitions.runs = Some(REPEATS);
    run_cfg.approach.interpreter = cfg.interpreter.clone();
    let before = shortfall::CpuSample::now();
    let outcome = bench::run_all(&run_cfg, executor, cancel, &mut Quiet);
    let others_share = before.others_share_since(cfg.logical_cores);
    let times_of = |id: &str| -> Option<Result<Vec<f64>, String>> {
        let runs: Vec<&bench::RunMeasurement> = outcome
            .measurements
            .iter()
            .filter(|m| m.approach == id)
            .collect();
        if runs.is_empty() {
            return None;
        }
        Some(match runs.iter().find(|m| !m.verified) {
            Some(m) => Err(m
                .problem
                .clone()
                .unwrap_or_else(|| "unknown problem".into())),
            None => Ok(runs.iter().map(|m| m.wall_s).collect()),
        })
    };
    let (Some(slower), Some(faster_times)) = (times_of(demo.slower), times_of(demo.faster)) else {
        return Ok((None, outcome.stop));
    };
    let mut result = DemoResult {
        heading: demo.heading.clone(),
        slower: (demo.slower.to_string(), slower),
        faster: (demo.faster.to_string(), faster_times),
        shortfall: None,
        others: others_share_of(&outcome.measurements, cfg.logical_cores)
            .map(|s| (s, cfg.logical_cores)),
    };
    if let Ok(slow) = &result.slower.1
        && !result.improvements().is_empty()
    {
        let info = faster;
        let spawns = match info.family {
            approach::Family::Process | approach::Family::Thread
                if demo.pool_size < demo.tasks as usize && demo.faster.contains("pool") =>
            {
                demo.pool_size as u32
            }
            _ => demo.tasks,
        };
        result.shortfall = shortfall::note(&shortfall::PairFigures {
            improvement: crate::stats::median(&result.improvements()),
            ideal: demo.ideal,
            slower_s: crate::stats::median(slow),
            tasks: demo.tasks,
            startup_s: shortfall::startup_estimate_s(info.family, spawns),
            // The mock machine is never busy.
            others_share: if cfg.mock { None } else { others_share },
            load: if cfg.mock {
                None
            } else {
                shortfall::load_average()
            },
            cores: cfg.logical_cores,
        });
    }
    Ok((Some(result), outcome.stop))
}

/// Others' share of the cores over `runs`, from each run's foreign CPU ([`crate::run::record::load`],
/// read around every run by the executor): their CPU over the runs' wall time × `cores`. None
/// where no run's was read.
pub fn others_share_of(runs: &[bench::RunMeasurement], cores: usize) -> Option<f64> {
    let read: Vec<_> = runs
        .iter()
        .filter_map(|m| Some((m.foreign_cpu_s?, m.wall_s)))
        .collect();
    let wall: f64 = read.iter().map(|r| r.1).sum();
    (wall > 0.0).then(|| read.iter().map(|r| r.0).sum::<f64>() / (wall * cores.max(1) as f64))
}

/// The busy line of a pair whose runs others disturbed (their share of the cores above
/// `crate::judge::claims::check::BUSY_SHARE`): the figure, and that the pair cannot tell.
pub fn busy_line(r: &DemoResult) -> Option<String> {
    let (share, cores) = r
        .others
        .filter(|&(s, _)| s > crate::judge::claims::check::BUSY_SHARE)?;
    // Within 80 columns, indented under a Python line too.
    Some(format!(
        "Busy: other programs kept {:.0}% of the {cores} core{} busy; this pair cannot tell",
        share.min(1.0) * 100.0,
        if cores == 1 { "" } else { "s" }
    ))
}

/// The heading as printed: on a busy machine the conclusion it draws ("so near-linear
/// speedup") is kept to an idle machine, which this run's figures cannot show.
fn heading_for(r: &DemoResult) -> String {
    let busy = r
        .others
        .is_some_and(|(s, _)| s > crate::judge::claims::check::BUSY_SHARE);
    if busy {
        r.heading.replace(
            "so near-linear speedup",
            "so near-linear speedup on an idle machine",
        )
    } else {
        r.heading.clone()
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BLUE: &str = "\x1b[34m";
const RESET: &str = "\x1b[0m";

/// One demo's lines in the Python demos' format (red slower, green faster, blue improvement
/// when `colour`), and a blank line.
pub fn render(r: &DemoResult, colour: bool) -> String {
    let mut out = render_pair(r, colour);
    out.push('\n');
    out
}

/// One demo's lines in the Python demos' format, without the blank line that ends the demo.
fn render_pair(r: &DemoResult, colour: bool) -> String {
    let paint = |code: &str, text: String| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text
        }
    };
    // The median run's time, as the Python demos print their one run's.
    let finished = |(name, times): &(String, Result<Vec<f64>, String>)| match times {
        Ok(t) => format!(
            "Finished '{name}' in {}s",
            seconds_4(crate::stats::median(t))
        ),
        Err(problem) => format!("'{name}' FAILED its check: {problem}"),
    };
    let mut out = format!("{}\n", heading_for(r));
    out.push_str(&paint(
        RED,
        format!("Slower approach: {}", finished(&r.slower)),
    ));
    out.push('\n');
    out.push_str(&paint(
        GREEN,
        format!("Faster approach: {}", finished(&r.faster)),
    ));
    out.push('\n');
    if let Some(gain) = printed_gain(r, seconds_4) {
        out.push_str(&paint(
            BLUE,
            format!("Speed improvement {}", gain_text(gain, &r.improvements())),
        ));
        out.push('\n');
    }
    // Said before any reason the pair fell short, which the load then explains.
    if let Some(line) = busy_line(r) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(why) = &r.shortfall {
        out.push_str(why);
        out.push('\n');
    }
    out
}

/// Seconds as the Rust lines print them, four decimals: `1.0021`.
fn seconds_4(s: f64) -> String {
    format!("{s:.4}")
}

/// The improvement a pair's lines print: the slower median time over the faster, both as
/// `format` prints them, so the ratio shown is the ratio of the times shown. None when either
/// failed its check or a printed time is zero.
pub fn printed_gain(r: &DemoResult, format: fn(f64) -> String) -> Option<f64> {
    let printed = |times: &Result<Vec<f64>, String>| -> Option<f64> {
        let t = times.as_ref().ok().filter(|t| !t.is_empty())?;
        format(crate::stats::median(t)).parse().ok()
    };
    let (slow, fast) = (printed(&r.slower.1)?, printed(&r.faster.1)?);
    (fast > 0.0).then(|| slow / fast)
}

/// The improvement and, over several runs, the range of the runs' own (the i-th slower over
/// the i-th faster): `1.96x (1.90–1.99)`. The ratio of the medians lies within that range; the
/// range is widened only where rounding the times put the ratio a hair outside it.
fn gain_text(gain: f64, gains: &[f64]) -> String {
    if gains.len() < 2 {
        return format!("{gain:.2}x");
    }
    let lo = gains.iter().copied().fold(gain, f64::min);
    let hi = gains.iter().copied().fold(gain, f64::max);
    format!("{gain:.2}x ({lo:.2}–{hi:.2})")
}

/// A warning for a machine already busy before the demos start: its CPU pairs cannot show
/// their speedup when other processes hold the cores. `None` where the load is unknown or low.
pub fn busy_note(cores: usize) -> Option<String> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    busy_note_for(&loadavg, cores)
}

fn busy_note_for(loadavg: &str, cores: usize) -> Option<String> {
    let load: f64 = loadavg.split_whitespace().next()?.parse().ok()?;
    (load >= cores as f64 * 0.75).then(|| {
        format!(
            "note: this machine is already busy (load average {load:.1} on {cores} logical \
             core{}): the CPU pairs will show less than their speedup",
            if cores == 1 { "" } else { "s" }
        )
    })
}

#[cfg(test)]
mod tests;
