//! Which runs keep their task events: the few nearest the median of their approach's runs.
//!
//! Events are most of a run's memory (one record per task and step), and the process's own
//! memory is part of every later run's peak: keeping every run's events would inflate the peak
//! memory parlab reports, more with every run. So after each run only the [`EVENT_RUNS_KEPT`]
//! runs nearest the median of the runs so far keep theirs, and the report still shows the
//! events of a run near the final median.
//!
//! Deciding that after every run must not look at every earlier run (16,000 runs took minutes
//! when it sorted them all each time): the [`EventKeeper`] keeps each approach's running median
//! and the indices of the few runs that still have events, and touches only those.

use super::RunMeasurement;
use crate::stats::RunningMedian;

/// How many runs of an approach keep their task events.
pub const EVENT_RUNS_KEPT: usize = 3;

/// One approach's runs so far, as far as keeping events goes.
#[derive(Debug, Clone)]
struct Kept {
    approach: String,
    walls: RunningMedian,
    /// Its runs that still have events, (index, wall time), in the order run: at most
    /// [`EVENT_RUNS_KEPT`] between calls.
    with_events: Vec<(usize, f64)>,
}

/// Decides, run by run, which runs keep their task events; O(log n) per run.
#[derive(Debug, Clone, Default)]
pub struct EventKeeper {
    /// One per approach seen (a handful), in the order first seen.
    approaches: Vec<Kept>,
}

impl EventKeeper {
    /// No runs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `measurements[index]` is a new run (the latest of its approach); drops the events of
    /// whichever of its approach's runs is no longer among the [`EVENT_RUNS_KEPT`] nearest the
    /// median of its runs so far (nearest first; of two as near, the earlier stays). Reads and
    /// writes no run but the new one and those that still hold events.
    pub fn keep(&mut self, measurements: &mut [RunMeasurement], index: usize) {
        let m = &measurements[index];
        let drop = self.admit(&m.approach, index, m.wall_s, !m.tasks.is_empty());
        if let Some(i) = drop {
            measurements[i].tasks = Vec::new();
        }
    }

    /// The bookkeeping of [`EventKeeper::keep`]: run `index` of `approach` took `wall_s` and
    /// has events or not; returns the index of the run whose events go, if one does.
    fn admit(
        &mut self,
        approach: &str,
        index: usize,
        wall_s: f64,
        has_events: bool,
    ) -> Option<usize> {
        let at = match self.approaches.iter().position(|k| k.approach == approach) {
            Some(at) => at,
            None => {
                self.approaches.push(Kept {
                    approach: approach.to_string(),
                    walls: RunningMedian::new(),
                    with_events: Vec::with_capacity(EVENT_RUNS_KEPT + 1),
                });
                self.approaches.len() - 1
            }
        };
        let kept = &mut self.approaches[at];
        kept.walls.push(wall_s);
        if has_events {
            kept.with_events.push((index, wall_s));
        }
        if kept.with_events.len() <= EVENT_RUNS_KEPT {
            return None;
        }
        let median = kept.walls.median();
        // The farthest from the median goes; of two as far, the later: as a stable sort of the
        // runs in the order run keeps the earlier.
        let far = |&(_, wall): &(usize, f64)| (wall - median).abs();
        let (at, _) = kept
            .with_events
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| far(a).total_cmp(&far(b)).then(i.cmp(j)))?;
        Some(kept.with_events.remove(at).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::record::recorder::TaskEvent;

    fn run(approach: &str, wall_s: f64, events: bool) -> RunMeasurement {
        let task = TaskEvent {
            task: 0,
            worker: 0,
            start_s: 0.0,
            end_s: wall_s,
            answer: None,
            runs: 1,
            steps: Vec::new(),
        };
        RunMeasurement {
            approach: approach.into(),
            wall_s,
            cpu_user_s: 0.0,
            cpu_sys_s: 0.0,
            peak_rss_kib: 0,
            child_peak_rss_kib: None,
            voluntary_switches: 0,
            involuntary_switches: 0,
            verified: true,
            problem: None,
            tasks: if events { vec![task] } else { Vec::new() },
            children: Vec::new(),
            concurrency: None,
            warmups: 0,
            foreign_cpu_s: None,
            fixed_cost_s: None,
        }
    }

    /// What the scheduler did before the keeper: every run of the approach looked at again,
    /// its walls sorted for the median, the runs with events sorted by their distance to it.
    fn reference(measurements: &mut [RunMeasurement], approach: &str) {
        let walls: Vec<f64> = measurements
            .iter()
            .filter(|m| m.approach == approach)
            .map(|m| m.wall_s)
            .collect();
        let median = crate::stats::median(&walls);
        let mut with_events: Vec<&mut RunMeasurement> = measurements
            .iter_mut()
            .filter(|m| m.approach == approach && !m.tasks.is_empty())
            .collect();
        with_events.sort_by(|a, b| {
            (a.wall_s - median)
                .abs()
                .total_cmp(&(b.wall_s - median).abs())
        });
        for m in with_events.into_iter().skip(EVENT_RUNS_KEPT) {
            m.tasks = Vec::new();
        }
    }

    /// A deterministic mix of walls: drifting, with ties and outliers; some runs without
    /// events (a run of no tasks).
    fn walls(n: usize) -> impl Iterator<Item = (usize, f64, bool)> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n).map(move |i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let wall = match x % 10 {
                0 => 5.0,                                             // an outlier
                1 => 1.0,                                             // a tie
                _ => 1.0 + (x % 1000) as f64 / 1e4 + i as f64 * 1e-5, // drift
            };
            (i, wall, !x.is_multiple_of(17))
        })
    }

    /// The runs of real approaches (not spoiled) that hold events.
    fn holding(ms: &[RunMeasurement]) -> Vec<usize> {
        (0..ms.len())
            .filter(|&i| !ms[i].tasks.is_empty() && ms[i].approach != "spoiled")
            .collect()
    }

    #[test]
    fn keeps_the_same_runs_as_sorting_them_all() {
        let ids = ["sequential", "threads", "process-pool"];
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut keeper = EventKeeper::new();
        for (i, wall, events) in walls(3000) {
            let id = ids[i % ids.len()];
            ours.push(run(id, wall, events));
            theirs.push(run(id, wall, events));
            keeper.keep(&mut ours, i);
            reference(&mut theirs, id);
            assert_eq!(holding(&ours), holding(&theirs), "after run {i}");
        }
        for id in ids {
            let kept = ours
                .iter()
                .filter(|m| m.approach == id && !m.tasks.is_empty());
            assert_eq!(kept.count(), EVENT_RUNS_KEPT, "{id}");
        }
    }

    #[test]
    fn never_looks_at_a_run_that_lost_its_events() {
        // Every run that no longer holds events is spoiled at once (another approach's name, a
        // wall far from any median): a keeper that went back over earlier runs, for their
        // walls or to find those with events, would decide otherwise than the reference.
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut keeper = EventKeeper::new();
        for (i, wall, events) in walls(2000) {
            ours.push(run("threads", wall, events));
            theirs.push(run("threads", wall, events));
            keeper.keep(&mut ours, i);
            reference(&mut theirs, "threads");
            assert_eq!(holding(&ours), holding(&theirs), "after run {i}");
            for m in ours.iter_mut().filter(|m| m.tasks.is_empty()) {
                *m = run("threads", 1e9, true);
                m.approach = "spoiled".into();
            }
        }
    }
}
