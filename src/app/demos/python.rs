//! The line under each demo pair showing the same pair run in CPython, so the Python demos'
//! figures and Rust's are seen side by side on one machine:
//!
//! ```text
//!   in Python: py-sequential 5.01s → py-asyncio 1.00s, 5.00x
//! ```
//!
//! Each Rust approach of a pair maps to the Python approach the Python demos used for it; a
//! pair with an approach Python has no counterpart for (async-inline) gets no line. The waits
//! are the Rust pair's. CPython divides some twenty times slower than Rust, so the CPU pairs run
//! a tenth of the full demos' work (and the line says so), each approach for seconds; under
//! `--quick` exactly the Rust pair's work. Every CPU pair runs the same tasks of the same work,
//! so py-threads beside py-process shows the GIL. The ratio printed is the ratio of the two
//! times printed.

use super::{Demo, DemoResult};
use crate::plan::approaches::ApproachId;

/// Each Rust approach the Python demos pair, with the Python approach doing what it does.
const COUNTERPARTS: [(ApproachId, ApproachId); 6] = [
    (ApproachId::Sequential, ApproachId::PySequential),
    (ApproachId::Async, ApproachId::PyAsyncio),
    (ApproachId::Process, ApproachId::PyProcess),
    (ApproachId::ProcessPool, ApproachId::PyProcessPool),
    (ApproachId::Threads, ApproachId::PyThreads),
    (ApproachId::ThreadPool, ApproachId::PyThreadPool),
];

/// The Python approach doing what the Rust approach `id` does in the Python demos, if any.
pub fn counterpart(id: &str) -> Option<&'static str> {
    let id = ApproachId::parse(id)?;
    COUNTERPARTS
        .iter()
        .find(|(rust, _)| *rust == id)
        .map(|(_, py)| py.as_str())
}

/// A demo pair run in CPython.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonPair {
    /// The pair: the Python counterparts, the tasks, pool and waits of the Rust pair.
    pub demo: Demo,
    /// How many times less CPU work it runs than the Rust pair, when less (10 outside
    /// `--quick`).
    pub share: Option<u64>,
}

/// The Python pair of `rust`, whose twin `python_twin` is the same demo at CPython's scale
/// ([`super::python_demos`]), `share` times less CPU work; `None` when Python has no
/// counterpart for one of its approaches.
pub fn pair(rust: &Demo, python_twin: &Demo, share: u64) -> Option<PythonPair> {
    let mut demo = rust.clone();
    demo.slower = counterpart(rust.slower)?;
    demo.faster = counterpart(rust.faster)?;
    let computes = rust.work.workload.computes();
    if computes {
        demo.work.number = python_twin.work.number;
    }
    Some(PythonPair {
        share: (computes && demo.work.number != rust.work.number && share > 1).then_some(share),
        demo,
    })
}

/// The Python pair's one line (and its newline): each approach's median time and the ratio of
/// the two times as printed, or the approach that failed its check and why.
pub fn render_line(r: &DemoResult, share: Option<u64>) -> String {
    let time = |(name, times): &(String, Result<Vec<f64>, String>)| match times {
        Ok(t) => format!("{name} {}s", seconds(crate::stats::median(t))),
        Err(problem) => format!("{name} FAILED its check: {problem}"),
    };
    let mut line = format!("  in Python: {} → {}", time(&r.slower), time(&r.faster));
    if let Some(gain) = super::printed_gain(r, seconds) {
        line.push_str(&format!(", {gain:.2}x"));
    }
    match share {
        Some(10) => line.push_str(" (on a tenth of the work)"),
        Some(n) => line.push_str(&format!(" (on 1/{n} of the work)")),
        None => {}
    }
    line.push('\n');
    // On a busy machine the line cannot tell what the GIL costs or how well waits overlap.
    if let Some(busy) = super::busy_line(r) {
        line.push_str(&format!("  {busy}\n"));
    }
    line
}

/// Seconds as the Python line shows them, three significant digits at least: `5.01`, `0.185`,
/// `0.0204`.
fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2}")
    } else if s >= 0.1 {
        format!("{s:.3}")
    } else {
        format!("{s:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PYTHON_SCALE, demos, python_demos, python_scale};
    use super::*;

    #[test]
    fn every_pair_but_async_inline_has_a_python_twin() {
        let full = demos(2, false);
        let twins = python_demos(2, false);
        let pairs: Vec<Option<PythonPair>> = full
            .iter()
            .zip(&twins)
            .map(|(d, t)| pair(d, t, PYTHON_SCALE))
            .collect();
        let ids: Vec<Option<(&str, &str)>> = pairs
            .iter()
            .map(|p| p.as_ref().map(|p| (p.demo.slower, p.demo.faster)))
            .collect();
        assert_eq!(
            ids,
            vec![
                Some(("py-sequential", "py-asyncio")),
                Some(("py-sequential", "py-process")),
                Some(("py-sequential", "py-process-pool")),
                Some(("py-sequential", "py-threads")),
                Some(("py-sequential", "py-thread-pool")),
                Some(("py-sequential", "py-threads")),
                None,
            ]
        );
        // Every id is a registered Python approach.
        for p in pairs.iter().flatten() {
            for id in [p.demo.slower, p.demo.faster] {
                let a = crate::plan::approaches::find(id).unwrap();
                assert!(crate::plan::approaches::is_python(a), "{id}");
            }
        }
    }

    #[test]
    fn cpu_pairs_run_a_tenth_of_the_work_and_waits_stay_the_rust_pairs() {
        let full = demos(2, false);
        let twins = python_demos(2, false);
        let waits = pair(&full[0], &twins[0], PYTHON_SCALE).unwrap();
        assert_eq!(waits.demo.work, full[0].work);
        assert_eq!(waits.share, None);
        let cpu = pair(&full[1], &twins[1], PYTHON_SCALE).unwrap();
        assert_eq!(cpu.demo.work.number, twins[1].work.number);
        let (from, to) = crate::plan::primes::divisor_range(cpu.demo.work.number);
        let (rfrom, rto) = crate::plan::primes::divisor_range(full[1].work.number);
        let ratio = (rto - rfrom) as f64 / (to - from) as f64;
        assert!((ratio - 10.0).abs() < 0.01, "{ratio}");
        assert_eq!(cpu.share, Some(10));
        assert_eq!((cpu.demo.tasks, cpu.demo.pool_size), (2, 2));
        // Under --quick the Python pair's work is exactly the Rust pair's.
        let quick = demos(2, true);
        let same = pair(&quick[2], &python_demos(2, true)[2], 1).unwrap();
        assert_eq!(same.demo.work, quick[2].work);
        assert_eq!(same.share, None);
    }

    #[test]
    fn threads_and_processes_run_the_same_cpu_work_so_the_gil_shows() {
        for quick in [false, true] {
            let (full, twins) = (demos(4, quick), python_demos(4, quick));
            let process = pair(&full[1], &twins[1], python_scale(quick)).unwrap();
            let threads = pair(&full[5], &twins[5], python_scale(quick)).unwrap();
            assert_eq!(
                (process.demo.faster, threads.demo.faster),
                ("py-process", "py-threads")
            );
            assert_eq!(process.demo.work, threads.demo.work);
            assert_eq!(process.demo.tasks, threads.demo.tasks);
            assert_eq!(process.demo.tasks, 4);
        }
    }

    fn py(slow: Vec<f64>, fast: Vec<f64>) -> DemoResult {
        DemoResult {
            heading: String::new(),
            slower: ("py-sequential".into(), Ok(slow)),
            faster: ("py-asyncio".into(), Ok(fast)),
            shortfall: None,
            others: None,
        }
    }

    #[test]
    fn one_line_with_medians_and_their_ratio() {
        let r = py(vec![5.2, 5.01, 5.0], vec![1.3, 1.0, 1.002]);
        assert_eq!(
            render_line(&r, None),
            "  in Python: py-sequential 5.01s → py-asyncio 1.00s, 5.01x\n"
        );
        assert!(render_line(&r, Some(10)).ends_with("5.01x (on a tenth of the work)\n"));
        // The median of the runs' own ratios (here 1.23) is not what the two times say.
        let r = py(vec![0.185, 0.2, 0.17], vec![0.15, 0.177, 0.18]);
        assert_eq!(
            render_line(&r, None),
            "  in Python: py-sequential 0.185s → py-asyncio 0.177s, 1.05x\n"
        );
    }

    #[test]
    fn a_failed_check_names_the_approach_and_gives_no_gain() {
        let r = DemoResult {
            heading: String::new(),
            slower: ("py-sequential".into(), Ok(vec![1.0])),
            faster: ("py-process".into(), Err("task 1 never finished".into())),
            shortfall: None,
            others: None,
        };
        assert_eq!(
            render_line(&r, None),
            "  in Python: py-sequential 1.00s → py-process FAILED its check: task 1 never finished\n"
        );
        assert_eq!(seconds(0.01394), "0.0139");
        assert_eq!(seconds(0.2), "0.200");
    }
}
