//! `cluster`: the tasks spread over the worker threads of several local processes by
//! timely-dataflow, connected over TCP on 127.0.0.1 (see [`crate::cluster`]). `--pool-size`
//! is the total worker count; `--cluster-workers` threads in each process. What it shows is the
//! rung beyond one machine, and its price: processes, sockets and a dataflow around every task.

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};
use crate::cluster::{Layout, parent};
use crate::error::UsageError;
use crate::settings::ApproachSettings;

/// Timely-dataflow workers over local processes.
pub struct Cluster;

static INFO: ApproachInfo = ApproachInfo {
    id: "cluster",
    summary: "timely-dataflow over --pool-size workers in local processes (--cluster-workers each), \
              tasks exchanged over TCP",
    python: "Ray / Dask / mpi4py",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Cluster (timely)",
        order: 12,
        plain: "several processes sharing tasks over TCP",
    },
};

impl Approach for Cluster {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn check(
        &self,
        _tasks: u32,
        pool_size: usize,
        settings: &ApproachSettings,
    ) -> Result<(), UsageError> {
        let cluster = &settings.cluster;
        if let Some(hosts) = &cluster.hosts {
            // --hosts decides the processes; only a sweep sizes their threads by the pool.
            return hosts
                .threads(pool_size, cluster.threads_per_process)
                .map(|_| ())
                .map_err(|why| {
                    UsageError::bad(
                        "--pool-sizes",
                        why,
                        format!(
                            "with --hosts a sweep's pool sizes are the total worker count: give \
                             multiples of {}",
                            hosts.lines.len()
                        ),
                    )
                });
        }
        layout(pool_size, cluster.threads_per_process).map(|_| ())
    }

    fn prepare(&self, ctx: &RunContext) -> Result<(), ApproachError> {
        match &ctx.settings.cluster.hosts {
            // Across machines: the wait for the hosts to join, and the clock offsets, stay out
            // of the timed region.
            Some(hosts) => crate::cluster::remote::prepare(INFO.id, ctx, hosts),
            None => Ok(()),
        }
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let cluster = &ctx.settings.cluster;
        if let Some(hosts) = &cluster.hosts {
            let threads = hosts
                .threads(ctx.pool_size, cluster.threads_per_process)
                .map_err(ApproachError::Failed)?;
            return crate::cluster::remote::run(INFO.id, ctx, hosts, threads);
        }
        let layout = layout(ctx.pool_size, cluster.threads_per_process)
            .map_err(|e| ApproachError::Failed(e.to_string()))?;
        parent::run(INFO.id, ctx, layout)
    }
}

/// `pool_size` workers as processes of `threads` workers each.
fn layout(pool_size: usize, threads: usize) -> Result<Layout, UsageError> {
    let threads = threads.max(1);
    if !pool_size.is_multiple_of(threads) {
        return Err(UsageError::bad(
            "--pool-size",
            format!(
                "{pool_size} workers do not split into processes of {threads} \
                 (--cluster-workers) with approach cluster"
            ),
            "use a --pool-size that is a multiple of --cluster-workers",
        ));
    }
    Ok(Layout {
        processes: (pool_size / threads).max(1),
        threads,
    })
}
