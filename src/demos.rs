//! `parlab demos`: the Python demos' slower-vs-faster pairs, run in Rust and printed in their
//! format, then the pairs only Rust can show.
//!
//! Each demo is data: a work spec, a task count, a pool size and two approach ids. It runs
//! through the same engine as `parlab run` ([`bench::run_all`] with an [`Executor`]), so the
//! figures are measured, and checked, exactly as the comparison table's are; with the mock
//! executor the output is exact, for snapshot tests.

use std::io::Write;

use crate::approach;
use crate::bench::{self, Executor, Quiet, Stop};
use crate::cancel::Cancel;
use crate::config::{DemosConfig, RunConfig};
use crate::primes;
use crate::workload::{WorkSpec, WorkloadKind};

/// The approach the multiprocessing demo splits its CPU loop over, one per core.
pub const PER_CORE: &str = "process";

/// The pool the "multiprocessing with an execution pool" demo uses.
pub const POOL: &str = "process-pool";

/// Divisions in the CPU loop the multiprocessing demo splits over the cores (a second or so on
/// one core), and in each of the pool demo's 10 tasks. `--quick` divides both by 100.
const LOOP_DIVISIONS: u64 = 400_000_000;
const POOL_TASK_DIVISIONS: u64 = 40_000_000;
const QUICK_SCALE: u64 = 100;

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
}

/// What one demo measured: each approach's id and wall time (s), or why it failed its check.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoResult {
    /// The demo's heading.
    pub heading: String,
    /// The slower approach and its time, s.
    pub slower: (String, Result<f64, String>),
    /// The faster approach and its time, s.
    pub faster: (String, Result<f64, String>),
}

/// The demos for a machine of `cores` logical cores. `quick` scales the waits down fifty times
/// and the CPU work down to a small number, for tests.
pub fn demos(cores: usize, quick: bool) -> Vec<Demo> {
    let wait_ns: u64 = if quick { 20_000_000 } else { 1_000_000_000 };
    let wait = human_wait(wait_ns);
    let io = WorkSpec {
        workload: WorkloadKind::Io,
        number: 0,
        io_wait_ns: wait_ns,
        net: crate::workload::NetSpec::DEFAULT,
    };
    let scale = if quick { QUICK_SCALE } else { 1 };
    let cores_u32 = cores.max(1) as u32;
    // A task tests a prime, so it tries every divisor: the loop's share is exactly its size.
    let cpu = |divisions: u64| WorkSpec {
        workload: WorkloadKind::Cpu,
        number: prime_with_divisions(divisions),
        io_wait_ns: 0,
        net: crate::workload::NetSpec::DEFAULT,
    };
    let split = cpu(LOOP_DIVISIONS / scale / cores_u32 as u64);
    let pool_task = cpu(POOL_TASK_DIVISIONS / scale);
    let loop_size = human_count(LOOP_DIVISIONS / scale);
    let pool_size_text = human_count(POOL_TASK_DIVISIONS / scale);
    let per_core = if cores == 1 { "process" } else { "processes" };
    vec![
        Demo {
            heading: format!("Async/await: {} waits of {wait}", 5),
            slower: "sequential",
            faster: "async",
            work: io,
            tasks: 5,
            pool_size: 5,
        },
        Demo {
            heading: format!(
                "Multiprocessing: a CPU loop of {loop_size} divisions split over {cores} \
                 {per_core}, one per core"
            ),
            slower: "sequential",
            faster: PER_CORE,
            work: split,
            tasks: cores_u32,
            pool_size: cores,
        },
        Demo {
            heading: format!(
                "Multiprocessing with an execution pool: 10 CPU tasks of {pool_size_text} \
                 divisions, pool of {cores}"
            ),
            slower: "sequential",
            faster: POOL,
            work: pool_task,
            tasks: 10,
            pool_size: cores,
        },
        Demo {
            heading: format!("Threading: 4 waits of {wait}"),
            slower: "sequential",
            faster: "threads",
            work: io,
            tasks: 4,
            pool_size: 4,
        },
        Demo {
            heading: format!("Threading with an execution pool: 4 waits of {wait}, pool of 4"),
            slower: "sequential",
            faster: "thread-pool",
            work: io,
            tasks: 4,
            pool_size: 4,
        },
        Demo {
            heading: format!(
                "Rust only, threads on CPU work: the same loop over {cores} threads; no GIL, so \
                 near-linear speedup"
            ),
            slower: "sequential",
            faster: "threads",
            work: split,
            tasks: cores_u32,
            pool_size: cores,
        },
        Demo {
            heading: format!(
                "Rust only, async on CPU work: the same loop as {cores} tasks; async-inline blocks \
                 its event loop, async uses its blocking pool"
            ),
            slower: "async-inline",
            faster: "async",
            work: split,
            tasks: cores_u32,
            pool_size: cores,
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
    if ns % 1_000_000_000 == 0 {
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
    /// Set when the demos stopped early.
    pub stop: Option<Stop>,
}

impl DemosOutcome {
    /// True when an approach failed its check.
    pub fn any_failed(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.slower.1.is_err() || r.faster.1.is_err())
    }
}

/// Runs every demo with `executor`, writing each one's lines to `out` as soon as it is done.
pub fn run(
    cfg: &DemosConfig,
    executor: &dyn Executor,
    cancel: &Cancel,
    out: &mut dyn Write,
    colour: bool,
) -> anyhow::Result<DemosOutcome> {
    let mut results = Vec::new();
    for demo in demos(cfg.logical_cores, cfg.quick) {
        let (result, stop) = run_one(&demo, cfg, executor, cancel)?;
        if let Some(r) = result {
            out.write_all(render(&r, colour).as_bytes())?;
            out.flush()?;
            results.push(r);
        }
        if stop.is_some() {
            return Ok(DemosOutcome { results, stop });
        }
    }
    Ok(DemosOutcome {
        results,
        stop: None,
    })
}

/// Each demo runs each approach once, as the Python demos do: the executor's plain
/// measurement, without the run-to-run variation a model adds to repeated runs.
struct OneRun<'a>(&'a dyn Executor);

impl Executor for OneRun<'_> {
    fn measure(
        &self,
        approach: &dyn crate::approach::Approach,
        ctx: crate::approach::RunContext,
    ) -> Result<bench::RunMeasurement, crate::approach::ApproachError> {
        self.0.measure(approach, ctx)
    }
}

/// Runs one demo's pair through the bench.
fn run_one(
    demo: &Demo,
    cfg: &DemosConfig,
    executor: &dyn Executor,
    cancel: &Cancel,
) -> anyhow::Result<(Option<DemoResult>, Option<Stop>)> {
    let find = |id: &str| {
        approach::find(id).ok_or_else(|| anyhow::anyhow!("demo approach '{id}' is not registered"))
    };
    let run_cfg = RunConfig::programmatic(
        demo.work,
        demo.tasks,
        demo.pool_size,
        vec![find(demo.slower)?, find(demo.faster)?],
        cfg.logical_cores,
        cfg.mock,
    );
    let outcome = bench::run_all(&run_cfg, &OneRun(executor), cancel, &mut Quiet);
    let time_of = |id: &str| {
        let m = outcome.measurements.iter().find(|m| m.approach == id)?;
        Some(if m.verified {
            Ok(m.wall_s)
        } else {
            Err(m
                .problem
                .clone()
                .unwrap_or_else(|| "unknown problem".into()))
        })
    };
    let result = match (time_of(demo.slower), time_of(demo.faster)) {
        (Some(slower), Some(faster)) => Some(DemoResult {
            heading: demo.heading.clone(),
            slower: (demo.slower.to_string(), slower),
            faster: (demo.faster.to_string(), faster),
        }),
        _ => None,
    };
    Ok((result, outcome.stop))
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BLUE: &str = "\x1b[34m";
const RESET: &str = "\x1b[0m";

/// One demo's lines in the Python demos' format (red slower, green faster, blue improvement
/// when `colour`), and a blank line.
pub fn render(r: &DemoResult, colour: bool) -> String {
    let paint = |code: &str, text: String| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text
        }
    };
    let finished = |(name, time): &(String, Result<f64, String>)| match time {
        Ok(s) => format!("Finished '{name}' in {s:.4}s"),
        Err(problem) => format!("'{name}' FAILED its check: {problem}"),
    };
    let mut out = format!("{}\n", r.heading);
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
    if let (Ok(slow), Ok(fast)) = (&r.slower.1, &r.faster.1)
        && *fast > 0.0
    {
        out.push_str(&paint(
            BLUE,
            format!("Speed improvement {:.2}x", slow / fast),
        ));
        out.push('\n');
    }
    out.push('\n');
    out
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

/// Whether to colour the demos' lines: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(slow: Result<f64, String>) -> DemoResult {
        DemoResult {
            heading: "Threading: 4 waits of 1 s".into(),
            slower: ("sequential".into(), slow),
            faster: ("threads".into(), Ok(1.00213)),
        }
    }

    #[test]
    fn the_python_format() {
        let text = render(&result(Ok(4.0123456)), false);
        assert_eq!(
            text,
            "Threading: 4 waits of 1 s\n\
             Slower approach: Finished 'sequential' in 4.0123s\n\
             Faster approach: Finished 'threads' in 1.0021s\n\
             Speed improvement 4.00x\n\n"
        );
    }

    #[test]
    fn colours_as_the_original() {
        let text = render(&result(Ok(4.0)), true);
        assert!(text.contains("\x1b[31mSlower approach"));
        assert!(text.contains("\x1b[32mFaster approach"));
        assert!(text.contains("\x1b[34mSpeed improvement"));
        assert!(!text.starts_with('\x1b'), "the heading stays plain");
    }

    #[test]
    fn a_failed_check_shows_and_gives_no_improvement() {
        let text = render(&result(Err("task 0 never finished".into())), false);
        assert!(text.contains("'sequential' FAILED its check: task 0 never finished"));
        assert!(!text.contains("Speed improvement"));
    }

    #[test]
    fn every_demo_names_registered_approaches_and_quick_is_small() {
        for quick in [false, true] {
            let all = demos(4, quick);
            assert_eq!(all.len(), 7);
            for d in &all {
                assert!(approach::find(d.slower).is_some(), "{}", d.slower);
                assert!(approach::find(d.faster).is_some(), "{}", d.faster);
                assert_ne!(d.slower, d.faster);
            }
            let waits: Vec<u64> = all
                .iter()
                .filter(|d| !d.work.workload.computes())
                .map(|d| d.work.io_wait_ns)
                .collect();
            assert_eq!(waits.len(), 3);
            let expected = if quick { 20_000_000 } else { 1_000_000_000 };
            assert!(waits.iter().all(|&w| w == expected));
        }
        assert!(
            demos(4, false)[1]
                .heading
                .contains("400 million divisions split over 4 ")
        );
        assert_eq!(human_wait(20_000_000), "20 ms");
        assert_eq!(human_count(4_000_000), "4 million");
        assert_eq!(human_count(400_000), "400 thousand");
    }

    #[test]
    fn a_busy_machine_is_named() {
        let note = busy_note_for("6.59 5.93 5.24 3/120 999", 2).unwrap();
        assert!(
            note.contains("load average 6.6 on 2 logical cores"),
            "{note}"
        );
        assert_eq!(busy_note_for("0.30 0.2 0.1 1/90 5", 2), None);
        assert_eq!(busy_note_for("", 2), None);
    }

    #[test]
    fn the_split_loop_is_the_same_size_whatever_the_cores() {
        for cores in [1usize, 2, 3, 8] {
            let d = &demos(cores, false)[1];
            let (from, to) = primes::divisor_range(d.work.number);
            let per_task = to - from + 1;
            let total = per_task * d.tasks as u64;
            assert!(primes::is_prime_reference(d.work.number));
            assert!(
                total + d.tasks as u64 > LOOP_DIVISIONS
                    && total < LOOP_DIVISIONS + 2 * d.tasks as u64,
                "{cores} cores: {total}"
            );
        }
    }
}
