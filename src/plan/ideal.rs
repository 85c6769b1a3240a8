//! The best an approach could possibly do on this work: a work–span lower bound on its wall time.
//!
//! The bound comes from what the work itself costs and how much of it the approach can overlap,
//! so it stays right for computation, waits, both mixed, and tasks too small to matter:
//!
//! - the work, measured per task: its computation and its waits ([`WorkCost`], from the task
//!   events of the least contended runs, or from the plan's waits where nothing was recorded);
//! - the approach's concurrency ([`Concurrency`]): how many tasks can compute at once (never
//!   more than the cores) and how many can be in flight at once (waiting or computing);
//! - the bound, [`ideal_wall_s`]: the largest of total computation ÷ compute concurrency, total
//!   task time ÷ tasks in flight, and the longest task.
//!
//! Efficiency is the bound over the measured wall time, so it cannot pass 100% beyond noise; the
//! ideal speedup is the baseline's wall time over the bound. One function serves the table, the
//! exports, the notes and the sweep's ideal line.

use serde::{Deserialize, Serialize};

use crate::plan::approaches::{ApproachInfo, Width};

/// What the work of a run costs in itself, without any approach's overhead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkCost {
    /// Tasks in the run.
    pub tasks: u32,
    /// Computation of every task together, s.
    pub compute_s: f64,
    /// Waits of every task together, s.
    pub wait_s: f64,
    /// The longest single task (its computation and waits), s.
    pub longest_task_s: f64,
}

impl WorkCost {
    /// The same work with at most `cpu_s` of it computation and the rest waits: for work whose
    /// steps parlab cannot see into (a command), split by the CPU time it was measured to use.
    pub fn with_compute_at_most(self, cpu_s: f64) -> Self {
        let busy = self.busy_s();
        let compute_s = self.compute_s.min(cpu_s.max(0.0));
        Self {
            compute_s,
            wait_s: busy - compute_s,
            ..self
        }
    }

    /// Every task's time, computation and waits, s.
    pub fn busy_s(&self) -> f64 {
        self.compute_s + self.wait_s
    }

    /// One task's time on average, s.
    pub fn per_task_s(&self) -> f64 {
        self.busy_s() / f64::from(self.tasks.max(1))
    }

    /// The share of the work that is computation (0 when there is no work at all).
    pub fn compute_share(&self) -> f64 {
        let busy = self.busy_s();
        if busy > 0.0 {
            self.compute_s / busy
        } else {
            0.0
        }
    }
}

/// How much of the work an approach can overlap.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Concurrency {
    /// Tasks that can compute at the same moment (at most the cores).
    pub compute: f64,
    /// Tasks that can be under way at the same moment, waiting or computing.
    pub in_flight: f64,
}

impl Concurrency {
    /// The concurrency of an approach described by `info`, with `pool_size` workers, `tasks`
    /// tasks and `cores` logical cores.
    pub fn of(info: &ApproachInfo, pool_size: usize, tasks: u32, cores: usize) -> Self {
        Self::of_widths(
            info.cpu_width,
            info.wait_width,
            pool_size as f64,
            tasks,
            cores,
        )
    }

    /// The same from the widths alone; `pool_size` may lie between whole numbers (the sweep's
    /// ideal line is drawn through them).
    pub fn of_widths(cpu: Width, wait: Width, pool_size: f64, tasks: u32, cores: usize) -> Self {
        let tasks = f64::from(tasks.max(1));
        let resolve = |w: Width| {
            match w {
                Width::One => 1.0,
                Width::Pool => pool_size.min(tasks),
                Width::Tasks => tasks,
            }
            .max(1.0)
        };
        Self {
            compute: resolve(cpu).min(cores.max(1) as f64),
            in_flight: resolve(wait),
        }
    }
}

/// The least wall time an approach with concurrency `c` could take for `work`, s: the largest
/// of its computation spread over the cores it can use, all its task time spread over the tasks
/// it can have in flight, and its longest task. Zero for work that costs nothing.
pub fn ideal_wall_s(work: &WorkCost, c: Concurrency) -> f64 {
    (work.compute_s / c.compute)
        .max(work.busy_s() / c.in_flight)
        .max(work.longest_task_s)
}

/// The least wall time `sequential` could take for `work` (one task at a time), s: the
/// baseline's own bound, which [`ideal_speedup`] divides by an approach's.
pub fn sequential_wall_s(work: &WorkCost, tasks: u32, cores: usize) -> f64 {
    let c = Concurrency::of_widths(Width::One, Width::One, 1.0, tasks, cores);
    ideal_wall_s(work, c)
}

/// The ideal speedup over a baseline whose own bound (or wall time) is `baseline_wall_s`: how
/// many times faster than it this bound is. Given the baseline's bound, as the report does, it
/// is a ratio of two bounds of the same work and never passes the approach's width on work that
/// only computes. None without a baseline or for work that costs nothing.
pub fn ideal_speedup(baseline_wall_s: Option<f64>, ideal_wall_s: f64) -> Option<f64> {
    baseline_wall_s
        .filter(|_| ideal_wall_s > 0.0)
        .map(|b| b / ideal_wall_s)
}

/// The bound over the measured wall time (1.0 = as fast as the work allows). None for work
/// that costs nothing or a run that took no time.
pub fn efficiency(ideal_wall_s: f64, wall_s: f64) -> Option<f64> {
    (ideal_wall_s > 0.0 && wall_s > 0.0).then(|| ideal_wall_s / wall_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::workload::{Step, StepKind};
    use crate::run::record::recorder::StepEvent;
    use crate::run::record::recorder::TaskEvent;

    fn cost(tasks: u32, compute_each: f64, wait_each: f64) -> WorkCost {
        WorkCost {
            tasks,
            compute_s: compute_each * f64::from(tasks),
            wait_s: wait_each * f64::from(tasks),
            longest_task_s: compute_each + wait_each,
        }
    }

    fn widths(cpu: Width, wait: Width, pool: f64, tasks: u32) -> Concurrency {
        Concurrency::of_widths(cpu, wait, pool, tasks, 2)
    }

    #[test]
    fn pure_computation_is_bound_by_the_cores() {
        let w = cost(8, 0.1, 0.0);
        // threads: every task at once, but two cores.
        let t = ideal_wall_s(&w, widths(Width::Tasks, Width::Tasks, 2.0, 8));
        assert!((t - 0.4).abs() < 1e-12, "{t}");
        // sequential: one at a time.
        let s = ideal_wall_s(&w, widths(Width::One, Width::One, 2.0, 8));
        assert!((s - 0.8).abs() < 1e-12);
        assert_eq!(ideal_speedup(Some(0.8), t), Some(2.0));
    }

    #[test]
    fn pure_waits_overlap_as_far_as_tasks_can_be_in_flight() {
        let w = cost(100, 0.0, 1.0);
        let threads = ideal_wall_s(&w, widths(Width::Tasks, Width::Tasks, 2.0, 100));
        assert!((threads - 1.0).abs() < 1e-12, "the longest task: {threads}");
        let pool = ideal_wall_s(&w, widths(Width::Pool, Width::Pool, 4.0, 100));
        assert!(
            (pool - 25.0).abs() < 1e-12,
            "100 waits, 4 at a time: {pool}"
        );
        assert_eq!(ideal_speedup(Some(100.0), threads), Some(100.0));
    }

    #[test]
    fn mixed_work_counts_waits_and_computation_apart() {
        // The new user's case: 6 tasks of 4 × 200 ms waits and a little computation, 2 cores.
        let w = cost(6, 0.001, 0.8);
        let threads = ideal_wall_s(&w, widths(Width::Tasks, Width::Tasks, 2.0, 6));
        assert!((threads - 0.801).abs() < 1e-9, "{threads}");
        let pool = ideal_wall_s(&w, widths(Width::Pool, Width::Pool, 2.0, 6));
        assert!((pool - 6.0 * 0.801 / 2.0).abs() < 1e-9, "{pool}");
        // Measured as on the new user's run: threads 0.80 s, thread-pool 2.40 s, neither
        // above 100%.
        assert!(efficiency(threads, 0.8015).unwrap() <= 1.0);
        assert!(efficiency(pool, 2.405).unwrap() <= 1.0);
        // The ideal speedup of threads is 6x, not the 2 cores.
        let s = ideal_speedup(Some(6.0 * 0.801), threads).unwrap();
        assert!((s - 6.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn an_event_loop_that_computes_inline_computes_one_task_at_a_time() {
        let w = cost(4, 0.1, 0.3);
        let inline = ideal_wall_s(&w, widths(Width::One, Width::Tasks, 2.0, 4));
        assert!((inline - 0.4).abs() < 1e-12, "{inline}");
        let pooled = ideal_wall_s(&w, widths(Width::Pool, Width::Tasks, 2.0, 4));
        assert!(
            (pooled - 0.4).abs() < 1e-12,
            "the longest task bounds it: {pooled}"
        );
        let w = cost(8, 0.1, 0.0);
        let inline = ideal_wall_s(&w, widths(Width::One, Width::Tasks, 2.0, 8));
        assert!((inline - 0.8).abs() < 1e-12);
    }

    #[test]
    fn a_pool_smaller_than_the_tasks_and_the_cores() {
        let w = cost(10, 0.1, 0.0);
        let one = ideal_wall_s(&w, widths(Width::Pool, Width::Pool, 1.0, 10));
        assert!((one - 1.0).abs() < 1e-12);
        let many = ideal_wall_s(&w, widths(Width::Pool, Width::Pool, 8.0, 10));
        assert!((many - 0.5).abs() < 1e-12, "8 workers, 2 cores: {many}");
    }

    #[test]
    fn tiny_and_empty_work() {
        let w = cost(500, 0.0, 0.0);
        let t = ideal_wall_s(&w, widths(Width::Tasks, Width::Tasks, 2.0, 500));
        assert_eq!(t, 0.0);
        assert_eq!(ideal_speedup(Some(0.01), t), None);
        assert_eq!(efficiency(t, 0.01), None);
        let w = cost(500, 60e-6, 0.0);
        let t = ideal_wall_s(&w, widths(Width::Tasks, Width::Tasks, 2.0, 500));
        // 15 ms of computation on 2 cores; an approach that took 0.3 s is 5% efficient.
        assert!((efficiency(t, 0.3).unwrap() - 0.05).abs() < 1e-9);
    }

    #[test]
    fn measured_cost_takes_each_steps_least_contended_time() {
        let plan = [Step::Wait(1_000_000), Step::Divide { from: 2, to: 10 }];
        let event = |task, wait: f64, cpu: f64| TaskEvent {
            task,
            worker: 0,
            start_s: 0.0,
            end_s: wait + cpu,
            answer: None,
            runs: 1,
            steps: vec![
                StepEvent {
                    kind: StepKind::Wait,
                    worker: 0,
                    start_s: 0.0,
                    end_s: wait,
                    cpu_s: None,
                },
                StepEvent {
                    kind: StepKind::Cpu,
                    worker: 0,
                    start_s: wait,
                    end_s: wait + cpu,
                    cpu_s: None,
                },
            ],
        };
        let calm = vec![event(0, 0.001, 0.010), event(1, 0.001, 0.010)];
        let busy = vec![event(0, 0.002, 0.030), event(1, 0.0011, 0.009)];
        let c = WorkCost::measured(3, &plan, [calm.as_slice(), busy.as_slice()]);
        assert_eq!(c.tasks, 3);
        // Task 2 was never recorded: its plan's wait, no computation.
        assert!((c.compute_s - 0.019).abs() < 1e-12, "{c:?}");
        assert!((c.wait_s - 0.003).abs() < 1e-12, "{c:?}");
        assert!((c.longest_task_s - 0.011).abs() < 1e-12);
        assert!((c.compute_share() - 0.019 / 0.022).abs() < 1e-12);
    }

    #[test]
    fn a_computation_costs_its_cpu_time_not_its_wait_for_a_core() {
        let plan = [Step::Wait(1_000_000), Step::Divide { from: 2, to: 10 }];
        let event = |cpu_s| TaskEvent {
            task: 0,
            worker: 0,
            start_s: 0.0,
            end_s: 0.031,
            answer: None,
            runs: 1,
            steps: vec![
                StepEvent {
                    kind: StepKind::Wait,
                    worker: 0,
                    start_s: 0.0,
                    end_s: 0.001,
                    cpu_s: None,
                },
                StepEvent {
                    kind: StepKind::Cpu,
                    worker: 0,
                    start_s: 0.001,
                    end_s: 0.031,
                    cpu_s,
                },
            ],
        };
        // 30 ms on the clock, of which the thread computed 10 ms (it waited for a core).
        let slowed = [event(Some(0.010))];
        let c = WorkCost::measured(1, &plan, [slowed.as_slice()]);
        assert!((c.compute_s - 0.010).abs() < 1e-12, "{c:?}");
        assert!((c.wait_s - 0.001).abs() < 1e-12, "{c:?}");
        // Without a CPU time the wall is all there is; a CPU time above the wall (clock
        // granularity) is held to it.
        let unknown = [event(None)];
        let c = WorkCost::measured(1, &plan, [unknown.as_slice()]);
        assert!((c.compute_s - 0.030).abs() < 1e-12, "{c:?}");
        let over = [event(Some(0.040))];
        let c = WorkCost::measured(1, &plan, [over.as_slice()]);
        assert!((c.compute_s - 0.030).abs() < 1e-12, "{c:?}");
    }
}
