//! How the approaches run, as a value: the Python interpreter, the cluster's layout and hosts,
//! the program started as a worker, and the custom work a task runs.
//!
//! These used to be process-wide settings set as a side effect of parsing. Now a run's
//! configuration holds one [`ApproachSettings`] and hands it to every approach in its run
//! context, so two runs in one process (two [`crate::lab::Lab`]s on two threads) cannot see
//! each other's. A child process (a worker, a cluster process, a library user's program started
//! again) gets what it needs on its command line, over its protocol, or from the code that
//! serves it, never from a static.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::UsageError;
use crate::plan::custom::TaskRunner;
use crate::plan::py_func::PyFunction;

/// Everything an approach needs to know beyond the tasks themselves.
#[derive(Clone, Default)]
pub struct ApproachSettings {
    /// The interpreter the Python approaches start (`--python PATH`; None: `python3` on PATH).
    pub interpreter: Option<PathBuf>,
    /// How the `cluster` approach lays its processes out.
    pub cluster: ClusterLayout,
    /// The parlab executable started as a worker, cluster process or local server (None: this
    /// executable). Tests need it: inside a test binary this executable is the test harness.
    pub worker_program: Option<PathBuf>,
    /// The work a custom step does (`--command`, or a library user's function), if any.
    pub custom: Option<CustomWork>,
    /// The user's Python function the py-* approaches call (`--py-func`), if any.
    pub python_function: Option<PyFunction>,
}

impl ApproachSettings {
    /// The interpreter the Python approaches start.
    pub fn interpreter(&self) -> PathBuf {
        self.interpreter
            .clone()
            .unwrap_or_else(|| PathBuf::from("python3"))
    }

    /// The executable started as a worker: parlab itself unless [`Self::worker_program`] says
    /// otherwise.
    pub fn worker_program(&self) -> std::io::Result<PathBuf> {
        match &self.worker_program {
            Some(p) => Ok(p.clone()),
            None => std::env::current_exe(),
        }
    }

    /// The runner of custom steps, if any.
    pub fn runner(&self) -> Option<Arc<dyn TaskRunner>> {
        self.custom.as_ref().map(|c| Arc::clone(&c.runner))
    }

    /// The environment a worker process needs to run the same custom work (empty when none).
    pub fn worker_env(&self) -> Vec<(String, String)> {
        self.custom
            .as_ref()
            .map(|c| c.worker_env.clone())
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for ApproachSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApproachSettings")
            .field("interpreter", &self.interpreter)
            .field("cluster", &self.cluster)
            .field("worker_program", &self.worker_program)
            .field("custom", &self.custom.as_ref().map(|c| &c.worker_env))
            .field("python_function", &self.python_function)
            .finish()
    }
}

/// The custom work of a run: what runs a custom step here, and the environment a worker
/// process needs to run the same (a `--command`'s variables, or the mark that tells a library
/// user's program started again to serve as a worker).
#[derive(Clone)]
pub struct CustomWork {
    /// Runs each custom step in this process.
    pub runner: Arc<dyn TaskRunner>,
    /// Set in a worker process's environment.
    pub worker_env: Vec<(String, String)>,
}

/// How the `cluster` approach lays its processes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterLayout {
    /// Worker threads in each local cluster process (`--cluster-workers`; at least 1).
    pub threads_per_process: usize,
    /// The processes on several machines (`--hosts`), or None: local processes.
    pub hosts: Option<Hosts>,
}

impl ClusterLayout {
    /// Refuses a layout the cluster approach cannot run at `pool_size` workers, naming the flag
    /// to change.
    pub fn check(&self, pool_size: usize) -> Result<(), UsageError> {
        if let Some(hosts) = &self.hosts {
            // --hosts decides the processes; only a sweep sizes their threads by the pool.
            return hosts
                .threads(pool_size, self.threads_per_process)
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
        self.local_layout(pool_size).map(|_| ())
    }

    /// `pool_size` workers as local processes of `--cluster-workers` threads each: the number
    /// of processes and the threads in each.
    pub fn local_layout(&self, pool_size: usize) -> Result<(usize, usize), UsageError> {
        let threads = self.threads_per_process.max(1);
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
        Ok(((pool_size / threads).max(1), threads))
    }
}

impl Default for ClusterLayout {
    fn default() -> Self {
        Self {
            threads_per_process: 1,
            hosts: None,
        }
    }
}

/// The processes of a cluster run across machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// `host:port` of every process; `lines[0]` is parlab's.
    pub lines: Vec<String>,
    /// How long parlab waits for the others to join.
    pub join_timeout: Duration,
    /// Whether the pool size sets the worker threads (`pool size ÷ processes` in each), as in
    /// a sweep over the total worker count; otherwise `--cluster-workers` does.
    pub sized_by_pool: bool,
}

impl Hosts {
    /// The worker threads in each process for a run at `pool_size`, or why there is none: with
    /// [`Hosts::sized_by_pool`], the pool size must split evenly over the processes; otherwise
    /// `threads_per_process` (`--cluster-workers`).
    pub fn threads(&self, pool_size: usize, threads_per_process: usize) -> Result<usize, String> {
        let n = self.lines.len();
        if !self.sized_by_pool {
            return Ok(threads_per_process.max(1));
        }
        if pool_size < n || !pool_size.is_multiple_of(n) {
            return Err(format!(
                "{pool_size} workers do not split evenly over the {n} processes of --hosts"
            ));
        }
        Ok(pool_size / n)
    }
}
