//! Runs measured work against a local server: [`Serving`] starts one when the work needs it, and [`ServedExecutor`] turns a run during which the server died into a failure that
//! names the server, so the whole run stops (exit 1) instead of blaming the approach.

use std::time::Duration;

use crate::plan::workload::{Answer, WorkSpec};
use crate::run::approach::{Approach, ApproachError, RunContext};
use crate::run::bench::{Executor, RunMeasurement};

use super::local::{LocalServer, ServerFigures};

/// An executor whose runs need the local server alive.
pub struct ServedExecutor<'a> {
    inner: &'a dyn Executor,
    server: Option<&'a LocalServer>,
}

impl ServedExecutor<'_> {
    /// The failure to report if the server is gone, looked for after a run.
    fn server_died(&self, approach: &dyn Approach, wait: Duration) -> Option<ApproachError> {
        let server = self.server?;
        let how = server.ended_within(wait)?;
        Some(ApproachError::Failed(format!(
            "the local server (pid {}) {how} during the run of {}; its results are not kept",
            server.pid(),
            approach.info().id
        )))
    }
}

impl ServedExecutor<'_> {
    /// Runs `run` while a thread looks at the server every [`WATCH_EVERY`]: a server stopped
    /// (SIGSTOP, Ctrl-Z, a debugger) for [`STOPPED_LIMIT`] would hold every request for ever,
    /// so it is killed, which ends them all, and the run fails naming the server.
    fn watched<T>(&self, run: impl FnOnce() -> T) -> T {
        let Some(server) = self.server else {
            return run();
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            // Without a thread to spare (a process limit), the run goes unwatched rather than
            // not at all: a stopped server then waits for --task-timeout.
            let watching = std::thread::Builder::new().name("serve:watch".into());
            let watcher = watching.spawn_scoped(scope, || {
                let mut stopped_since: Option<std::time::Instant> = None;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::park_timeout(WATCH_EVERY);
                    if !server.is_stopped() {
                        stopped_since = None;
                    } else if stopped_since
                        .get_or_insert_with(std::time::Instant::now)
                        .elapsed()
                        >= STOPPED_LIMIT
                        && server.kill_if_stopped()
                    {
                        return;
                    }
                }
            });
            let out = run();
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Ok(w) = &watcher {
                w.thread().unpark();
            }
            out
        })
    }
}

/// How often a run's watcher looks at the local server.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// How long the local server may stay stopped before parlab kills it.
const STOPPED_LIMIT: Duration = Duration::from_secs(2);

impl Executor for ServedExecutor<'_> {
    fn machine_share(&self, window: Duration, cancel: &crate::cancel::Cancel) -> Option<f64> {
        self.inner.machine_share(window, cancel)
    }

    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError> {
        self.measure_run(approach, ctx, 0)
    }

    fn measure_run(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
        ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        if self.server.is_none() {
            return self.inner.measure_run(approach, ctx, ordinal);
        }
        if let Some(e) = self.server_died(approach, Duration::ZERO) {
            return Err(e);
        }
        let result = self.watched(|| self.inner.measure_run(approach, ctx, ordinal));
        // A task that failed on the network may have failed because the server died: then
        // say so (a dying server's sockets can close a moment before its exit is seen).
        let suspicious = match &result {
            Ok(m) => m
                .tasks
                .iter()
                .any(|t| matches!(t.answer, Some(Answer::Failed(_)) | None)),
            Err(_) => true,
        };
        let wait = if suspicious {
            Duration::from_millis(300)
        } else {
            Duration::ZERO
        };
        match self.server_died(approach, wait) {
            Some(e) => Err(e),
            None => result,
        }
    }
}

/// The local server a run needs, if it needs one: started before the runs, stopped after.
pub struct Serving {
    server: Option<LocalServer>,
}

impl Serving {
    /// Starts a local server (`settings`' worker program) when `work` needs one and is not a model
    /// (`mock`), writing its port
    /// into `work`; otherwise none. The message says why the server could not start.
    pub fn start(
        work: &mut WorkSpec,
        mock: bool,
        settings: &crate::plan::settings::ApproachSettings,
    ) -> Result<Self, String> {
        if mock || !work.workload.needs_server() {
            return Ok(Self { server: None });
        }
        let program = settings
            .worker_program()
            .map_err(|e| format!("the local server: cannot find parlab's own executable: {e}"))?;
        let server = LocalServer::start(
            &program,
            work.io_wait(),
            work.net.payload,
            work.net.requests,
        )?;
        work.net.port = server.port();
        Ok(Self {
            server: Some(server),
        })
    }

    /// `inner`, watching the server (if any) around every run.
    pub fn executor<'a>(&'a self, inner: &'a dyn Executor) -> ServedExecutor<'a> {
        ServedExecutor {
            inner,
            server: self.server.as_ref(),
        }
    }

    /// Stops the server and reaps it; its figures, when it ran and stopped cleanly.
    pub fn stop(self) -> Option<ServerFigures> {
        self.server?.stop().ok()
    }
}
