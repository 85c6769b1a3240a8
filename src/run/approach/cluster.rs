//! `cluster`: the tasks spread over the worker threads of several local processes by
//! timely-dataflow, connected over TCP on 127.0.0.1 (see [`crate::run::cluster`]). `--pool-size`
//! is the total worker count; `--cluster-workers` threads in each process. What it shows is the
//! rung beyond one machine, and its price: processes, sockets and a dataflow around every task.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::CLUSTER as INFO;
use crate::run::cluster::{Layout, parent};

/// Timely-dataflow workers over local processes.
pub struct Cluster;

impl Approach for Cluster {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn prepare(&self, ctx: &RunContext) -> Result<(), ApproachError> {
        match &ctx.settings.cluster.hosts {
            // Across machines: the wait for the hosts to join, and the clock offsets, stay out
            // of the timed region.
            Some(hosts) => crate::run::cluster::remote::prepare(INFO.id, ctx, hosts),
            None => Ok(()),
        }
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let cluster = &ctx.settings.cluster;
        if let Some(hosts) = &cluster.hosts {
            let threads = hosts
                .threads(ctx.pool_size, cluster.threads_per_process)
                .map_err(ApproachError::Failed)?;
            return crate::run::cluster::remote::run(INFO.id, ctx, hosts, threads);
        }
        let (processes, threads) = cluster
            .local_layout(ctx.pool_size)
            .map_err(|e| ApproachError::Failed(e.to_string()))?;
        let layout = Layout { processes, threads };
        parent::run(INFO.id, ctx, layout)
    }
}
