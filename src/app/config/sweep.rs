//! The validated settings of `parlab sweep`: those of a run, but a list of pool sizes, and only
//! pooled approaches.

use std::path::PathBuf;

use super::ImageFormat;
use super::{RunConfig, default_tasks, parse_count};
use crate::app::cli::{CommonArgs, RunArgs, SweepArgs};
use crate::error::UsageError;
use crate::plan::approaches as approach;
use crate::plan::approaches::catalogue;

/// The validated settings of `parlab sweep`.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// The run settings shared by every pool size (its `pool_size` is the first size).
    pub run: RunConfig,
    /// The pool sizes to try, ascending.
    pub pool_sizes: Vec<usize>,
    /// Where to draw the chart, if anywhere, and in which format.
    pub chart: Option<(PathBuf, ImageFormat)>,
    /// `--approach` named `sequential`: the exports list the baseline too.
    pub export_baseline: bool,
}

impl SweepConfig {
    /// Checks `args` and builds the configuration.
    pub fn from_args(args: &SweepArgs) -> Result<Self, UsageError> {
        // `--pool-size`, `--no-baseline` and `--compare` are `run`'s own: clap refuses them here.
        let r = &args.common;
        let cores = if r.mock {
            crate::machine::MOCK_CORES
        } else {
            crate::machine::logical_cores()
        };
        // Across machines (`--hosts`) the pool sizes are total worker counts over the hosts'
        // processes: by default a multiple of their number.
        let processes = super::parse_hosts(r)?.map_or(1, |h| h.lines.len());
        let pool_sizes = match &args.pool_sizes {
            Some(list) => parse_pool_sizes(list)?,
            None => default_pool_sizes(cores)
                .into_iter()
                .map(|s| s * processes)
                .collect(),
        };
        let largest = *pool_sizes.last().expect("at least one pool size");
        let tasks = match &r.tasks {
            Some(t) => t.clone(),
            None => (default_tasks(cores) as usize).max(2 * largest).to_string(),
        };
        // `RunConfig::from_args` checks every output file together (exports, `--trace`,
        // `--timeline`, `--html`, `--chart`) with `outfile::check_all`.
        let mut run = RunConfig::from_args(&RunArgs {
            pool_size: Some(pool_sizes[0].to_string()),
            no_baseline: false,
            compare: None,
            py_func: None,
            py_check: None,
            common: CommonArgs {
                tasks: Some(tasks),
                ..r.clone()
            },
        })?;
        // Across machines the sweep sizes every process's threads: pool size ÷ processes.
        if let Some(hosts) = &mut run.approach.cluster.hosts {
            if r.cluster_workers.is_some() {
                return Err(UsageError::bad(
                    "--cluster-workers",
                    "a sweep with --hosts sizes each process's threads itself (pool size ÷ \
                     processes)",
                    "leave --cluster-workers out; give --pool-sizes as total worker counts",
                ));
            }
            hosts.sized_by_pool = true;
        }
        for &size in &pool_sizes {
            for a in &run.approaches {
                crate::plan::approaches::check_room(a, run.tasks, size, &run.approach)?;
            }
            if run.work.workload.needs_server() && !run.mock {
                let open_files = crate::machine::limits::open_files().0;
                super::net::check_connections(&run.approaches, run.tasks, size, open_files)?;
            }
        }
        let asked_all = r.approach.split(',').any(|a| a.trim() == "all");
        let not_pooled: Vec<&str> = run
            .approaches
            .iter()
            .filter(|i| !i.pooled && i.id != catalogue::SEQUENTIAL.id)
            .map(|i| i.id)
            .collect();
        if !asked_all && !not_pooled.is_empty() {
            return Err(UsageError::bad(
                "--approach",
                format!("{} has no pool to size", not_pooled.join(", ")),
                format!("sweep runs pooled approaches: {}", pooled_ids()),
            ));
        }
        let export_baseline = run
            .approaches
            .iter()
            .any(|a| a.id == catalogue::SEQUENTIAL.id);
        run.approaches.retain(|a| a.pooled);
        if run.approaches.is_empty() {
            return Err(UsageError::bad(
                "--approach",
                "no pooled approach given",
                format!("sweep runs pooled approaches: {}", pooled_ids()),
            ));
        }
        if let Some(reason) = &run.baseline_skipped {
            return Err(UsageError::bad(
                "--tasks",
                "a sweep needs the sequential baseline",
                reason.clone(),
            ));
        }
        // `--chart` is checked as `parlab run` checks it; a sweep draws its own chart there.
        let chart = run.chart.take();
        Ok(Self {
            run,
            pool_sizes,
            chart,
            export_baseline,
        })
    }
}

/// Powers of two up to twice the logical cores.
pub fn default_pool_sizes(logical_cores: usize) -> Vec<usize> {
    std::iter::successors(Some(1usize), |n| Some(n * 2))
        .take_while(|&n| n <= 2 * logical_cores.max(1))
        .collect()
}

/// Parses `--pool-sizes`: a comma list of counts, returned ascending without repeats.
pub fn parse_pool_sizes(text: &str) -> Result<Vec<usize>, UsageError> {
    let mut sizes = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        sizes.push(parse_count("--pool-sizes", item, 4096)? as usize);
    }
    if sizes.is_empty() {
        return Err(UsageError::bad(
            "--pool-sizes",
            "no pool size given",
            "give a comma list such as 1,2,4,8",
        ));
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

fn pooled_ids() -> String {
    approach::catalogue::ALL
        .iter()
        .filter(|i| i.pooled)
        .map(|i| i.id)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_sizes() {
        assert_eq!(default_pool_sizes(1), [1, 2]);
        assert_eq!(default_pool_sizes(2), [1, 2, 4]);
        assert_eq!(default_pool_sizes(6), [1, 2, 4, 8]);
        assert_eq!(parse_pool_sizes(" 8,2, 4,2").unwrap(), [2, 4, 8]);
        assert!(parse_pool_sizes("2,x").is_err());
        assert!(parse_pool_sizes("").is_err());
    }

    #[test]
    fn a_sweep_keeps_the_pooled_approaches_and_enough_tasks() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            let argv = ["parlab", "sweep", "--mock"].iter().chain(args).copied();
            match crate::app::cli::Cli::parse_from(argv).command {
                Some(crate::app::cli::Command::Sweep(a)) => SweepConfig::from_args(&a),
                _ => unreachable!(),
            }
        };
        let cfg = parse(&["--pool-sizes", "1,8"]).unwrap();
        assert!(cfg.run.approaches.iter().all(|a| a.pooled));
        assert_eq!(
            cfg.run.tasks, 16,
            "two tasks for each of the largest pool's workers"
        );
        assert_eq!(parse(&["--tasks", "3"]).unwrap().run.tasks, 3);
        let cfg = parse(&["--approach", "sequential,rayon"]).unwrap();
        let ids: Vec<_> = cfg.run.approaches.iter().map(|a| a.id).collect();
        assert_eq!(ids, ["rayon"], "sequential is the baseline anyway");
    }
}
