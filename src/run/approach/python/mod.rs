//! The Python approaches: the seed tools' own seven ways of running tasks, run in CPython beside
//! the Rust ones, on the same task specs, measured and checked by the same harness.
//!
//! Each is a `python3` child process (found on `PATH`, or `--python PATH`) running
//! `driver.py`, which is embedded in the binary and passed with `-c`: nothing is written to
//! disk. The driver's header documents the protocol (JSON lines); `session.rs` is parlab's side
//! of it. The interpreter runs in its own process group, so one `killpg` reaches every pool
//! process it forked; it is started and has reported ready before the timed region starts
//! ([`Approach::prepare`]), so interpreter start-up is not in the wall time (its CPU time is in
//! the CPU figure: the kernel reports a child's CPU time only as a whole).
//!
//! # Widths under the GIL
//!
//! CPython's global interpreter lock lets one thread run Python code at a time, so a thread
//! approach computes one task at a time however many threads it has; sleeps release the lock,
//! so waits overlap. Only processes compute in parallel. A free-threaded build (3.13t, where
//! `sys._is_gil_enabled()` is false) would let threads compute in parallel too; the widths
//! below describe the usual build, and the machine facts say which one ran.

mod func;
mod probe;
mod session;

#[cfg(test)]
mod contract;

use std::sync::Mutex;

pub use probe::{FunctionProblem, PythonFacts, probe, probe_function, time_calls};

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue;

/// The driver's source, run with `python3 -c`.
pub const DRIVER: &str = include_str!("driver.py");

/// The oldest Python the driver supports.
pub const MIN_VERSION: (u32, u32) = (3, 8);

/// Which run `ctx` is: the address of its recorder, one per run.
fn run_key(ctx: &RunContext) -> usize {
    std::sync::Arc::as_ptr(&ctx.recorder) as usize
}

pub use crate::plan::approaches::is_python;

/// One of the seven Python approaches; which one its [`ApproachInfo`] says (the driver is told
/// the id).
pub struct Python {
    info: &'static ApproachInfo,
    /// The interpreter started by [`Approach::prepare`] for the next run, ready for its request,
    /// with the run it is for (its recorder's address): a run in another thread of the same
    /// process (with its own interpreter, say) never takes it.
    ready: Mutex<Option<(usize, session::Session)>>,
}

impl Python {
    const fn new(info: &'static ApproachInfo) -> Self {
        Self {
            info,
            ready: Mutex::new(None),
        }
    }
}

/// The `py-sequential` approach.
pub static PY_SEQUENTIAL: Python = Python::new(&catalogue::PY_SEQUENTIAL);

/// The `py-threads` approach.
pub static PY_THREADS: Python = Python::new(&catalogue::PY_THREADS);

/// The `py-thread-pool` approach.
pub static PY_THREAD_POOL: Python = Python::new(&catalogue::PY_THREAD_POOL);

/// The `py-asyncio` approach.
pub static PY_ASYNCIO: Python = Python::new(&catalogue::PY_ASYNCIO);

/// The `py-process` approach.
pub static PY_PROCESS: Python = Python::new(&catalogue::PY_PROCESS);

/// The `py-process-pool` approach.
pub static PY_PROCESS_POOL: Python = Python::new(&catalogue::PY_PROCESS_POOL);

/// The `py-pool` approach.
pub static PY_POOL: Python = Python::new(&catalogue::PY_POOL);

impl Approach for Python {
    fn info(&self) -> &'static ApproachInfo {
        self.info
    }

    fn prepare(&self, ctx: &RunContext) -> Result<(), ApproachError> {
        if self.info.key != catalogue::PY_SEQUENTIAL.key {
            reference_run(ctx)?;
        }
        let s = self.start(ctx)?;
        *self.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some((run_key(ctx), s));
        Ok(())
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        if ctx.cancel.is_cancelled() {
            *self.ready.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return Err(ApproachError::Cancelled);
        }
        let prepared = {
            let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            match ready.take() {
                Some((key, s)) if key == run_key(ctx) => Some(s),
                other => {
                    *ready = other;
                    None
                }
            }
        };
        let s = match prepared {
            Some(s) => s,
            None => self.start(ctx)?,
        };
        s.run(ctx)
    }
}

impl Python {
    /// Starts an interpreter on the driver for a run on `ctx`.
    fn start(&self, ctx: &RunContext) -> Result<session::Session, ApproachError> {
        session::Session::start(
            self.info.id,
            &ctx.settings.interpreter(),
            &ctx.cancel,
            &function_env(ctx),
        )
    }
}

/// The environment of an interpreter calling the user's function: string hashing made the same
/// in every interpreter (`PYTHONHASHSEED=0`, unless the user set it), so that a value built
/// from a set of strings is the same under every approach.
fn function_env(ctx: &RunContext) -> Vec<(&'static str, &'static str)> {
    match &ctx.settings.python_function {
        Some(_) if std::env::var_os("PYTHONHASHSEED").is_none() => vec![("PYTHONHASHSEED", "0")],
        _ => Vec::new(),
    }
}

/// Runs py-sequential once, unmeasured, to fill the reference, unless one is there or not
/// needed: for a run whose approaches leave py-sequential out (`--no-baseline`).
fn reference_run(ctx: &RunContext) -> Result<(), ApproachError> {
    let Some(func) = &ctx.settings.python_function else {
        return Ok(());
    };
    if !func.needs_reference() || func.reference.get().is_some() {
        return Ok(());
    }
    let plan = ctx.work.plan();
    let scratch = RunContext {
        work: ctx.work,
        tasks: ctx.tasks,
        pool_size: ctx.pool_size,
        chunk_size: ctx.chunk_size,
        recorder: std::sync::Arc::new(crate::run::record::recorder::Recorder::new(
            ctx.tasks,
            &plan,
            std::time::Instant::now(),
        )),
        cancel: ctx.cancel.clone(),
        task_timeout: ctx.task_timeout,
        settings: ctx.settings.clone(),
    };
    let id = catalogue::PY_SEQUENTIAL.id;
    let session = session::Session::start(
        id,
        &ctx.settings.interpreter(),
        &ctx.cancel,
        &function_env(ctx),
    )?;
    session.run(&scratch).map_err(|e| match e {
        ApproachError::Failed(msg) => ApproachError::Failed(format!(
            "the reference run of py-sequential (not measured; every approach's values are \
             compared with its): {msg}"
        )),
        other => other,
    })?;
    if let Some(problem) = scratch.recorder.first_problem() {
        return Err(ApproachError::Failed(format!(
            "the reference run of py-sequential: {problem}"
        )));
    }
    Ok(())
}
