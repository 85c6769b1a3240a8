//! The default repetitions: how many warm-up and measured runs an approach gets when the user
//! does not say, decided from how long its first run took. Part of the plan (the plan's cost is
//! estimated from it); the scheduler's [`crate::run::bench::repeat::RunPlan`] follows it.
//!
//! Like hyperfine's minimum runs and minimum time: unless the user says otherwise, an approach
//! runs at least [`MIN_RUNS`] times and for at least [`MIN_TIME_S`] in all, decided from how
//! long its first run took. The first run is a warm-up (thrown away) when it was short; when it
//! took more than [`WARMUP_LIMIT_S`] there is nothing left to warm and it counts. Work so long
//! that [`MIN_RUNS`] runs would pass [`LONG_BUDGET_S`] runs fewer times, and fast work at most
//! [`MAX_RUNS`] times.
//!
//! Five runs, not hyperfine's ten: one parlab run is a whole batch of tasks under one approach,
//! and a default run measures a dozen approaches, so ten runs of one-second work would take two
//! minutes before the first table. Five still give the statistics something to work with: a
//! median that two outlier runs cannot move, a spread and outlier test with a middle to measure
//! from, Welch's t-test with four degrees of freedom a side, and hyperfine's
//! `plot_progression.py` a moving-average window (it takes runs ÷ 5, and three runs gave it 0).

/// The fewest measured runs by default.
pub const MIN_RUNS: u32 = 5;
/// The least measured time per approach by default, s.
pub const MIN_TIME_S: f64 = 2.0;
/// The most measured runs by default (for very fast work).
pub const MAX_RUNS: u32 = 50;
/// A first run longer than this, s, is kept rather than thrown away as a warm-up.
pub const WARMUP_LIMIT_S: f64 = 3.0;
/// Runs so long that [`MIN_RUNS`] of them would take longer than this, s, run fewer times.
pub const LONG_BUDGET_S: f64 = 60.0;

/// The default number of measured runs for work whose first run took `first_s`.
pub fn auto_runs(first_s: f64) -> u32 {
    if first_s.is_nan() || first_s <= 0.0 {
        return MAX_RUNS;
    }
    if MIN_RUNS as f64 * first_s > LONG_BUDGET_S {
        return ((LONG_BUDGET_S / first_s).floor() as u32).max(1);
    }
    ((MIN_TIME_S / first_s).ceil() as u32).clamp(MIN_RUNS, MAX_RUNS)
}

/// The default number of warm-up runs for work whose first run took `first_s`.
pub fn auto_warmup(first_s: f64) -> u32 {
    u32::from(first_s <= WARMUP_LIMIT_S)
}
