//! The note on approach `cluster`: its own cost per task beside `process-pool`'s, so the price
//! of the dataflow and the network is seen next to that of a pipe to a worker process.

use crate::config::RunConfig;
use crate::format::format_seconds;
use crate::report::Report;

/// The cluster notes for `report`: on noop work (where each time is the approach's own cost),
/// when both `cluster` and `process-pool` were verified.
pub fn notes(report: &Report, cfg: &RunConfig) -> Vec<String> {
    let work = &cfg.work;
    let custom = work.plan().contains(&crate::workload::Step::Custom);
    if work.workload.computes() || work.workload.waits() || custom {
        return Vec::new();
    }
    let cost = |id| {
        report
            .result(id)
            .and_then(|r| r.own_cost_per_task_s(cfg.tasks))
    };
    let (Some(cluster), Some(pool)) = (cost("cluster"), cost("process-pool")) else {
        return Vec::new();
    };
    let cheaper = if (cluster - pool).abs() <= 0.2 * pool.max(cluster) {
        ", about the same: a pipe round trip per task and a dataflow exchange cost alike here"
    } else if cluster < pool {
        ": the dataflow sends tasks and answers in batches, where process-pool makes a round trip \
         over a pipe per task"
    } else {
        ": processes, a TCP mesh and a dataflow around every task cost more than a pipe to a \
         worker"
    };
    vec![format!(
        "cluster's own cost is {} per task against process-pool's {}{cheaper}; across \
         machines the network adds its latency to every exchange",
        format_seconds(cluster),
        format_seconds(pool)
    )]
}
