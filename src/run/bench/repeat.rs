//! How many times each approach runs: warm-up runs, then measured runs.
//!
//! Like hyperfine's minimum runs and minimum time: unless the user says otherwise, an approach
//! runs at least [`MIN_RUNS`] times and for at least [`MIN_TIME_S`] in all, decided from how
//! long its first run took. The first run is a warm-up (thrown away) when it was short; when it
//! took more than [`WARMUP_LIMIT_S`] there is nothing left to warm and it counts. Work so long
//! that [`MIN_RUNS`] runs would pass [`LONG_BUDGET_S`] runs fewer times, and fast work at most
//! [`MAX_RUNS`] times.

pub use crate::plan::Repetitions;
pub use crate::plan::repetitions::{
    LONG_BUDGET_S, MAX_RUNS, MIN_RUNS, MIN_TIME_S, WARMUP_LIMIT_S, auto_runs, auto_warmup,
};

/// What the next run of an approach is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Thrown away: it fills caches and starts lazy machinery.
    Warmup,
    /// Kept.
    Measured,
    /// The first run under the default rule: a warm-up if it turns out short, else kept.
    Probe,
}

/// One approach's progress through its runs.
#[derive(Debug, Clone)]
pub struct RunPlan {
    asked: Repetitions,
    warmups: Option<u32>,
    runs: Option<u32>,
    warmups_done: u32,
    measured: u32,
    started: u32,
    stopped: bool,
}

impl RunPlan {
    /// The plan for `asked`.
    pub fn new(asked: Repetitions) -> Self {
        Self {
            asked,
            warmups: asked.warmup,
            runs: asked.runs,
            warmups_done: 0,
            measured: 0,
            started: 0,
            stopped: false,
        }
    }

    /// What the next run is for, or `None` when the approach has run enough.
    pub fn next(&self) -> Option<RunKind> {
        if self.stopped {
            return None;
        }
        if self.started == 0 && self.warmups.is_none() {
            return Some(RunKind::Probe);
        }
        if self.warmups_done < self.warmups.unwrap_or(0) {
            return Some(RunKind::Warmup);
        }
        match self.runs {
            Some(runs) if self.measured >= runs => None,
            _ => Some(RunKind::Measured),
        }
    }

    /// Records that a run of `kind` took `wall_s`; returns whether it was kept as measured.
    pub fn record(&mut self, kind: RunKind, wall_s: f64) -> bool {
        let first = self.started == 0;
        self.started += 1;
        if first {
            if self.warmups.is_none() {
                self.warmups = Some(auto_warmup(wall_s));
            }
            if self.runs.is_none() {
                self.runs = Some(auto_runs(wall_s));
            }
        }
        let kept = match kind {
            RunKind::Measured => true,
            RunKind::Warmup => false,
            RunKind::Probe => self.warmups == Some(0),
        };
        if kept {
            self.measured += 1;
        } else {
            self.warmups_done += 1;
        }
        kept
    }

    /// Runs no more (the approach failed its check).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Warm-up runs, once known.
    pub fn warmups(&self) -> Option<u32> {
        self.warmups
    }

    /// Measured runs planned, once known.
    pub fn runs(&self) -> Option<u32> {
        self.runs
    }

    /// Measured runs so far.
    pub fn measured(&self) -> u32 {
        self.measured
    }

    /// What the user asked for.
    pub fn asked(&self) -> Repetitions {
        self.asked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a plan whose every run takes `wall_s`; returns (warm-ups, measured).
    fn play(asked: Repetitions, wall_s: f64) -> (u32, u32) {
        let mut plan = RunPlan::new(asked);
        let (mut warm, mut kept) = (0, 0);
        while let Some(kind) = plan.next() {
            if plan.record(kind, wall_s) {
                kept += 1;
            } else {
                warm += 1;
            }
            assert!(warm + kept < 1000, "the plan never ends");
        }
        (warm, kept)
    }

    #[test]
    fn defaults_follow_the_first_run() {
        let auto = Repetitions::default();
        assert_eq!(play(auto, 0.1), (1, 20), "2 s of 0.1 s runs");
        assert_eq!(play(auto, 1.0), (1, MIN_RUNS), "at least 5");
        assert_eq!(MIN_RUNS, 5, "plot_progression.py's window is runs ÷ 5");
        assert_eq!(play(auto, 0.000_01), (1, MAX_RUNS), "capped for fast work");
        assert_eq!(play(auto, 5.0), (0, 5), "no warm-up for long runs");
        assert_eq!(play(auto, 15.0), (0, 4), "fewer runs for very long work");
        assert_eq!(play(auto, 25.0), (0, 2));
        assert_eq!(play(auto, 90.0), (0, 1));
        assert_eq!(play(auto, 0.0), (1, MAX_RUNS));
    }

    #[test]
    fn the_user_decides_when_asked() {
        let runs = |r, w| Repetitions { runs: r, warmup: w };
        assert_eq!(play(runs(Some(10), None), 0.1), (1, 10));
        assert_eq!(play(runs(Some(10), Some(0)), 0.1), (0, 10));
        assert_eq!(play(runs(Some(2), Some(3)), 0.1), (3, 2));
        assert_eq!(play(runs(None, Some(2)), 1.0), (2, 5));
        assert_eq!(play(runs(Some(1), None), 10.0), (0, 1));
    }

    #[test]
    fn a_stopped_plan_runs_no_more() {
        let mut plan = RunPlan::new(Repetitions::default());
        assert_eq!(plan.next(), Some(RunKind::Probe));
        assert!(!plan.record(RunKind::Probe, 0.5));
        assert_eq!(plan.next(), Some(RunKind::Measured));
        plan.stop();
        assert_eq!(plan.next(), None);
    }
}
