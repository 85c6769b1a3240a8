//! Every approach as data, in the order `parlab list` and `--approach all` use: what each
//! is, its family, widths, menu entry and what it needs of the machine. The code that runs
//! each lives in [`crate::run::approach`], one file an approach.

use super::{ApproachId, ApproachInfo, Family, MenuEntry, Needs, Runs, Width};

/// The menu order of the first Python approach: after every Rust one.
const MENU: u8 = 50;

/// What describes `sequential`.
pub static SEQUENTIAL: ApproachInfo = ApproachInfo {
    key: ApproachId::Sequential,
    id: "sequential",
    summary: "one task after another on the calling thread (the baseline)",
    python: "the demos' no_... baselines",
    family: Family::Sequential,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::One,
    menu: MenuEntry {
        name: "Sequential",
        order: 8,
        plain: "one task after another: the baseline",
    },
    needs: Needs::Nothing,
    runs: Runs::RUST,
};

/// What describes `threaded-sequential`.
pub static THREADED_SEQUENTIAL: ApproachInfo = ApproachInfo {
    key: ApproachId::ThreadedSequential,
    id: "threaded-sequential",
    summary: "a new thread per task, each joined before the next starts",
    python: "Threaded sequential",
    family: Family::Thread,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::One,
    menu: MenuEntry {
        name: "Threaded sequential",
        order: 2,
        plain: "a new thread per task, one at a time",
    },
    needs: Needs::Nothing,
    runs: Runs::RUST,
};

/// What describes `threads`.
pub static THREADS: ApproachInfo = ApproachInfo {
    key: ApproachId::Threads,
    id: "threads",
    summary: "a new OS thread per task, all started, then all joined",
    python: "Threaded / the threading demo",
    family: Family::Thread,
    pooled: false,
    cpu_width: Width::Tasks,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Threaded",
        order: 1,
        plain: "a new thread per task, all running at once",
    },
    needs: Needs::ThreadPerTask,
    runs: Runs::RUST,
};

/// What describes `thread-pool`.
pub static THREAD_POOL: ApproachInfo = ApproachInfo {
    key: ApproachId::ThreadPool,
    id: "thread-pool",
    summary: "--pool-size threads pulling tasks from one shared queue",
    python: "ThreadPool / ThreadPoolExecutor",
    family: Family::Thread,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "ThreadPool",
        order: 3,
        plain: "a fixed set of threads sharing one task queue",
    },
    needs: Needs::PoolThreads { extra: 0 },
    runs: Runs::RUST,
};

/// What describes `rayon`.
pub static RAYON: ApproachInfo = ApproachInfo {
    key: ApproachId::Rayon,
    id: "rayon",
    summary: "rayon's work-stealing pool of --pool-size threads, one item per task",
    python: "(none)",
    family: Family::Thread,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Rayon",
        order: 9,
        plain: "a pool of threads that steal work from each other",
    },
    needs: Needs::PoolThreads { extra: 0 },
    runs: Runs::RUST,
};

/// What describes `async`.
pub static ASYNC: ApproachInfo = ApproachInfo {
    key: ApproachId::Async,
    id: "async",
    summary: "tokio single-threaded runtime; waits awaited, CPU work on its blocking pool (--pool-size)",
    python: "Asyncio (run_in_executor for CPU work)",
    family: Family::Async,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Asyncio",
        order: 4,
        plain: "an event loop that overlaps waits; threads compute",
    },
    needs: Needs::Nothing,
    runs: Runs::RUST,
};

/// What describes `async-inline`.
pub static ASYNC_INLINE: ApproachInfo = ApproachInfo {
    key: ApproachId::AsyncInline,
    id: "async-inline",
    summary: "tokio single-threaded runtime with CPU work on the event loop itself",
    python: "asyncio done wrong (CPU work inside a coroutine)",
    family: Family::Async,
    pooled: false,
    cpu_width: Width::One,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Asyncio done wrong",
        order: 10,
        plain: "an event loop that also computes, so tasks stall",
    },
    needs: Needs::Nothing,
    runs: Runs::RUST,
};

/// What describes `async-mt`.
pub static ASYNC_MT: ApproachInfo = ApproachInfo {
    key: ApproachId::AsyncMt,
    id: "async-mt",
    summary: "tokio multi-threaded runtime with --pool-size workers, one task per unit of work",
    python: "(none)",
    family: Family::Async,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Tokio multi-threaded",
        order: 11,
        plain: "an event loop running on several threads",
    },
    needs: Needs::PoolThreads { extra: 1 },
    runs: Runs::RUST,
};

/// What describes `process`.
pub static PROCESS: ApproachInfo = ApproachInfo {
    key: ApproachId::Process,
    id: "process",
    summary: "a new child process per task (parlab itself), all started, then all waited for",
    python: "Multiprocessing (a Process per task)",
    family: Family::Process,
    pooled: false,
    cpu_width: Width::Tasks,
    wait_width: Width::Tasks,
    menu: MenuEntry {
        name: "Multiprocessing",
        order: 5,
        plain: "a new worker process per task, all running at once",
    },
    needs: Needs::ProcessPerTask,
    runs: Runs::RUST,
};

/// What describes `process-pool`.
pub static PROCESS_POOL: ApproachInfo = ApproachInfo {
    key: ApproachId::ProcessPool,
    id: "process-pool",
    summary: "--pool-size worker processes, each handed one task at a time as it becomes free",
    python: "ProcessPoolExecutor",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "ProcessPoolExecutor",
        order: 7,
        plain: "worker processes, each handed one task at a time",
    },
    needs: Needs::ProcessPerWorker,
    runs: Runs::RUST,
};

/// What describes `process-pool-chunked`.
pub static PROCESS_POOL_CHUNKED: ApproachInfo = ApproachInfo {
    key: ApproachId::ProcessPoolChunked,
    id: "process-pool-chunked",
    summary: "the same worker processes, tasks handed out in chunks of --chunk-size",
    python: "Multiprocessing Pool (Pool.starmap)",
    family: Family::Process,
    pooled: true,
    cpu_width: Width::Pool,
    wait_width: Width::Pool,
    menu: MenuEntry {
        name: "Multiprocessing Pool",
        order: 6,
        plain: "worker processes, each handed its share up front",
    },
    needs: Needs::ProcessPerWorker,
    runs: Runs::RUST,
};

/// What describes `cluster`.
pub static CLUSTER: ApproachInfo = ApproachInfo {
    key: ApproachId::Cluster,
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
    needs: Needs::ClusterLayout,
    runs: Runs::RUST,
};

/// What describes `py-sequential`.
pub static PY_SEQUENTIAL: ApproachInfo = ApproachInfo {
    key: ApproachId::PySequential,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-threads`.
pub static PY_THREADS: ApproachInfo = ApproachInfo {
    key: ApproachId::PyThreads,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-thread-pool`.
pub static PY_THREAD_POOL: ApproachInfo = ApproachInfo {
    key: ApproachId::PyThreadPool,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-asyncio`.
pub static PY_ASYNCIO: ApproachInfo = ApproachInfo {
    key: ApproachId::PyAsyncio,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-process`.
pub static PY_PROCESS: ApproachInfo = ApproachInfo {
    key: ApproachId::PyProcess,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-process-pool`.
pub static PY_PROCESS_POOL: ApproachInfo = ApproachInfo {
    key: ApproachId::PyProcessPool,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// What describes `py-pool`.
pub static PY_POOL: ApproachInfo = ApproachInfo {
    key: ApproachId::PyPool,
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
    needs: Needs::Nothing,
    runs: Runs::PYTHON,
};

/// Every approach, in order.
pub static ALL: &[&ApproachInfo] = &[
    &SEQUENTIAL,
    &THREADED_SEQUENTIAL,
    &THREADS,
    &THREAD_POOL,
    &RAYON,
    &ASYNC,
    &ASYNC_INLINE,
    &ASYNC_MT,
    &PROCESS,
    &PROCESS_POOL,
    &PROCESS_POOL_CHUNKED,
    &CLUSTER,
    &PY_SEQUENTIAL,
    &PY_THREADS,
    &PY_THREAD_POOL,
    &PY_ASYNCIO,
    &PY_PROCESS,
    &PY_PROCESS_POOL,
    &PY_POOL,
];
