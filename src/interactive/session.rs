//! What an interactive session accumulates: every run's result, the running table, and at the
//! end the bar graph of all runs and the offer to save it.

use std::path::{Path, PathBuf};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};
use serde::Serialize;

use crate::approach::{self, Family};
use crate::config::RunConfig;
use crate::format::{format_kib, format_seconds};
use crate::machine::Machine;
use crate::output::bars::Bar;
use crate::report::Report;

/// One approach run in the session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRun {
    /// The bar graph's label: approach, tasks, number, whether I/O was simulated.
    pub label: String,
    /// The approach's id.
    pub approach: String,
    /// Its family, for colours.
    pub family: Family,
    /// Tasks run.
    pub tasks: u32,
    /// Workers of its pool; null for approaches without one.
    pub pool_size: Option<usize>,
    /// The number tested.
    pub number: u64,
    /// One simulated wait, s (none when I/O was not simulated).
    pub io_wait_s: Option<f64>,
    /// Wall-clock time, s.
    pub wall_s: f64,
    /// CPU time over wall time.
    pub cpu_use: f64,
    /// Peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// Every task ran once and answered right.
    pub verified: bool,
}

/// Every run of the session, in order.
#[derive(Debug, Serialize)]
pub struct Session {
    /// The parlab version.
    pub parlab_version: String,
    /// The machine.
    pub machine: Machine,
    /// The runs.
    pub runs: Vec<SessionRun>,
}

impl Session {
    /// An empty session on `machine`.
    pub fn new(machine: Machine) -> Self {
        Self {
            parlab_version: env!("CARGO_PKG_VERSION").into(),
            machine,
            runs: Vec::new(),
        }
    }

    /// Adds every approach of `report`, run with `cfg`.
    pub fn add(&mut self, cfg: &RunConfig, report: &Report) {
        let io_wait_s = cfg
            .work
            .workload
            .waits()
            .then(|| cfg.work.io_wait().as_secs_f64());
        for r in &report.results {
            let pool_size = approach::find(&r.approach)
                .is_some_and(|a| a.info().pooled)
                .then_some(cfg.pool_size);
            self.runs.push(SessionRun {
                label: label(
                    &r.approach,
                    cfg.tasks,
                    cfg.work.number,
                    pool_size,
                    io_wait_s.is_some(),
                ),
                approach: r.approach.clone(),
                family: r.family,
                tasks: cfg.tasks,
                pool_size,
                number: cfg.work.number,
                io_wait_s,
                wall_s: r.wall_s,
                cpu_use: r.cpu_use,
                peak_rss_kib: r.peak_rss_kib,
                verified: r.verified,
            });
        }
    }

    /// The running table of every run so far.
    pub fn table(&self) -> String {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED).set_header([
            "#",
            "approach",
            "tasks",
            "pool",
            "number",
            "I/O",
            "wall",
            "CPU use",
            "peak memory",
            "verified",
        ]);
        for (i, r) in self.runs.iter().enumerate() {
            let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
            table.add_row([
                right((i + 1).to_string()),
                Cell::new(&r.approach),
                right(r.tasks.to_string()),
                right(r.pool_size.map_or("-".into(), |p| p.to_string())),
                right(r.number.to_string()),
                Cell::new(
                    r.io_wait_s
                        .map_or("no".into(), |w| format!("{} ×4", format_seconds(w))),
                ),
                right(format_seconds(r.wall_s)),
                right(format!("{:.0}%", r.cpu_use * 100.0)),
                right(format_kib(r.peak_rss_kib)),
                Cell::new(if r.verified { "yes" } else { "FAILED" }),
            ]);
        }
        table.to_string()
    }

    /// One bar per run, in the order run, labelled with approach, tasks, pool, number and I/O; the
    /// speedup is against a `sequential` run of the same work in this session, if there is one.
    pub fn bars(&self) -> Vec<Bar> {
        self.runs
            .iter()
            .map(|r| {
                let baseline = self.runs.iter().find(|b| {
                    b.approach == "sequential"
                        && b.verified
                        && (b.tasks, b.number, b.io_wait_s) == (r.tasks, r.number, r.io_wait_s)
                });
                Bar {
                    label: if r.verified {
                        r.label.clone()
                    } else {
                        format!("{} (FAILED)", r.label)
                    },
                    seconds: r.wall_s,
                    speedup: baseline.and_then(|b| crate::stats::speedup(Some(b.wall_s), r.wall_s)),
                    family: r.family,
                }
            })
            .collect()
    }

    /// The saved chart's title.
    pub fn title(&self) -> String {
        format!(
            "parlab session: {} runs on {}",
            self.runs.len(),
            self.machine.cpu_model
        )
    }

    /// A path to suggest for saving, in the current directory, that does not exist yet.
    pub fn suggested_path(&self, extension: &str) -> PathBuf {
        (1..)
            .map(|i| PathBuf::from(format!("parlab-session-{i}.{extension}")))
            .find(|p| !p.exists())
            .expect("some numbered name is free")
    }

    /// Writes every run as JSON to `path`.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        crate::outfile::write(path, &bytes)
            .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))
    }
}

/// A run's label: approach, tasks, number, the pool size for approaches with a pool, and
/// whether I/O was simulated.
pub fn label(approach: &str, tasks: u32, number: u64, pool: Option<usize>, io: bool) -> String {
    format!(
        "{approach} ×{tasks} n={number}{}{}",
        pool.map_or(String::new(), |p| format!(" pool={p}")),
        if io { " +I/O" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_approach_tasks_number_and_io() {
        assert_eq!(label("threads", 4, 97, None, true), "threads ×4 n=97 +I/O");
        assert_eq!(label("async", 2, 5, Some(3), false), "async ×2 n=5 pool=3");
    }
}
