//! What parlab tells a learner under the table, as values: every note and the lesson is a
//! typed claim carrying the figures it rests on ([`Claim`], [`Lesson`]), built by the note and
//! lesson rules ([`crate::judge::notes`], [`crate::judge::lesson`], [`crate::judge::notes::python`]), held against
//! the report by [`check`] and only then rendered to text ([`render`]).
//!
//! Why values: a sentence can only be checked once it is built, and a rule that builds its
//! sentence and decides that it holds in one go was how a busy machine got "no approach won"
//! beside a 1.93x row. The rules propose; the checker, reading the report's figures afresh,
//! keeps, rewrites or drops each claim. [`crate::judge::notes::annotate`] runs the whole pipeline.

pub mod check;
pub mod render;
#[cfg(test)]
mod tests;

pub use check::Facts;

/// One note under the table, with the figures it quotes or rests on.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Other programs kept a noticeable share of the cores busy while parlab measured.
    Busy {
        /// Their share of the cores over every measured run (0.5 = half the cores).
        share: f64,
        /// The largest share of one run.
        busiest_run_share: f64,
        /// Their CPU time over every measured run, s.
        foreign_cpu_s: f64,
        /// The machine's logical cores.
        cores: usize,
        /// How long `--wait-idle` waited for them in vain before measuring anyway, s (0: it
        /// was not asked for, or never had to wait).
        waited_s: f64,
    },
    /// The fastest approach beat the baseline beyond the noise.
    Fastest {
        /// Its id: the verified row with the least median wall time.
        approach: String,
        /// Its speedup over sequential.
        speedup: f64,
        /// Its efficiency and ideal speedup, when both are known and agree with the speedup.
        of_ideal: Option<(f64, f64)>,
        /// Its ideal speedup, when the speedup passed it on a busy machine (set by the checker:
        /// others slowed the baseline more than this row, which a learner must be told).
        past_ideal: Option<f64>,
    },
    /// No approach beat the baseline beyond the noise, and why.
    NoneWon(NoWin),
    /// The tasks are too short to learn from.
    TooShort {
        /// One task's work, s.
        per_task_s: f64,
        /// The cheapest approach's own cost per task, s, when that is why.
        cheapest_cost_s: Option<f64>,
        /// The baseline's wall time, s, when the whole run is why.
        baseline_wall_s: Option<f64>,
        /// What to try instead.
        suggestion: Option<String>,
    },
    /// async-inline computed on its event loop: no faster than sequential.
    InlineNoFaster {
        /// async-inline's speedup.
        speedup: f64,
    },
    /// async-inline computed on its event loop: that many times slower than `async`.
    InlineSlower {
        /// async-inline's wall time over async's.
        times: f64,
    },
    /// The pool is larger than the cores.
    PoolOverCores {
        /// `--pool-size`.
        pool: usize,
        /// Logical cores.
        cores: usize,
    },
    /// The pool leaves cores idle.
    PoolLeavesIdle {
        /// `--pool-size`.
        pool: usize,
        /// Logical cores.
        cores: usize,
    },
    /// Fewer tasks than cores.
    FewTasks {
        /// Tasks.
        tasks: u32,
        /// Logical cores.
        cores: usize,
    },
    /// More threads than cores take turns computing.
    TakeTurns {
        /// Threads started (the tasks).
        threads: u32,
        /// Logical cores.
        cores: usize,
    },
    /// On noop work each time is the approach's own cost: the costliest.
    NoopCost {
        /// The costliest approach.
        approach: String,
        /// Its wall time per task, s.
        per_task_s: f64,
    },
    /// Many waiting tasks: the memory of threads beside async's.
    WaitMemory {
        /// Tasks.
        tasks: u32,
        /// threads' peak, KiB.
        threads_kib: u64,
        /// The async approach and its peak, KiB.
        other: (String, u64),
    },
    /// On waits, a pool overlaps at most as many waits as it has workers.
    PoolBoundsWaits {
        /// The pooled approaches held by their pool, with their speedups.
        pooled: Vec<(String, f64)>,
        /// `--pool-size`.
        pool: usize,
        /// The approach that had every wait at once, and its speedup.
        wide: (String, f64),
    },
    /// py-threads against py-sequential on CPU work.
    PyGil {
        /// py-threads' speed over py-sequential's.
        times: f64,
        /// The interpreter is free-threaded.
        gil_off: bool,
        /// Rust threads' speedup, to put beside it.
        threads: Option<f64>,
        /// py-sequential's CPU use (1.0 = one core), when it kept more than
        /// [`check::BASELINE_PARALLEL_CPU_USE`] cores busy: the function's library ran threads
        /// of its own, so py-threads had no idle core to gain and the GIL is not why.
        baseline_cores: Option<f64>,
    },
    /// A Python process approach against py-sequential on CPU work.
    PyProcess {
        /// py-process or py-process-pool.
        approach: String,
        /// Its speed over py-sequential's.
        times: f64,
        /// Why, as the figures show it.
        why: PyProcessWhy,
    },
    /// py-threads against py-sequential on waits.
    PyWaits {
        /// py-threads' speed over py-sequential's.
        times: f64,
    },
    /// Many waiting tasks in CPython: the interpreters' memory.
    PyMemory {
        /// Tasks.
        tasks: u32,
        /// py-threads' interpreter peak, KiB.
        threads_kib: u64,
        /// py-asyncio's interpreter peak, KiB.
        asyncio_kib: u64,
    },
    /// Rust's computation per task beside CPython's.
    PyPerTask {
        /// sequential's per-task time, s.
        rust_s: f64,
        /// py-sequential's per-task time, s.
        python_s: f64,
    },
    /// Where the Python rows' clocks start.
    PyStartup,
    /// A measured fact that draws no conclusion from the figures (a failed check, a skipped
    /// approach, the spread of the runs, a cluster's processes, net work): quoted as measured.
    Fact(String),
}

/// Why no approach beat the baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum NoWin {
    /// The tasks do no work.
    NoWork,
    /// A task is too short to gain from running at once.
    Short {
        /// One task's work, s.
        per_task_s: f64,
    },
    /// A task is short beside what approaches cost per task, measured.
    Costs {
        /// One task's work, s.
        per_task_s: f64,
        /// Approaches and their own cost per task, s (the part the machine's load does not
        /// explain).
        costs: Vec<(String, f64)>,
    },
    /// Other programs made the runs too uneven to name a winner.
    Busy {
        /// The row with the least median wall time and its speedup.
        best: Option<(String, f64)>,
    },
}

/// Why a Python process approach gained what it gained.
#[derive(Debug, Clone, PartialEq)]
pub enum PyProcessWhy {
    /// It scaled: each process has its own GIL.
    Scaled,
    /// Tasks short beside its measured cost per task.
    CostsMore {
        /// One Python task's work, s.
        per_task_s: f64,
        /// Its own cost per task, s.
        cost_s: f64,
    },
    /// Tasks long enough: its cost does not explain the small gain; its CPU use says how many
    /// cores it had.
    HeldBack {
        /// One Python task's work, s.
        per_task_s: f64,
        /// Its CPU use (1.0 = one core).
        cpu_use: f64,
    },
}

/// The lesson under the notes, with the figures it quotes.
#[derive(Debug, Clone, PartialEq)]
pub enum Lesson {
    /// No approach won: a task is too little work.
    NoneWon {
        /// One task's work, s.
        per_task_s: f64,
    },
    /// The machine was too busy to tell.
    CannotTell {
        /// Others' share of the cores, over every run or in the busiest one.
        share: f64,
        /// Only one run was busy: the share is that run's.
        one_run: bool,
        /// Logical cores.
        cores: usize,
    },
    /// Threads computed in parallel.
    ThreadsCompute {
        /// The thread approach and its speedup.
        best: (String, f64),
        /// A process approach and its speedup, where it gained.
        processes: Option<(String, f64)>,
        /// Logical cores.
        cores: usize,
        /// Each task ran a program of its own (`--command`), which no GIL holds.
        programs: bool,
    },
    /// An event loop that computes runs one task at a time.
    InlineCompute {
        /// async-inline's speedup.
        speedup: f64,
    },
    /// Processes computed in parallel.
    ProcessesCompute {
        /// The process approach and its speedup.
        best: (String, f64),
        /// Logical cores.
        cores: usize,
        /// Each task ran a program of its own (`--command`), which no GIL holds.
        programs: bool,
    },
    /// Waits overlap.
    Waits {
        /// The fastest approach and its speedup.
        best: (String, f64),
        /// Tasks.
        tasks: u32,
        /// The cores were mostly idle (computation under a tenth of the work).
        idle: bool,
        /// py-threads overlapped waits as well as the Rust rows (None: no Python row to say).
        python_as_well: Option<bool>,
        /// threads' and an async approach's peak memory, KiB, for many tasks.
        memory: Option<((String, u64), (String, u64))>,
    },
    /// With no work, what is left is each approach's own cost.
    Noop {
        /// The cheapest approach and its cost per task, s.
        cheap: (String, f64),
        /// The dearest approach and its cost per task, s.
        dear: (String, f64),
    },
}
