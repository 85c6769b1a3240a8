//! What the Python approaches teach beside the Rust ones: notes that put the two halves side by
//! side, the hint that adds them to a Rust-only run, and their section of `parlab list`.
//!
//! Kept apart from [`crate::judge::notes`] so that the general notes can change without touching these;
//! [`notes`] is called at the end of `notes::notes`.

use crate::judge::claims::{Claim, PyProcessWhy};
use crate::judge::report::{ApproachResult, Report};
use crate::plan::Plan;
use crate::plan::approaches as approach;
use crate::plan::approaches::catalogue;

/// The notes comparing the Python approaches with each other and with the Rust ones, checked
/// and rendered.
#[cfg(test)]
pub fn notes(report: &Report, cfg: &Plan) -> Vec<String> {
    let facts = crate::judge::claims::Facts::of(report, cfg);
    crate::judge::claims::check::notes(claims(report, cfg), &facts)
        .iter()
        .map(|c| crate::judge::claims::render::note(c, cfg.vocabulary))
        .collect()
}

/// The same notes as claims, before they are checked.
pub fn claims(report: &Report, cfg: &Plan) -> Vec<Claim> {
    let mut notes = Vec::new();
    let ok = |id: &str| report.result(id).filter(|r| r.verified);
    if !report.results.iter().any(|r| r.approach.starts_with("py-")) {
        return notes;
    }
    // The user's function declares nothing: it computes or waits as its measured CPU time says.
    let measured = cfg
        .approach
        .python_function
        .as_ref()
        .and(report.python_work)
        .map(|w| w.compute_share() > 0.5);
    let computes = measured.unwrap_or(cfg.work.workload.computes());
    let waits = measured.map_or(cfg.work.workload.waits(), |c| !c);
    let gil_off = report
        .machine
        .python
        .as_ref()
        .is_some_and(|p| p.gil == Some(false));
    let py_seq = ok(catalogue::PY_SEQUENTIAL.id);
    // Each Python approach against py-sequential, as the Rust ones are against sequential.
    let against = |r: &ApproachResult| py_seq.map(|s| s.wall_s / r.wall_s);
    if computes
        && let Some(py_threads) = ok(catalogue::PY_THREADS.id)
        && let Some(times) = against(py_threads)
    {
        notes.push(Claim::PyGil {
            times,
            gil_off,
            threads: ok(catalogue::THREADS.id).and_then(|t| t.speedup),
            baseline_cores: crate::judge::claims::check::baseline_cores(report),
        });
    }
    if computes
        && let Some(py_process) = ok(catalogue::PY_PROCESS.id).or(ok(catalogue::PY_PROCESS_POOL.id))
        && let Some(times) = against(py_process)
    {
        let per_task_s = report.python_work.map_or(0.0, |w| w.per_task_s());
        // Whether its cost explains a small gain is the checker's to decide, from the figures.
        let why = if times > 1.2 {
            PyProcessWhy::Scaled
        } else {
            PyProcessWhy::CostsMore {
                per_task_s,
                cost_s: py_process.own_cost_per_task_s(cfg.tasks).unwrap_or(0.0),
            }
        };
        notes.push(Claim::PyProcess {
            approach: py_process.approach.clone(),
            times,
            why,
        });
    }
    if !computes
        && waits
        && let Some(py_threads) = ok(catalogue::PY_THREADS.id)
        && let Some(times) = against(py_threads)
    {
        notes.push(Claim::PyWaits { times });
    }
    if !computes
        && cfg.tasks >= 1000
        && let (Some(t), Some(a)) = (ok(catalogue::PY_THREADS.id), ok(catalogue::PY_ASYNCIO.id))
        && let (Some(threads_kib), Some(asyncio_kib)) = (t.child_peak_rss_kib, a.child_peak_rss_kib)
    {
        notes.push(Claim::PyMemory {
            tasks: cfg.tasks,
            threads_kib,
            asyncio_kib,
        });
    }
    // Both one task at a time on one thread: the wall ratio is the per-task ratio. Waits would
    // dilute it, so only pure computation is compared.
    if computes
        && !waits
        && let (Some(rust), Some(py)) = (ok(catalogue::SEQUENTIAL.id), py_seq)
        && rust.wall_s > 0.0
    {
        notes.push(Claim::PyPerTask {
            rust_s: rust.wall_s / cfg.tasks as f64,
            python_s: py.wall_s / cfg.tasks as f64,
        });
    }
    notes.push(Claim::PyStartup);
    notes
}

/// For a run of the user's Python function (`--py-func`): how py-asyncio ran it, a sentence
/// the lesson ends with.
pub fn function_line(cfg: &Plan) -> Option<String> {
    let f = cfg.approach.python_function.as_ref()?;
    if !cfg
        .approaches
        .iter()
        .any(|a| a.key == catalogue::PY_ASYNCIO.key)
    {
        return None;
    }
    let name = &f.func.name;
    Some(if f.is_async {
        format!(
            "{name} is an async def: py-asyncio awaited every call on one event loop, the way \
             asyncio is meant to be used; the other approaches ran each call with asyncio.run."
        )
    } else {
        format!(
            "{name} is a plain function: py-asyncio ran each call in a thread \
             (asyncio.to_thread), so there it is a thread pool behind an event loop; an async \
             def would be awaited on the loop itself."
        )
    })
}

/// The hint under a table that had no Python approach, saying how to add them.
pub fn python_hint(cfg: &Plan) -> Option<String> {
    if cfg.approaches.iter().any(|a| approach::is_python(a)) {
        return None;
    }
    Some("hint: add ,python to --approach to see the same tasks in CPython".to_string())
}

/// `parlab list`'s Python section: whether python3 was found, then the seven approaches.
pub fn list_section(width: usize) -> String {
    let found = match crate::run::approach::python::probe(std::path::Path::new("python3")) {
        Ok(p) => format!("python3 found: {}", p.describe()),
        Err(e) => format!("not usable here: {e}; install Python 3.8+ or use --python PATH"),
    };
    let mut out = format!("\nPython approaches (--approach python; {found}):\n");
    for a in approach::catalogue::ALL
        .iter()
        .filter(|a| approach::is_python(a))
    {
        let i = a;
        out.push_str(&format!(
            "{:width$}  {}  [Python: {}]\n",
            i.id, i.summary, i.python
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::config::mock_config;
    use crate::app::fixture::report_for;

    fn notes_of(args: &[&str]) -> Vec<String> {
        notes(&report_for(args), &mock_config(args))
    }

    #[test]
    fn the_gil_note_puts_py_threads_beside_threads() {
        let n = notes_of(&["--approach", "sequential,threads,python", "--tasks", "4"]);
        let gil = n
            .iter()
            .find(|l| l.starts_with("py-threads "))
            .expect("a GIL note");
        assert!(
            gil.contains("the GIL lets one thread run Python at a time"),
            "{gil}"
        );
        assert!(gil.contains("; threads "), "{gil}");
        assert!(
            n.iter()
                .any(|l| l.starts_with("per task, Rust's trial division")),
            "{n:?}"
        );
    }

    #[test]
    fn no_python_no_python_notes_and_a_hint() {
        let args = ["--approach", "sequential,threads", "--tasks", "4"];
        assert!(notes_of(&args).is_empty());
        assert!(python_hint(&mock_config(&args)).is_some());
        let with = ["--approach", "threads,py-threads", "--tasks", "4"];
        assert!(python_hint(&mock_config(&with)).is_none());
    }

    #[test]
    fn waits_get_the_waits_note_and_noop_gets_neither() {
        let io = notes_of(&[
            "--approach",
            "python",
            "--workload",
            "io",
            "--io-wait",
            "1ms",
        ]);
        assert!(io.iter().any(|l| l.contains("on waits")), "{io:?}");
        let noop = notes_of(&["--approach", "python", "--workload", "noop"]);
        assert!(
            !noop
                .iter()
                .any(|l| l.contains("on waits") || l.contains("CPU work")),
            "{noop:?}"
        );
    }
}
