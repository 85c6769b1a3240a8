//! Two [`Lab`]s at once in one process, on two threads, each with its own function and check:
//! both verify, under the in-process approaches and the process approaches, and each lab's
//! function runs exactly its own lab's tasks.
//!
//! Its own target with `harness = false`: the process approaches start this program again as
//! their workers, and `serve_worker_if_asked` must reach them before anything else runs (the
//! test harness would take `worker --parent PID` for a test filter).
//!
//! What fails it: one lab's tasks run by the other lab's function. The labs' task counts
//! differ (4 and 12) and each check refuses a task index beyond its own lab's, and in this
//! process every call of a function is counted against the tasks its lab ran here.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use parlab::lab::{ApproachId, Lab};
use parlab::plan::approaches::Family;

/// Calls of each lab's function in this process.
static CALLS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

const IN_PROCESS: [ApproachId; 7] = [
    ApproachId::Sequential,
    ApproachId::Threads,
    ApproachId::ThreadPool,
    ApproachId::Rayon,
    ApproachId::Async,
    ApproachId::AsyncInline,
    ApproachId::AsyncMt,
];
const PROCESSES: [ApproachId; 3] = [
    ApproachId::Process,
    ApproachId::ProcessPool,
    ApproachId::ProcessPoolChunked,
];

/// Lab `i`: `tasks` tasks computing `task * mul + add`, checked against the same, and refusing a
/// task index past its own.
fn lab(i: usize, tasks: u32, mul: u64, add: u64) -> Lab<u64> {
    Lab::new(move |t| {
        CALLS[i].fetch_add(1, Ordering::Relaxed);
        u64::from(t) * mul + add
    })
    .check(move |t, v| t < tasks && *v == u64::from(t) * mul + add)
    .name(&format!("lab{i}"))
    .tasks(tasks)
    .pool_size(2)
    .runs(2)
    .warmup(0)
}

fn main() -> ExitCode {
    let labs = [lab(0, 4, 2, 0), lab(1, 12, 3, 1)];
    for l in &labs {
        l.serve_worker_if_asked();
    }
    let approaches: Vec<ApproachId> = IN_PROCESS.iter().chain(&PROCESSES).copied().collect();
    let labs: Vec<Lab<u64>> = labs
        .into_iter()
        .map(|l| l.approaches(approaches.iter().copied()))
        .collect();
    let start = Arc::new(Barrier::new(2));
    let reports = std::thread::scope(|s| {
        let handles: Vec<_> = labs
            .iter()
            .map(|l| {
                let start = Arc::clone(&start);
                s.spawn(move || {
                    start.wait();
                    l.run()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a lab's thread panicked"))
            .collect::<Vec<_>>()
    });
    let mut failed = false;
    for (i, (report, tasks)) in reports.into_iter().zip([4u64, 12]).enumerate() {
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                eprintln!("lab{i}: {e:#}");
                failed = true;
                continue;
            }
        };
        let mut ids: Vec<&str> = report.results.iter().map(|r| r.approach.as_str()).collect();
        let mut asked: Vec<&str> = approaches.iter().map(|a| a.as_str()).collect();
        ids.sort_unstable();
        asked.sort_unstable();
        if ids != asked {
            eprintln!("lab{i}: ran {ids:?}, asked {asked:?}");
            failed = true;
        }
        for r in report.results.iter().filter(|r| !r.verified) {
            eprintln!("lab{i}: {} not verified: {:?}", r.approach, r.problem);
            failed = true;
        }
        // Every task of every measured in-process run called this lab's function here.
        let runs: usize = report
            .results
            .iter()
            .filter(|r| r.family != Family::Process)
            .map(|r| r.runs.len())
            .sum();
        let calls = CALLS[i].load(Ordering::Relaxed);
        if runs == 0 || calls != tasks * runs as u64 {
            eprintln!("lab{i}: its function ran {calls} times here, not {tasks} x {runs} runs");
            failed = true;
        }
    }
    if failed {
        eprintln!("two_labs: FAILED");
        return ExitCode::FAILURE;
    }
    println!("two_labs: both labs verified, each function ran only its own lab's tasks");
    ExitCode::SUCCESS
}
