//! The floors: the bare primitive each approach is built on, timed on this machine right now.
//!
//! An approach's own cost per task (a `noop` run's wall over its tasks) means little alone:
//! 11 µs is good for a process pool and poor for a thread pool. Beside the cost of the bare
//! primitive underneath (a pipe round trip to a process, a channel round trip to a thread) it
//! says how much the approach adds. `parlab floor` prints them, a `noop` run notes each
//! approach's cost against its floor, and `scripts/perf-check` (`judge::perf_check`) holds those ratios
//! to committed figures, so a change that makes an approach slower shows.
//!
//! Each floor is timed in a few batches; the table shows the median batch and keeps the fastest
//! (`min_per_op_s`), the least disturbed by other programs. The check takes the fastest batch
//! over several runs' floors, interleaved with the approaches' runs, over each approach's
//! fastest run, and holds each pool to its primitive used the pool's way ([`held_to`]: several
//! operations in flight, see `streams`), not to a lone round trip.

mod prims;
mod streams;

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

/// The most operations in one batch of a primitive whose batch starts what it runs on (a queue's
/// threads, a runtime): as many as a run of `scripts/perf-check` has tasks, so the start is as
/// large a share of the floor as of the approach's run.
const BURST: u64 = 5_000;

/// Every primitive, in the order the table shows them.
const PRIMS: &[Prim] = &[
    (
        "thread-spawn",
        "a std thread spawned and joined",
        prims::thread_spawn,
        20_000,
    ),
    (
        "thread-burst",
        "a std thread spawned while the others run, all joined after",
        streams::thread_burst,
        2_000,
    ),
    (
        "channel-round-trip",
        "a message to a pool thread and its answer back (two channels)",
        prims::channel_round_trip,
        200_000,
    ),
    (
        "queue-drain",
        "a message through a queue filled up front, drained by a thread per core",
        streams::queue_drain,
        BURST,
    ),
    (
        "tokio-spawn",
        "a tokio task spawned and awaited, single-threaded runtime",
        prims::tokio_spawn_current,
        BURST,
    ),
    (
        "tokio-spawn-mt",
        "a tokio task spawned and awaited, multi-threaded runtime",
        prims::tokio_spawn_multi,
        BURST,
    ),
    (
        "pipe-round-trip",
        "a task frame to a process (cat) over a pipe and back, framed as parlab's workers are",
        prims::pipe_round_trip,
        100_000,
    ),
    (
        "pipe-pool",
        "a task frame through one of a cat per core, one frame in flight to each",
        streams::pipe_pool,
        200_000,
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

/// The floor of each approach: the primitive it pays for once per task. py-sequential's is a
/// bare Python call ([`measure_python`], timed only where an interpreter is at hand); the
/// approaches without one (sequential's function call, the other Python rows, whose primitives
/// are CPython's threads and pickling, cluster's dataflow) are left out.
pub fn floor_of(approach: &str) -> Option<&'static str> {
    Some(match approach {
        "threads" | "threaded-sequential" => "thread-spawn",
        "thread-pool" | "rayon" => "channel-round-trip",
        "async" | "async-inline" => "tokio-spawn",
        "async-mt" => "tokio-spawn-mt",
        "process-pool" | "process-pool-chunked" => "pipe-round-trip",
        "process" => "fork-exec-wait",
        "py-sequential" => PYTHON_CALL,
        _ => return None,
    })
}

/// The floor `scripts/perf-check` holds an approach to: its primitive used the way the approach
/// uses it, with as many operations in flight (a pool's ratio to a lone round trip sits near
/// 0.1 and follows whether the other core happened to be asleep; to this it sits near 1).
pub fn held_to(approach: &str) -> Option<&'static str> {
    Some(match approach {
        "threads" => "thread-burst",
        "thread-pool" | "rayon" => "queue-drain",
        "process-pool" | "process-pool-chunked" => "pipe-pool",
        other => return floor_of(other),
    })
}

/// Time spent on each primitive after a `noop` run.
pub const RUN_BUDGET: Duration = Duration::from_millis(150);

/// Time spent on each primitive by `parlab floor`.
pub const FLOOR_BUDGET: Duration = Duration::from_millis(400);

/// The floor `id` in a few words, for notes ("a pipe round trip").
pub fn phrase(id: &str) -> &'static str {
    match id {
        "thread-spawn" => "a thread spawn+join",
        "thread-burst" => "a thread spawned among others, joined after",
        "channel-round-trip" => "a channel round trip to a thread",
        "queue-drain" => "a message through a shared queue",
        "tokio-spawn" => "a tokio spawn",
        "tokio-spawn-mt" => "a multi-threaded tokio spawn",
        "pipe-round-trip" => "a pipe round trip to a process",
        "pipe-pool" => "a pipe round trip with a frame in flight to each process",
        "fork-exec-wait" => "a fork+exec+wait",
        "tcp-request" => "a loopback TCP request",
        PYTHON_CALL => "a Python function call",
        _ => "its primitive",
    }
}

/// Batches per primitive, at least; the median and the fastest are kept.
const BATCHES: usize = 5;

/// Batches per primitive at most: batches capped at `max_ops` are short, and more of them fill
/// the budget (more chances for an undisturbed one).
const MAX_BATCHES: usize = 40;

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

/// Times `time` in batches sized (from a first small one) to fill `budget`, of at most `max_ops`
/// operations each ([`BATCHES`] of them, more when capped batches leave budget over, up to
/// [`MAX_BATCHES`]); the median and the fastest batch's time per operation, and the
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
    let batches = ((budget.as_secs_f64() / (n as f64 * per_op.max(1e-9))) as usize)
        .clamp(BATCHES, MAX_BATCHES);
    let mut times: Vec<f64> = (0..batches)
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

/// The floor of the Python approaches' own work per task: a bare function call in CPython.
pub const PYTHON_CALL: &str = "python-call";

/// Times a bare Python function call in `interpreter`, through parlab's driver, for about
/// `budget` (its start-up not counted); None when the interpreter cannot run it.
pub fn measure_python(interpreter: &std::path::Path, budget: Duration) -> Option<Floor> {
    let (per_op_s, min_per_op_s, ops) =
        crate::run::approach::python::time_calls(interpreter, budget)?;
    Some(Floor {
        id: PYTHON_CALL.to_string(),
        what: "a Python function of one argument called, in a loop (CPython, through the driver)"
            .to_string(),
        per_op_s,
        min_per_op_s,
        ops,
    })
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
            assert_ne!(phrase(&f.id), "its primitive", "{f:?}");
        }
    }

    #[test]
    fn a_python_call_is_timed_through_the_driver() {
        // python3 is on every machine the tests run on (the Python approaches' tests need it).
        let f = measure_python(std::path::Path::new("python3"), Duration::from_millis(20))
            .expect("python3 times a call");
        assert_eq!(f.id, PYTHON_CALL);
        assert_eq!(floor_of("py-sequential"), Some(PYTHON_CALL));
        // A call in CPython takes some nanoseconds, well under a millisecond.
        assert!(
            f.min_per_op_s > 0.0 && f.min_per_op_s <= f.per_op_s,
            "{f:?}"
        );
        assert!(f.per_op_s < 1e-3, "{f:?}");
        assert!(f.ops >= 5 * 10_000, "{f:?}");
        assert_ne!(phrase(&f.id), "its primitive");
        // An interpreter that is not there gives no floor, rather than a wrong one.
        assert!(measure_python(std::path::Path::new("/nonexistent/python3"), RUN_BUDGET).is_none());
    }

    #[test]
    fn every_parallel_rust_approach_maps_to_a_floor_that_is_measured() {
        let mut measured: Vec<&str> = PRIMS.iter().map(|p| p.0).collect();
        measured.push(PYTHON_CALL);
        for a in crate::run::approach::REGISTRY {
            let id = a.info().id;
            match floor_of(id) {
                Some(floor) => {
                    assert!(measured.contains(&floor), "{id} -> {floor}");
                    let held = held_to(id).expect("an approach with a floor is held to one");
                    assert!(measured.contains(&held), "{id} held to {held}");
                }
                None => assert!(
                    id == "sequential" || id == "cluster" || id.starts_with("py-"),
                    "{id} has no floor"
                ),
            }
        }
    }

    #[test]
    fn the_pools_are_held_to_their_primitive_used_the_pool_way() {
        assert_eq!(floor_of("process-pool"), Some("pipe-round-trip"));
        assert_eq!(held_to("process-pool"), Some("pipe-pool"));
        assert_eq!(held_to("process-pool-chunked"), Some("pipe-pool"));
        assert_eq!(held_to("thread-pool"), Some("queue-drain"));
        assert_eq!(held_to("rayon"), Some("queue-drain"));
        assert_eq!(held_to("threads"), Some("thread-burst"));
        assert_eq!(held_to("async-mt"), Some("tokio-spawn-mt"));
        assert_eq!(held_to("sequential"), None);
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
        // Capped batches are short: more of them fill the budget.
        assert_eq!(capped, 20 + 100 * MAX_BATCHES as u64);
        let (_, _, few) = time_batches(steady, Duration::from_micros(10_500), 1_000).unwrap();
        assert_eq!(few, 20 + 1_000 * 10, "10.5 ms of 1 µs operations in 1,000s");
    }
}
