//! What an interactive session accumulates: every run's result, the running table, and at the
//! end the bar graph of all runs and the offer to save it.

use std::path::{Path, PathBuf};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use serde::Serialize;

use crate::format::{format_kib, format_seconds};
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::plan::Plan;
use crate::plan::approaches::{self as approach, Family};
use crate::show::output::bars::Bar;

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
    /// The user's Python function each task called, as given (`FILE.py:NAME`); absent for
    /// parlab's own work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub py_func: Option<String>,
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
    pub fn add(&mut self, cfg: &Plan, report: &Report) {
        let io_wait_s = cfg
            .work
            .workload
            .waits()
            .then(|| cfg.work.io_wait().as_secs_f64());
        let py_func = report.config.py_func.clone();
        for r in &report.results {
            let pool_size = approach::find(&r.approach)
                .is_some_and(|a| a.pooled)
                .then_some(cfg.pool_size);
            // The function, or the number its tasks tested.
            let work = match &py_func {
                Some(f) => short_name(f).to_string(),
                None => format!("n={}", cfg.work.number),
            };
            self.runs.push(SessionRun {
                label: label(
                    &r.approach,
                    cfg.tasks,
                    &work,
                    pool_size,
                    io_wait_s.is_some(),
                ),
                approach: r.approach.clone(),
                family: r.family,
                tasks: cfg.tasks,
                pool_size,
                number: cfg.work.number,
                py_func: py_func.clone(),
                io_wait_s,
                wall_s: r.wall_s,
                cpu_use: r.cpu_use,
                peak_rss_kib: r.peak_rss_kib,
                verified: r.verified,
            });
        }
    }

    /// The running table of every run so far, at most `width` columns: each run's approach,
    /// its work (a letter, spelled out under the table), pool, wall time, speedup over the
    /// session's sequential run of the same work (blank without one), CPU use and memory.
    pub fn table(&self, width: usize) -> String {
        let mut works: Vec<Work> = Vec::new();
        for r in &self.runs {
            if !works.contains(&work_of(r)) {
                works.push(work_of(r));
            }
        }
        let key = |r: &SessionRun| {
            let i = works.iter().position(|w| *w == work_of(r)).unwrap_or(0);
            work_key(i)
        };
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width.min(u16::MAX as usize) as u16)
            .set_header([
                "approach",
                "work",
                "pool",
                "wall",
                "speedup",
                "CPU\nuse",
                "peak\nmemory",
            ]);
        for r in &self.runs {
            let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
            let speedup = if !r.verified {
                "FAILED".to_string()
            } else {
                self.baseline_for(r)
                    .and_then(|b| crate::stats::speedup(Some(b.wall_s), r.wall_s))
                    .map_or(String::new(), |x| format!("{x:.2}x"))
            };
            table.add_row([
                Cell::new(&r.approach),
                Cell::new(key(r)),
                right(r.pool_size.map_or("-".into(), |p| p.to_string())),
                right(format_seconds(r.wall_s)),
                right(speedup),
                right(format!("{:.0}%", r.cpu_use * 100.0)),
                right(format_kib(r.peak_rss_kib)),
            ]);
        }
        let mut out = table.to_string();
        for (i, (tasks, number, wait, py_func)) in works.iter().enumerate() {
            let io = wait.map_or(String::new(), |w| {
                format!(", waits of {} ×4", format_seconds(w))
            });
            let what = match py_func {
                Some(f) => format!("calling {}", short_name(f)),
                None => format!("testing {number}"),
            };
            let line = format!("{}: {tasks} tasks {what}{io}", work_key(i));
            out.push('\n');
            out.push_str(&crate::format::wrap(&line, width.max(20), "", "   ").join("\n"));
        }
        out
    }

    /// The session's verified sequential run of the same work as `r`, the first if several
    /// (py-sequential for a Python function, which only the Python approaches call).
    fn baseline_for(&self, r: &SessionRun) -> Option<&SessionRun> {
        let sequential = match r.py_func {
            Some(_) => approach::catalogue::PY_SEQUENTIAL.id,
            None => approach::catalogue::SEQUENTIAL.id,
        };
        self.runs
            .iter()
            .find(|b| b.approach == sequential && b.verified && work_of(b) == work_of(r))
    }

    /// One bar per run, in the order run, labelled with approach, tasks, pool, number and I/O; the
    /// speedup is against a `sequential` run of the same work in this session, if there is one.
    pub fn bars(&self) -> Vec<Bar> {
        self.runs
            .iter()
            .map(|r| {
                let baseline = self.baseline_for(r);
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
        crate::show::outfile::write(path, &bytes)
            .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))
    }
}

/// The work a run did: tasks, number, one wait, the Python function.
type Work = (u32, u64, Option<f64>, Option<String>);

/// The work a run did, for matching runs of the same work.
fn work_of(r: &SessionRun) -> Work {
    (r.tasks, r.number, r.io_wait_s, r.py_func.clone())
}

/// A Python function as `FILE.py:NAME` without its folder (as the report's title names it).
fn short_name(given: &str) -> &str {
    given.rsplit('/').next().unwrap_or(given)
}

/// The letter naming the `i`-th kind of work in the table: A to Z, then A2, B2 ...
fn work_key(i: usize) -> String {
    let letter = char::from(b'A' + (i % 26) as u8);
    match i / 26 {
        0 => letter.to_string(),
        n => format!("{letter}{}", n + 1),
    }
}

/// A run's label: approach, tasks, work (`n=NUMBER` or the Python function), the pool size for
/// approaches with a pool, and whether I/O was simulated.
pub fn label(approach: &str, tasks: u32, work: &str, pool: Option<usize>, io: bool) -> String {
    format!(
        "{approach} ×{tasks} {work}{}{}",
        pool.map_or(String::new(), |p| format!(" pool={p}")),
        if io { " +I/O" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_approach_tasks_number_and_io() {
        assert_eq!(
            label("threads", 4, "n=97", None, true),
            "threads ×4 n=97 +I/O"
        );
        assert_eq!(
            label("async", 2, "n=5", Some(3), false),
            "async ×2 n=5 pool=3"
        );
    }

    fn run(approach: &str, tasks: u32, wall_s: f64) -> SessionRun {
        SessionRun {
            label: label(approach, tasks, "n=97", None, false),
            approach: approach.into(),
            family: Family::Sequential,
            tasks,
            pool_size: None,
            number: 834_238_027_356_431,
            py_func: None,
            io_wait_s: None,
            wall_s,
            cpu_use: 1.0,
            peak_rss_kib: 2048,
            verified: true,
        }
    }

    #[test]
    fn the_table_fits_80_columns_with_a_speedup_against_the_same_work() {
        let mut session = Session::new(Machine::mock());
        session.runs = vec![
            run("sequential", 4, 0.8),
            run("process-pool-chunked", 4, 0.4),
            run("threads", 8, 0.4),
        ];
        session.runs[2].io_wait_s = Some(0.25);
        let text = session.table(80);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.contains("speedup"), "{text}");
        let line = |id: &str| text.lines().find(|l| l.contains(id)).unwrap().to_string();
        assert!(line("process-pool-chunked").contains("2.00x"), "{text}");
        assert!(
            !line("threads").contains('x'),
            "no sequential run of that work: {text}"
        );
        assert!(line("sequential").contains("1.00x"), "{text}");
        assert!(
            text.contains("A: 4 tasks testing 834238027356431"),
            "{text}"
        );
        assert!(
            text.contains("B: 8 tasks testing 834238027356431, waits of"),
            "{text}"
        );
    }

    #[test]
    fn a_python_function_is_named_and_its_runs_compared_with_py_sequential() {
        let py = |approach: &str, wall_s: f64| SessionRun {
            py_func: Some("/home/me/examples/python/cpu_loop.py:work".into()),
            ..run(approach, 2, wall_s)
        };
        let mut session = Session::new(Machine::mock());
        session.runs = vec![
            run("sequential", 2, 0.1),
            py("py-sequential", 0.8),
            py("py-process-pool", 0.4),
        ];
        let text = session.table(80);
        let line = |id: &str| text.lines().find(|l| l.contains(id)).unwrap().to_string();
        assert!(line("py-process-pool").contains("2.00x"), "{text}");
        assert!(
            text.contains("A: 2 tasks testing 834238027356431"),
            "{text}"
        );
        assert!(
            text.contains("B: 2 tasks calling cpu_loop.py:work"),
            "{text}"
        );
        assert!(!text.contains("/home/me"), "the folder is left out: {text}");
    }
}
