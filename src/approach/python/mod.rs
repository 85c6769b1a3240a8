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

mod probe;
mod session;

use std::sync::Mutex;

pub use probe::{PythonFacts, probe};

use super::{Approach, ApproachError, ApproachInfo, Family, MenuEntry, Outcome, RunContext, Width};

/// The driver's source, run with `python3 -c`.
pub const DRIVER: &str = include_str!("driver.py");

/// The oldest Python the driver supports.
pub const MIN_VERSION: (u32, u32) = (3, 8);

/// Which run `ctx` is: the address of its recorder, one per run.
fn run_key(ctx: &RunContext) -> usize {
    std::sync::Arc::as_ptr(&ctx.recorder) as usize
}

/// Whether `info` is one of the Python approaches.
pub fn is_python(info: &ApproachInfo) -> bool {
    info.id.starts_with("py-")
}

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

/// The menu order of the first Python approach: after every Rust one.
const MENU: u8 = 50;

/// What describes `py-sequential`.
static PY_SEQUENTIAL_INFO: ApproachInfo = ApproachInfo {
    id: "py-sequential",
    summary: "CPython: one task after another",
    python: "the no_... baselines",
    family: Family::Sequential,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::One,
    menu: MenuEntry {
        name: "Python sequential",
        order: MENU,
        plain: "in CPython: one task after another",
    },
};
/// The `py-sequential` approach.
pub static PY_SEQUENTIAL: Python = Python::new(&PY_SEQUENTIAL_INFO);

/// What describes `py-threads`.
static PY_THREADS_INFO: ApproachInfo = ApproachInfo {
    id: "py-threads",
    summary: "CPython: a threading.Thread per task, all started, then all joined",
    python: "Threaded",
    family: Family::Thread,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Python Threaded",
        order: MENU + 1,
        plain: "in CPython: a thread per task, under the GIL",
    },
};
/// The `py-threads` approach.
pub static PY_THREADS: Python = Python::new(&PY_THREADS_INFO);

/// What describes `py-thread-pool`.
static PY_THREAD_POOL_INFO: ApproachInfo = ApproachInfo {
    id: "py-thread-pool",
    summary: "CPython: concurrent.futures.ThreadPoolExecutor(pool size)",
    python: "ThreadPoolExecutor",
    family: Family::Thread,
    pooled: true,
    cpu_width: Width::One,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Python ThreadPool",
        order: MENU + 2,
        plain: "in CPython: a pool of threads, under the GIL",
    },
};
/// The `py-thread-pool` approach.
pub static PY_THREAD_POOL: Python = Python::new(&PY_THREAD_POOL_INFO);

/// What describes `py-asyncio`.
static PY_ASYNCIO_INFO: ApproachInfo = ApproachInfo {
    id: "py-asyncio",
    summary: "CPython: asyncio, waits awaited, computation via loop.run_in_executor",
    python: "Asyncio",
    family: Family::Async,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Python Asyncio",
        order: MENU + 3,
        plain: "in CPython: an event loop, under the GIL",
    },
};
/// The `py-asyncio` approach.
pub static PY_ASYNCIO: Python = Python::new(&PY_ASYNCIO_INFO);

/// What describes `py-process`.
static PY_PROCESS_INFO: ApproachInfo = ApproachInfo {
    id: "py-process",
    summary: "CPython: a multiprocessing.Process per task",
    python: "Multiprocessing",
    family: Family::Process,
    pooled: false,
    cpu_width: Width::Tasks,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Python Multiprocessing",
        order: MENU + 4,
        plain: "in CPython: a new process per task",
    },
};
/// The `py-process` approach.
pub static PY_PROCESS: Python = Python::new(&PY_PROCESS_INFO);

/// What describes `py-process-pool`.
static PY_PROCESS_POOL_INFO: ApproachInfo = ApproachInfo {
    id: "py-process-pool",
    summary: "CPython: concurrent.futures.ProcessPoolExecutor(pool size)",
    python: "ProcessPoolExecutor",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Python ProcessPool",
        order: MENU + 5,
        plain: "in CPython: worker processes, a task at a time",
    },
};
/// The `py-process-pool` approach.
pub static PY_PROCESS_POOL: Python = Python::new(&PY_PROCESS_POOL_INFO);

/// What describes `py-pool`.
static PY_POOL_INFO: ApproachInfo = ApproachInfo {
    id: "py-pool",
    summary: "CPython: multiprocessing.Pool(pool size).starmap, Python's default chunks",
    python: "Multiprocessing Pool",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Python Pool",
        order: MENU + 6,
        plain: "in CPython: worker processes, chunks of tasks",
    },
};
/// The `py-pool` approach.
pub static PY_POOL: Python = Python::new(&PY_POOL_INFO);

impl Approach for Python {
    fn info(&self) -> &'static ApproachInfo {
        self.info
    }

    fn prepare(&self, ctx: &RunContext) -> Result<(), ApproachError> {
        let s = session::Session::start(self.info.id, &ctx.settings.interpreter(), &ctx.cancel)?;
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
            None => {
                session::Session::start(self.info.id, &ctx.settings.interpreter(), &ctx.cancel)?
            }
        };
        s.run(ctx)
    }
}
