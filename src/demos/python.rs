//! The line under each demo pair showing the same pair run in CPython, so the Python demos'
//! figures and Rust's are seen side by side on one machine:
//!
//! ```text
//!   in Python: py-sequential 5.01s → py-asyncio 1.00s, 5.00x
//! ```
//!
//! Each Rust approach of a pair maps to the Python approach the Python demos used for it; a
//! pair with an approach Python has no counterpart for (async-inline) gets no line. The waits
//! are the Rust pair's. CPython divides tens of times slower than Rust, so the CPU pairs run the
//! quick demos' work, a hundredth of the full demos' (and the line says so); under `--quick`
//! that is exactly the Rust pair's work.

use super::{Demo, DemoResult};

/// The Python approach doing what the Rust approach `id` does in the Python demos, if any.
pub fn counterpart(id: &str) -> Option<&'static str> {
    Some(match id {
        "sequential" => "py-sequential",
        "async" => "py-asyncio",
        "process" => "py-process",
        "process-pool" => "py-process-pool",
        "threads" => "py-threads",
        "thread-pool" => "py-thread-pool",
        _ => return None,
    })
}

/// A demo pair run in CPython.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonPair {
    /// The pair: the Python counterparts, the tasks, pool and waits of the Rust pair.
    pub demo: Demo,
    /// True when its CPU work is smaller than the Rust pair's (a hundredth, outside `--quick`).
    pub smaller_work: bool,
}

/// The Python pair of `rust`, whose twin in the quick demos is `quick_twin` (the same demo,
/// scaled down), or `None` when Python has no counterpart for one of its approaches.
pub fn pair(rust: &Demo, quick_twin: &Demo) -> Option<PythonPair> {
    let mut demo = rust.clone();
    demo.slower = counterpart(rust.slower)?;
    demo.faster = counterpart(rust.faster)?;
    let computes = rust.work.workload.computes();
    if computes {
        demo.work.number = quick_twin.work.number;
    }
    Some(PythonPair {
        smaller_work: computes && quick_twin.work.number != rust.work.number,
        demo,
    })
}

/// The Python pair's one line (and its newline): each approach's median time and the median
/// improvement, or the approach that failed its check and why.
pub fn render_line(r: &DemoResult, smaller_work: bool) -> String {
    let time = |(name, times): &(String, Result<Vec<f64>, String>)| match times {
        Ok(t) => format!("{name} {}", seconds(crate::stats::median(t))),
        Err(problem) => format!("{name} FAILED its check: {problem}"),
    };
    let mut line = format!("  in Python: {} → {}", time(&r.slower), time(&r.faster));
    let gains = r.improvements();
    if !gains.is_empty() {
        line.push_str(&format!(", {:.2}x", crate::stats::median(&gains)));
    }
    if smaller_work {
        line.push_str(" (on a hundredth of the work)");
    }
    line.push('\n');
    line
}

/// Seconds as the Python line shows them: `5.01s`, and below a second one more digit, `0.014s`.
fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2}s")
    } else {
        format!("{s:.3}s")
    }
}

#[cfg(test)]
mod tests {
    use super::super::demos;
    use super::*;

    #[test]
    fn every_pair_but_async_inline_has_a_python_twin() {
        let full = demos(2, false);
        let quick = demos(2, true);
        let pairs: Vec<Option<PythonPair>> =
            full.iter().zip(&quick).map(|(d, q)| pair(d, q)).collect();
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
                let a = crate::approach::find(id).unwrap();
                assert!(crate::approach::python::is_python(a.info()), "{id}");
            }
        }
    }

    #[test]
    fn cpu_pairs_run_the_quick_work_and_waits_stay_the_rust_pairs() {
        let full = demos(2, false);
        let quick = demos(2, true);
        let waits = pair(&full[0], &quick[0]).unwrap();
        assert_eq!(waits.demo.work, full[0].work);
        assert!(!waits.smaller_work);
        let cpu = pair(&full[1], &quick[1]).unwrap();
        assert_eq!(cpu.demo.work.number, quick[1].work.number);
        assert_ne!(cpu.demo.work.number, full[1].work.number);
        assert!(cpu.smaller_work);
        assert_eq!((cpu.demo.tasks, cpu.demo.pool_size), (2, 2));
        // Under --quick the Python pair's work is exactly the Rust pair's.
        let same = pair(&quick[2], &quick[2]).unwrap();
        assert_eq!(same.demo.work, quick[2].work);
        assert!(!same.smaller_work);
    }

    #[test]
    fn one_line_with_medians_and_the_gain() {
        let r = DemoResult {
            heading: String::new(),
            slower: ("py-sequential".into(), Ok(vec![5.2, 5.01, 5.0])),
            faster: ("py-asyncio".into(), Ok(vec![1.3, 1.0, 1.002])),
            shortfall: None,
        };
        assert_eq!(
            render_line(&r, false),
            "  in Python: py-sequential 5.01s → py-asyncio 1.00s, 4.99x\n"
        );
        assert!(render_line(&r, true).ends_with("4.99x (on a hundredth of the work)\n"));
    }

    #[test]
    fn a_failed_check_names_the_approach_and_gives_no_gain() {
        let r = DemoResult {
            heading: String::new(),
            slower: ("py-sequential".into(), Ok(vec![1.0])),
            faster: ("py-process".into(), Err("task 1 never finished".into())),
            shortfall: None,
        };
        assert_eq!(
            render_line(&r, false),
            "  in Python: py-sequential 1.00s → py-process FAILED its check: task 1 never finished\n"
        );
        assert_eq!(seconds(0.01394), "0.014s");
        assert_eq!(seconds(0.02), "0.020s");
    }
}
