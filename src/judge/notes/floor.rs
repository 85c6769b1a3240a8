//! The note of a `noop` run that puts each approach's own cost per task beside its floor: the
//! bare primitive it is built on, timed on this machine just after the runs
//! ([`crate::run::floor`]).

use crate::format::format_seconds;
use crate::judge::report::Report;
use crate::run::floor::{self, Floor};

/// The note for `report`'s verified rows that have a measured floor, costliest first.
pub fn note(report: &Report) -> Option<String> {
    let tasks = f64::from(report.config.tasks.max(1));
    let rows: Vec<(&str, f64)> = report
        .results
        .iter()
        .filter(|r| r.verified)
        .map(|r| (r.approach.as_str(), r.wall_s / tasks))
        .collect();
    beside(&rows, &report.floors)
}

/// "process-pool 10.9 µs per task, a pipe round trip to a process 8.7 µs: 1.25x; ..." for each
/// `(approach, cost per task in s)` with a floor in `floors`.
pub fn beside(rows: &[(&str, f64)], floors: &[Floor]) -> Option<String> {
    let mut parts: Vec<(f64, String)> = rows
        .iter()
        .filter_map(|&(id, cost)| {
            let f = floor::find(floors, floor::floor_of(id)?)?;
            let ratio = cost / f.per_op_s;
            Some((
                cost,
                format!(
                    "{id} {} per task, {} {}: {ratio:.2}x",
                    format_seconds(cost),
                    floor::phrase(&f.id),
                    format_seconds(f.per_op_s)
                ),
            ))
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    let parts: Vec<String> = parts.into_iter().map(|(_, p)| p).collect();
    Some(format!(
        "each approach's own cost beside the bare primitive it is built on, timed here just \
         after (parlab floor): {}; under 1x, the approach pays that primitive less than once a \
         task (a pool reuses its threads, a chunk carries many tasks)",
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor(id: &str, per_op_s: f64) -> Floor {
        Floor {
            id: id.into(),
            what: String::new(),
            per_op_s,
            min_per_op_s: per_op_s,
            ops: 100,
        }
    }

    #[test]
    fn each_approach_stands_beside_its_floor_costliest_first() {
        let floors = [
            floor("pipe-round-trip", 8.7e-6),
            floor("channel-round-trip", 5e-6),
        ];
        let rows = [
            ("thread-pool", 0.5e-6),
            ("process-pool", 10.9e-6),
            ("sequential", 0.05e-6),
            ("async", 0.3e-6),
        ];
        let note = beside(&rows, &floors).unwrap();
        assert!(
            note.contains("process-pool 10.9 µs per task, a pipe round trip to a process 8.7 µs: 1.25x; thread-pool"),
            "{note}"
        );
        assert!(
            note.contains("channel round trip to a thread 5.0 µs: 0.10x"),
            "{note}"
        );
        // No floor for sequential, none measured for async.
        assert!(
            !note.contains("sequential") && !note.contains("async"),
            "{note}"
        );
        assert_eq!(beside(&[("sequential", 1e-7)], &floors), None);
        assert_eq!(beside(&rows, &[]), None);
    }
}
