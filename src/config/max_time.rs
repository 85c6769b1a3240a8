//! Runs no one would wait for: before anything is measured, each approach's least possible wall
//! time for one run is estimated from the plan, and an approach whose estimate exceeds
//! `--max-time` is refused (named) or skipped (implied, see `config::implied`).
//!
//! The estimate is the work–span bound of [`crate::ideal`] on the plan's cost: its waits are
//! known before running, its computation is not, so the computation counts as nothing and the
//! estimate is a true lower bound (waits spread over the tasks the approach can have in flight).

use std::time::Duration;

use super::parse_duration;
use crate::approach::Approach;
use crate::error::UsageError;
use crate::format::format_seconds;
use crate::ideal::{Concurrency, ideal_wall_s};
use crate::workload::WorkSpec;

/// The default of `--max-time`.
pub const DEFAULT: &str = "10m";

/// Parses `--max-time`: a duration above zero, or `none` for no limit.
pub fn parse(text: &str) -> Result<Option<Duration>, UsageError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match parse_duration("--max-time", t)? {
        d if d.is_zero() => Err(UsageError::bad(
            "--max-time",
            "0 would refuse every run",
            "give a duration such as 10m or 30s (at most 1h), or none for no limit",
        )),
        d => Ok(Some(d)),
    }
}

/// The least wall time one run of `approach` could take, s, counting only the plan's waits.
pub fn lower_bound_s(
    approach: &dyn Approach,
    work: &WorkSpec,
    tasks: u32,
    pool_size: usize,
    cores: usize,
) -> f64 {
    // Waits only (net requests' included); computation counts as nothing.
    let cost = super::plan_cost::TaskCost::of(work, 0.0).times(tasks);
    ideal_wall_s(
        &cost,
        Concurrency::of(approach.info(), pool_size, tasks, cores),
    )
}

/// Refuses `approach` when one run could not take less than `max`.
pub fn check(
    approach: &dyn Approach,
    work: &WorkSpec,
    tasks: u32,
    pool_size: usize,
    cores: usize,
    max: Option<Duration>,
) -> Result<(), UsageError> {
    let Some(max) = max else { return Ok(()) };
    let bound = lower_bound_s(approach, work, tasks, pool_size, cores);
    if bound <= max.as_secs_f64() {
        return Ok(());
    }
    let info = approach.info();
    let width = Concurrency::of(info, pool_size, tasks, cores).in_flight;
    let change = if info.pooled {
        "use fewer --tasks, a shorter --io-wait or a larger --pool-size"
    } else {
        "use fewer --tasks or a shorter --io-wait"
    };
    Err(UsageError::bad(
        "--max-time",
        format!(
            "one run of {} would take at least {} ({tasks} tasks' waits, {} at a time), \
             more than --max-time {}",
            info.id,
            format_seconds(bound),
            width as u64,
            format_seconds(max.as_secs_f64())
        ),
        format!("{change}, or raise --max-time (none: no limit)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::WorkloadKind;

    #[test]
    fn waits_over_the_pool_bound_a_run() {
        let work = WorkSpec {
            workload: WorkloadKind::Io,
            number: 0,
            io_wait_ns: 1_000_000_000,
            net: crate::workload::NetSpec::DEFAULT,
        };
        let pool = crate::approach::find("thread-pool").unwrap();
        let threads = crate::approach::find("async").unwrap();
        // 100,000 waits of 1 s, 2 at a time: 50,000 s.
        let bound = lower_bound_s(pool, &work, 100_000, 2, 2);
        assert!((bound - 50_000.0).abs() < 1.0, "{bound}");
        let ten_minutes = Some(Duration::from_secs(600));
        let err = check(pool, &work, 100_000, 2, 2, ten_minutes)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--max-time: one run of thread-pool would take at least 13h 53m"),
            "{err}"
        );
        assert!(err.contains("--pool-size"), "{err}");
        // Every wait at once: 1 s.
        assert!(check(threads, &work, 100_000, 2, 2, ten_minutes).is_ok());
        assert!(check(pool, &work, 100_000, 2, 2, None).is_ok());
        assert_eq!(parse("none").unwrap(), None);
        assert!(parse("0").is_err());
    }
}
