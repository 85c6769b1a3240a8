//! Peak memory must be each approach's own, not inherited from one measured earlier in the
//! same process. It holds the target's `SERIAL`, so no other test runs in the process meanwhile.

use std::sync::Arc;
use std::time::Instant;

use parlab::cancel::Cancel;
use parlab::plan::workload::{WorkSpec, WorkloadKind};
use parlab::run::approach::{self, RunContext};
use parlab::run::bench::{Executor, RealExecutor};
use parlab::run::record::recorder::Recorder;

fn measure(id: &str, work: WorkSpec, tasks: u32) -> u64 {
    let ctx = RunContext {
        work,
        tasks,
        pool_size: 2,
        recorder: Arc::new(Recorder::new(tasks, &work.plan(), Instant::now())),
        cancel: Cancel::new(),
        chunk_size: None,
        task_timeout: None,
        settings: Default::default(),
    };
    RealExecutor
        .measure(approach::find(id).unwrap(), ctx)
        .unwrap()
        .peak_rss_kib
}

#[test]
fn noop_after_ten_thousand_waiting_threads_reports_its_own_small_peak() {
    let _serial = crate::serial();
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("skipped: this kernel does not let a process reset its peak memory");
        return;
    }
    let io = WorkSpec {
        workload: WorkloadKind::Io,
        number: 0,
        io_wait_ns: 200_000_000,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    let noop = WorkSpec {
        workload: WorkloadKind::Noop,
        number: 0,
        io_wait_ns: 0,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    let threads_peak = measure("threads", io, 10_000);
    // What earlier runs leave behind (a long session's kept results) is not the next one's.
    let kept: Vec<u8> = vec![7; 64 << 20];
    std::hint::black_box(&kept);
    let noop_peak = measure("sequential", noop, 10);
    eprintln!("threads: {threads_peak} KiB, noop afterwards: {noop_peak} KiB");
    assert!(
        threads_peak > noop_peak + 20 * 1024,
        "10,000 threads should peak well above noop: {threads_peak} vs {noop_peak} KiB"
    );
    assert!(
        noop_peak < threads_peak / 2,
        "noop inherited the threads' peak: {noop_peak} KiB"
    );
}
