//! The note on approach `cluster`: its own cost per task beside `process-pool`'s, so the price
//! of the dataflow and the network is seen next to that of a pipe to a worker process.

use crate::format::{first_few, format_kib, format_seconds};
use crate::judge::report::Report;
use crate::plan::Plan;
use crate::plan::approaches::catalogue;
use crate::run::record::ChildFigures;

/// How the report describes the clock-offset method (see `crate::run::cluster` `clock`).
pub const CLOCK_METHOD: &str = "8 ping–pong exchanges over the join connection before every \
    run, the one with the shortest round trip kept; offset = the host's clock in its answer \
    minus the exchange's midpoint, off by at most half that round trip";

/// The cluster notes for `report`: each process's own figures, the clock offsets of other
/// hosts, and the cost per task beside process-pool's.
pub fn notes(report: &Report, cfg: &Plan) -> Vec<String> {
    let mut notes = processes(report);
    notes.extend(cost(report, cfg));
    notes
}

/// Each cluster process's own CPU time and peak memory, and, across machines, how the other
/// hosts' task times were put on this machine's clock.
fn processes(report: &Report) -> Vec<String> {
    let Some(r) = report.result(catalogue::CLUSTER.id) else {
        return Vec::new();
    };
    let children: Vec<&ChildFigures> = r.children.iter().filter(|c| c.process.is_some()).collect();
    if children.is_empty() {
        return Vec::new();
    }
    let each: Vec<String> = children
        .iter()
        .map(|c| {
            let place = match (&c.host, c.pid) {
                (Some(h), 0) => h.clone(),
                (Some(h), pid) => format!("{h} pid {pid}"),
                (None, pid) => format!("pid {pid}"),
            };
            let cpu = c.cpu_s.map_or("CPU not reported".into(), |(u, s)| {
                format!("{} CPU", format_seconds(u + s))
            });
            format!(
                "{} ({place}): {cpu} and {} peak",
                c.process.unwrap_or(0),
                format_kib(c.peak_rss_kib)
            )
        })
        .collect();
    let mut notes = vec![format!(
        "cluster's processes, each measuring itself: {}; process 0 is parlab, whose own figures \
         are the row's{}",
        first_few(&each, 6),
        if children.iter().any(|c| c.host.is_some()) {
            " (its CPU time includes the other hosts' as they reported it)"
        } else {
            ""
        }
    )];
    let offsets: Vec<String> = children
        .iter()
        .filter_map(|c| {
            let (ns, error) = c.clock_offset_ns?;
            // In seconds to the microsecond: two boots can be days apart.
            Some(format!(
                "{} {:+.6} s ± {}",
                c.host.as_deref().unwrap_or("?"),
                ns as f64 / 1e9,
                format_seconds(error as f64 / 1e9)
            ))
        })
        .collect();
    if !offsets.is_empty() {
        notes.push(format!(
            "task times of the other hosts are on this machine's clock, shifted by each host's \
             offset ({CLOCK_METHOD}): {}",
            first_few(&offsets, 6)
        ));
    }
    notes
}

/// On noop work (where each time is the approach's own cost), when both `cluster` and
/// `process-pool` were verified: the two costs per task side by side.
fn cost(report: &Report, cfg: &Plan) -> Vec<String> {
    let work = &cfg.work;
    if !work.workload.measures_overhead() {
        return Vec::new();
    }
    let cost = |id| {
        report
            .result(id)
            .and_then(|r| r.own_cost_per_task_s(cfg.tasks))
    };
    let (Some(cluster), Some(pool)) = (
        cost(catalogue::CLUSTER.id),
        cost(catalogue::PROCESS_POOL.id),
    ) else {
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
