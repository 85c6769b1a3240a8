//! The floors: the bare primitive each approach is built on, timed on this machine right now.
//!
//! An approach's own cost per task (a `noop` run's wall over its tasks) means little alone:
//! 11 µs is good for a process pool and poor for a thread pool. Beside the cost of the bare
//! primitive underneath (a pipe round trip to a process, a channel round trip to a thread) it
//! says how much the approach adds. `parlab floor` prints them, a `noop` run notes each
//! approach's cost against its floor, and `scripts/perf-check` (`crate::judge::perf_check`) holds those ratios
//! to committed figures, so a change that makes an approach slower shows.
//!
//! Each floor is timed in a few batches and the median batch kept, as a run's median is: the
//! ratio of two medians taken in the same minute holds on a busy machine where absolute times
//! do not.

mod prims;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One primitive's cost, as measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// Its id (`pipe-round-trip`, ...).
    pub id: String,
    /// What one operation is, in words.
    pub what: String,
    /// One operation, s (the median batch's time over its operations).
    pub per_op_s: f64,
    /// One operation in the fastest batch, s: the least disturbed by other programs.
    #[serde(default)]
    pub min_per_op_s: f64,
    /// Operations timed in all.
    pub ops: u64,
}

/// The primitives: id, what one operation is, how to time `n` of them (None: it cannot be
/// measured here, e.g. no `cat` on the PATH), and the most operations in one batch (a
/// connection closed leaves its port in TIME_WAIT for a minute: a few thousand at most).
type Prim = (&'static str, &'static str, fn(u64) -> Option<Duration>, u64);

/// Every primitive, in the order the table shows them.
const PRIMS: &[Prim] = &[
    (
        "thread-spawn",
        "a std thread spawned and joined",
        prims::thread_spawn,
        20_000,
    ),
    (
        "channel-round-trip",
        "a message to a pool thread and its answer back (two channels)",
        prims::channel_round_trip,
        200_000,
    ),
    (
        "tokio-spawn",
        "a tokio task spawned and awaited, single-threaded runtime",
        prims::tokio_spawn_current,
        200_000,
    ),
    (
        "tokio-spawn-mt",
        "a tokio task spawned and awaited, multi-threaded runtime",
        prims::tokio_spawn_multi,
        200_000,
    ),
    (
        "pipe-round-trip",
        "a task frame to a process (cat) over a pipe and back, framed as parlab's workers are",
        prims::pipe_round_trip,
        100_000,
    ),
    (
        "fork-exec-wait",
        "a process started, run (true) and reaped",
        prims::fork_exec_wait,
        2_000,
    ),
    (
        "tcp-request",
        "a loopback TCP connection made, one 8-byte request answered, closed",
        prims::tcp_request,
        500,
    ),
];

/// The floor of each approach: the primitive it pays for once per task. Approaches without one
/// (sequential's function call, the Python rows, cluster's dataflow) are left out.
pub fn floor_of(approach: &str) -> Option<&'static str> {
    Some(match approach {
        "threads" | "threaded-sequential" => "thread-spawn",
        "thread-pool" | "rayon" => "channel-round-trip",
        "async" | "async-inline" => "tokio-spawn",
        "async-mt" => "tokio-spawn-mt",
        "process-pool" | "process-pool-chunked" => "pipe-round-trip",
        "process" => "fork-exec-wait",
        _ => return None,
    })
}

/// Time spent on each primitive after a `noop` run.
pub const RUN_BUDGET: Duration = Duration::from_millis(100);

/// Time spent on each primitive by `parlab floor`.
pub const FLOOR_BUDGET: Duration = Duration::from_millis(400);

/// The floor `id` in a few words, for notes ("a pipe round trip").
pub fn phrase(id: &str) -> &'static str {
    match id {
        "thread-spawn" => "a thread spawn+join",
        "channel-round-trip" => "a channel round trip to a thread",
        "tokio-spawn" => "a tokio spawn",
        "tokio-spawn-mt" => "a multi-threaded tokio spawn",
        "pipe-round-trip" => "a pipe round trip to a process",
        "fork-exec-wait" => "a fork+exec+wait",
        "tcp-request" => "a loopback TCP request",
        _ => "its primitive",
    }
}

/// Batches per primitive; the median is kept.
const BATCHES: usize = 5;

/// Times every primitive, each for about `budget` in all.
pub fn measure(budget: Duration) -> Vec<Floor> {
    PRIMS
        .iter()
        .filter_map(|&(id, what, time, max_ops)| {
            let (per_op_s, min_per_op_s, ops) = time_batches(time, budget, max_ops)?;
            Some(Floor {
                id: id.to_string(),
                what: what.to_string(),
                per_op_s,
                min_per_op_s,
                ops,
            })
        })
        .collect()
}

/// Times `time` in [`BATCHES`] batches sized (from a first small one) to fill `budget`, of at
/// most `max_ops` each; the median and the fastest batch's time per operation, and the
/// operations timed.
fn time_batches(
    time: fn(u64) -> Option<Duration>,
    budget: Duration,
    max_ops: u64,
) -> Option<(f64, f64, u64)> {
    // A first batch warms up and sizes the rest.
    let probe = 20;
    let started = Instant::now();
    let first = time(probe)?;
    let per_op = first.max(started.elapsed() / 2).as_secs_f64() / probe as f64;
    let per_batch = budget.as_secs_f64() / BATCHES as f64;
    let n = ((per_batch / per_op.max(1e-9)) as u64).clamp(probe, max_ops.max(probe));
    let mut times: Vec<f64> = (0..BATCHES)
        .filter_map(|_| time(n).map(|d| d.as_secs_f64() / n as f64))
        .collect();
    if times.is_empty() {
        return None;
    }
    times.sort_by(f64::total_cmp);
    Some((
        times[times.len() / 2],
        times[0],
        probe + n * times.len() as u64,
    ))
}

/// The floor named `id` in `floors`.
pub fn find<'a>(floors: &'a [Floor], id: &str) -> Option<&'a Floor> {
    floors.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_floor_runs_and_is_positive() {
        let floors = measure(Duration::from_millis(20));
        // `cat` and `true` are on every machine the tests run on; every primitive is there.
        let ids: Vec<&str> = floors.iter().map(|f| f.id.as_str()).collect();
        let want: Vec<&str> = PRIMS.iter().map(|p| p.0).collect();
        assert_eq!(ids, want);
        for f in &floors {
            assert!(f.per_op_s > 0.0 && f.per_op_s.is_finite(), "{f:?}");
            assert!(
                f.min_per_op_s > 0.0 && f.min_per_op_s <= f.per_op_s,
                "{f:?}"
            );
            assert!(f.ops >= 20 * BATCHES as u64, "{f:?}");
            assert!(!f.what.is_empty());
        }
    }

    #[test]
    fn every_parallel_rust_approach_maps_to_a_floor_that_is_measured() {
        let measured: Vec<&str> = PRIMS.iter().map(|p| p.0).collect();
        for a in crate::run::approach::REGISTRY {
            let id = a.info().id;
            match floor_of(id) {
                Some(floor) => assert!(measured.contains(&floor), "{id} -> {floor}"),
                None => assert!(
                    id == "sequential" || id == "cluster" || id.starts_with("py-"),
                    "{id} has no floor"
                ),
            }
        }
    }

    #[test]
    fn the_median_batch_is_kept() {
        fn steady(n: u64) -> Option<Duration> {
            Some(Duration::from_micros(n))
        }
        fn absent(_: u64) -> Option<Duration> {
            None
        }
        let (per_op, min, ops) = time_batches(steady, Duration::from_millis(5), 100_000).unwrap();
        assert!((per_op - 1e-6).abs() < 1e-12, "{per_op}");
        assert!((min - 1e-6).abs() < 1e-12, "{min}");
        assert!(ops > 20);
        assert_eq!(time_batches(absent, Duration::from_millis(5), 100), None);
        let (_, _, capped) = time_batches(steady, Duration::from_secs(1), 100).unwrap();
        assert_eq!(capped, 20 + 100 * BATCHES as u64);
    }
}
