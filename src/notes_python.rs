//! What the Python approaches teach beside the Rust ones: notes that put the two halves side by
//! side, the hint that adds them to a Rust-only run, and their section of `parlab list`.
//!
//! Kept apart from [`crate::notes`] so that the general notes can change without touching these;
//! [`notes`] is called at the end of `notes::notes`.

use crate::approach::{self, python};
use crate::config::RunConfig;
use crate::format::{format_kib, format_seconds};
use crate::report::{ApproachResult, Report};

/// The notes comparing the Python approaches with each other and with the Rust ones.
pub fn notes(report: &Report, cfg: &RunConfig) -> Vec<String> {
    let mut notes = Vec::new();
    let ok = |id: &str| report.result(id).filter(|r| r.verified);
    if !report.results.iter().any(|r| r.approach.starts_with("py-")) {
        return notes;
    }
    let computes = cfg.work.workload.computes();
    let gil_off = report
        .machine
        .python
        .as_ref()
        .is_some_and(|p| p.gil == Some(false));
    let py_seq = ok("py-sequential");
    // Each Python approach against py-sequential, as the Rust ones are against sequential.
    let against = |r: &ApproachResult| py_seq.map(|s| s.wall_s / r.wall_s);
    if computes
        && let Some(py_threads) = ok("py-threads")
        && let Some(x) = against(py_threads)
    {
        let why = if gil_off {
            "this interpreter is free-threaded (no GIL), so its threads compute in parallel"
        } else {
            "the GIL lets one thread run Python at a time"
        };
        let rust = ok("threads")
            .and_then(|t| t.speedup)
            .map_or(String::new(), |s| format!("; threads {s:.2}x"));
        notes.push(format!(
            "py-threads {x:.2}x py-sequential's speed on CPU work: {why}{rust}"
        ));
    }
    if computes
        && let Some(py_process) = ok("py-process").or(ok("py-process-pool"))
        && let Some(x) = against(py_process)
    {
        let why = if x > 1.2 {
            "each process has its own interpreter and GIL, so processes are how CPython \
             computes in parallel"
        } else {
            "starting and feeding processes costs more than these tasks gain; with longer \
             tasks each process's own GIL lets them compute in parallel"
        };
        notes.push(format!(
            "{} {x:.2}x py-sequential's speed: {why}",
            py_process.approach
        ));
    }
    if !computes
        && cfg.work.workload.waits()
        && let Some(py_threads) = ok("py-threads")
        && let Some(x) = against(py_threads)
    {
        notes.push(format!(
            "py-threads {x:.2}x py-sequential's speed on waits: a sleeping thread releases the \
             GIL, so waits overlap in CPython too"
        ));
    }
    if !computes
        && cfg.tasks >= 1000
        && let (Some(t), Some(a)) = (ok("py-threads"), ok("py-asyncio"))
        && let (Some(tk), Some(ak)) = (t.child_peak_rss_kib, a.child_peak_rss_kib)
    {
        notes.push(format!(
            "{} waiting tasks in CPython: py-threads' interpreter peaked at {}, py-asyncio's at {}",
            cfg.tasks,
            format_kib(tk),
            format_kib(ak)
        ));
    }
    // Both one task at a time on one thread: the wall ratio is the per-task ratio. Waits would
    // dilute it, so only pure computation is compared.
    if computes
        && !cfg.work.workload.waits()
        && let (Some(rust), Some(py)) = (ok("sequential"), py_seq)
        && rust.wall_s > 0.0
    {
        notes.push(format!(
            "per task, Rust's trial division is {:.0}x faster than CPython's ({} against {} a \
             task): compiled against interpreted code",
            py.wall_s / rust.wall_s,
            format_seconds(rust.wall_s / cfg.tasks as f64),
            format_seconds(py.wall_s / cfg.tasks as f64)
        ));
    }
    notes.push(
        "py-* times are the approach's own, from when the driver starts it to when it ends: the \
         interpreter's start-up, the request, the report and its exit are in neither their wall \
         nor their CPU time"
            .to_string(),
    );
    notes
}

/// The hint under a table that had no Python approach, saying how to add them.
pub fn python_hint(cfg: &RunConfig) -> Option<String> {
    if cfg.approaches.iter().any(|a| python::is_python(a.info())) {
        return None;
    }
    Some("hint: add ,python to --approach to see the same tasks in CPython".to_string())
}

/// `parlab list`'s Python section: whether python3 was found, then the seven approaches.
pub fn list_section(width: usize) -> String {
    let found = match python::probe(&python::interpreter()) {
        Ok(p) => format!("python3 found: {}", p.describe()),
        Err(e) => format!("not usable here: {e}; install Python 3.8+ or use --python PATH"),
    };
    let mut out = format!("\nPython approaches (--approach python; {found}):\n");
    for a in approach::REGISTRY
        .iter()
        .filter(|a| python::is_python(a.info()))
    {
        let i = a.info();
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
    use crate::config::mock_config;
    use crate::export::fixture::report_for;

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
