//! A deterministic stand-in for the real executor, so whole-pipeline tests and snapshots are
//! exact on a noisy machine (hyperfine's mock executor, for parlab).
//!
//! It runs nothing. It lays each task out on a fixed model of the approach (a task's cost, the
//! approach's per-task overhead, how many tasks run at once on the mock machine's two cores)
//! and reports the figures that model implies. Answers are the reference answers.
//!
//! Repeated runs vary by a fixed pattern ([`run_factor`]): the first run of each approach is
//! slow (as a cold one is), one later run is an outlier, the rest jitter by about 1%, so the
//! statistics have something to show and snapshots stay exact.
//!
//! [`BusyMockExecutor`] (`--mock --mock-load CORES`) models a machine where other programs keep
//! some cores busy: every computing thread gets at most cores ÷ (runnable threads + load) of a
//! core, so parallel approaches slow more than sequential does, as on a real busy machine.

use super::{Executor, RunMeasurement};
use crate::cancel::Cancel;
use crate::machine::MOCK_CORES;
use crate::plan::approaches::ApproachId;
use crate::plan::workload::Step;
use crate::run::approach::{Approach, ApproachError, Family, RunContext};
use crate::run::record::recorder::{StepEvent, TaskEvent};

/// One mock task's computation for the default number, s; other numbers take time in
/// proportion to their divisions, so small numbers model tasks too short to learn from.
const CPU_TASK_S: f64 = 0.1;

/// One mock task's computation for `number`, s.
fn cpu_task_s(number: u64) -> f64 {
    let divisions = |n: u64| crate::plan::primes::isqrt(n).max(1) as f64;
    CPU_TASK_S * divisions(number) / divisions(crate::plan::DEFAULT_NUMBER)
}

/// The mock executor.
pub struct MockExecutor;

/// The mock executor on a busy machine: other programs keep `load` cores busy.
pub struct BusyMockExecutor {
    /// Cores other programs keep busy (1.5: one and a half).
    pub load: f64,
}

impl Executor for BusyMockExecutor {
    fn measure_run(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
        ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        let mut m = vary(model(approach, ctx, self.load), ordinal);
        m.foreign_cpu_s = Some(self.load * m.wall_s);
        Ok(m)
    }

    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError> {
        self.measure_run(approach, ctx, 1)
    }

    fn machine_share(&self, _window: std::time::Duration, _cancel: &Cancel) -> Option<f64> {
        Some(self.load / MOCK_CORES as f64)
    }
}

/// The `ordinal`-th run of `m`'s approach: `m` slowed by [`run_factor`].
fn vary(mut m: RunMeasurement, ordinal: u32) -> RunMeasurement {
    let f = run_factor(&m.approach, ordinal);
    m.wall_s *= f;
    m.cpu_user_s *= f;
    m.cpu_sys_s *= f;
    for t in &mut m.tasks {
        t.start_s *= f;
        t.end_s *= f;
        for s in &mut t.steps {
            s.start_s *= f;
            s.end_s *= f;
        }
    }
    m
}

/// The made-up cost an approach adds to each task, s.
fn overhead_s(key: ApproachId, family: Family) -> f64 {
    match (key, family) {
        (ApproachId::Sequential, _) => 0.0,
        (ApproachId::Threads | ApproachId::ThreadedSequential, _) => 20e-6,
        (ApproachId::Process, _) => 1e-3,
        (_, Family::Process) => 50e-6,
        (_, Family::Async) => 1e-6,
        _ => 2e-6,
    }
}

/// How much slower than the model the `ordinal`-th run of `id` is (1.0 = the model).
pub fn run_factor(id: &str, ordinal: u32) -> f64 {
    const JITTER: [f64; 10] = [
        0.0, 0.012, -0.008, 0.020, -0.015, 0.005, -0.003, 0.010, -0.012, 0.007,
    ];
    match ordinal {
        0 => 1.3,
        7 => 1.25,
        n => {
            let offset = id.bytes().map(usize::from).sum::<usize>();
            1.0 + JITTER[(n as usize + offset) % JITTER.len()]
        }
    }
}

impl Executor for MockExecutor {
    fn measure_run(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
        ordinal: u32,
    ) -> Result<RunMeasurement, ApproachError> {
        Ok(vary(self.measure(approach, ctx)?, ordinal))
    }

    fn measure(
        &self,
        approach: &dyn Approach,
        ctx: RunContext,
    ) -> Result<RunMeasurement, ApproachError> {
        Ok(model(approach, ctx, 0.0))
    }
}

/// The model's figures for one run of `approach` while other programs keep `load` cores busy.
fn model(approach: &dyn Approach, ctx: RunContext, load: f64) -> RunMeasurement {
    let info = approach.info();
    let tasks = ctx.tasks as usize;
    let plan = ctx.work.plan();
    let wait_s = ctx.work.io_wait().as_secs_f64();
    let cpu_steps = plan
        .iter()
        .filter(|s| matches!(s, Step::Divide { .. }))
        .count()
        .max(1);
    let cpu_s = if ctx.work.workload.computes() {
        cpu_task_s(ctx.work.number)
    } else {
        0.0
    };
    let overhead = overhead_s(info.key, info.family);
    let width = if cpu_s > 0.0 {
        info.cpu_width.resolve(ctx.pool_size, tasks).min(MOCK_CORES)
    } else {
        info.wait_width.resolve(ctx.pool_size, tasks)
    };
    // Each of the approach's computing threads gets its share of the cores beside the
    // other programs' `load` (all of a core on an idle machine).
    let core_share = if load > 0.0 {
        (MOCK_CORES as f64 / (width as f64 + load)).min(1.0)
    } else {
        1.0
    };
    let step_s = |s: &Step| match s {
        Step::Wait(_) | Step::Request { .. } => wait_s,
        Step::Connect | Step::Custom | Step::Call(_) => 0.0,
        Step::Divide { .. } => cpu_s / cpu_steps as f64 / core_share,
    };
    let step_cpu_s = |s: &Step| match s {
        Step::Divide { .. } if load > 0.0 => Some(cpu_s / cpu_steps as f64),
        _ => None,
    };
    let task_s = overhead + plan.iter().map(step_s).sum::<f64>();
    let events: Vec<TaskEvent> = (0..tasks)
        .map(|i| {
            let lane = (i % width) as u32;
            let start = (i / width) as f64 * task_s + overhead;
            let mut t = start;
            let steps = plan
                .iter()
                .map(|s| {
                    let ev = StepEvent {
                        kind: s.kind(),
                        worker: lane,
                        start_s: t,
                        end_s: t + step_s(s),
                        cpu_s: step_cpu_s(s),
                    };
                    t = ev.end_s;
                    ev
                })
                .collect();
            TaskEvent {
                task: i as u32,
                worker: lane,
                start_s: start,
                end_s: t,
                answer: Some(ctx.work.expected_answer()),
                runs: 1,
                steps,
            }
        })
        .collect();
    let rounds = tasks.div_ceil(width) as f64;
    let per_worker_kib = match info.family {
        Family::Thread => 64,
        Family::Process => 16,
        _ => 4,
    };
    RunMeasurement {
        approach: info.id.to_string(),
        wall_s: rounds * task_s,
        cpu_user_s: tasks as f64 * cpu_s,
        // Overhead past the cores' worth in that wall is time waiting for a core, not CPU.
        cpu_sys_s: (tasks as f64 * overhead)
            .min(rounds * task_s * MOCK_CORES as f64 - tasks as f64 * cpu_s)
            .max(0.0),
        peak_rss_kib: 2048 + per_worker_kib * width as u64,
        child_peak_rss_kib: (info.family == Family::Process).then_some(1024),
        voluntary_switches: (tasks * plan.len()) as u64,
        involuntary_switches: tasks as u64 / 2,
        verified: false,
        problem: None,
        tasks: events,
        children: Vec::new(),
        concurrency: None,
        warmups: 0,
        foreign_cpu_s: None,
        fixed_cost_s: None,
    }
}
