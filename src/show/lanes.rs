//! Who ran what when, as lanes of coloured segments: the one model behind every Gantt picture
//! (the SVG/PNG chart, the HTML report's timeline and the text Gantt in the terminal).
//!
//! A lane is one worker (a thread, or a child process for the process approaches). A task's
//! whole span is drawn on the lane of the worker that started it; each of its steps (a stretch
//! of computation or a wait) on the lane of the worker that ran that step, which differs for
//! `async`, whose computation runs on tokio's blocking pool. Where tasks interleave on one lane
//! (thousands of tasks in flight on one event loop), their segments overlap: the pictures show
//! the union, which is what the worker was doing.

use std::collections::BTreeMap;

use crate::judge::report::Report;
use crate::plan::approaches::Family;
use crate::plan::workload::StepKind;

/// What a segment shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SegmentKind {
    /// A task's span, between its start and end, where no step of it runs on this lane.
    Task,
    /// A wait.
    Wait,
    /// A stretch of computation.
    Cpu,
}

impl SegmentKind {
    /// The drawing order: task spans first, computation on top.
    pub const ALL: [SegmentKind; 3] = [Self::Task, Self::Wait, Self::Cpu];

    /// A name for legends.
    pub fn label(self) -> &'static str {
        match self {
            Self::Task => "task (not computing or waiting here)",
            Self::Wait => "wait",
            Self::Cpu => "computation",
        }
    }
}

impl From<StepKind> for SegmentKind {
    fn from(k: StepKind) -> Self {
        match k {
            StepKind::Cpu => Self::Cpu,
            // The pictures show what a worker did: opening a connection is waiting (the
            // trace and the exports name it apart).
            StepKind::Wait | StepKind::Connect => Self::Wait,
        }
    }
}

/// One coloured stretch of a lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// What it shows.
    pub kind: SegmentKind,
    /// The task it belongs to.
    pub task: u32,
    /// Start, s since the approach started.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
}

/// One worker's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// The worker number (thread or process, from 0).
    pub worker: u32,
    /// The process it belongs to, where the approach numbers its processes (a cluster's
    /// workers are threads of several processes; parlab is process 0).
    pub process: Option<u32>,
    /// How many tasks started on this worker.
    pub tasks: usize,
    /// Its segments, task spans first, each kind in order of start.
    pub segments: Vec<Segment>,
}

/// One approach's lanes.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The approach's id.
    pub approach: String,
    /// Its family.
    pub family: Family,
    /// Its wall-clock time, s.
    pub wall_s: f64,
    /// Whether its check passed.
    pub verified: bool,
    /// Every lane with something on it, by worker number.
    pub lanes: Vec<Lane>,
}

/// The panels of every approach in `report`, in the report's order. Tasks that never started
/// or never finished (no times) are left out.
pub fn panels(report: &Report) -> Vec<Panel> {
    report
        .results
        .iter()
        .map(|r| {
            let mut lanes: BTreeMap<u32, Lane> = BTreeMap::new();
            for t in r.tasks.iter().filter(|t| finite(t.start_s, t.end_s)) {
                let home = lane(&mut lanes, t.worker);
                home.tasks += 1;
                home.segments.push(Segment {
                    kind: SegmentKind::Task,
                    task: t.task,
                    start_s: t.start_s,
                    end_s: t.end_s,
                });
                for s in t.steps.iter().filter(|s| finite(s.start_s, s.end_s)) {
                    lane(&mut lanes, s.worker).segments.push(Segment {
                        kind: s.kind.into(),
                        task: t.task,
                        start_s: s.start_s,
                        end_s: s.end_s,
                    });
                }
            }
            let mut lanes: Vec<Lane> = lanes.into_values().collect();
            let numbered = r.children.iter().any(|c| c.process.is_some());
            for l in &mut lanes {
                l.process = numbered.then(|| {
                    r.children
                        .iter()
                        .find(|c| c.holds(l.worker))
                        .and_then(|c| c.process)
                        .unwrap_or(0)
                });
                l.segments
                    .sort_by(|a, b| a.kind.cmp(&b.kind).then(a.start_s.total_cmp(&b.start_s)));
            }
            Panel {
                approach: r.approach.clone(),
                family: r.family,
                wall_s: r.wall_s,
                verified: r.verified,
                lanes,
            }
        })
        .collect()
}

fn lane(lanes: &mut BTreeMap<u32, Lane>, worker: u32) -> &mut Lane {
    lanes.entry(worker).or_insert_with(|| Lane {
        worker,
        process: None,
        tasks: 0,
        segments: Vec::new(),
    })
}

fn finite(a: f64, b: f64) -> bool {
    a.is_finite() && b.is_finite() && b >= a
}

impl Panel {
    /// At most `max` of the lanes, evenly spaced from the first to the last, so that a picture
    /// of thousands of workers still shows the early ones and the late ones.
    pub fn sample_lanes(&self, max: usize) -> Vec<&Lane> {
        let n = self.lanes.len();
        if n <= max {
            return self.lanes.iter().collect();
        }
        match max {
            0 => Vec::new(),
            1 => vec![&self.lanes[0]],
            _ => (0..max)
                .map(|k| &self.lanes[k * (n - 1) / (max - 1)])
                .collect(),
        }
    }
}

/// The end of the shared time axis: the latest task end or wall time of any panel, s.
pub fn axis_end_s(panels: &[Panel]) -> f64 {
    panels
        .iter()
        .flat_map(|p| {
            std::iter::once(p.wall_s).chain(
                p.lanes
                    .iter()
                    .flat_map(|l| l.segments.iter().map(|s| s.end_s)),
            )
        })
        .filter(|s| s.is_finite())
        .fold(0.0, f64::max)
}

impl Lane {
    /// Its name in pictures: `w3`, or `p1 w3` for a worker of cluster process 1.
    pub fn label(&self) -> String {
        match self.process {
            Some(p) => format!("p{p} w{}", self.worker),
            None => format!("w{}", self.worker),
        }
    }

    /// The union of this lane's segments of `kind`, with gaps shorter than `min_gap_s` closed:
    /// what a picture whose smallest visible unit is `min_gap_s` can show of them. Sorted.
    pub fn merged(&self, kind: SegmentKind, min_gap_s: f64) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for s in self.segments.iter().filter(|s| s.kind == kind) {
            match out.last_mut() {
                Some(last) if s.start_s <= last.1 + min_gap_s => last.1 = last.1.max(s.end_s),
                _ => out.push((s.start_s, s.end_s)),
            }
        }
        out
    }

    /// Whether tasks on this lane overlap in time (tasks interleaved on an event loop): what
    /// any task did here, from its first to its last segment, overlaps another task's.
    pub fn tasks_overlap(&self) -> bool {
        let mut spans: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
        for s in &self.segments {
            let span = spans.entry(s.task).or_insert((s.start_s, s.end_s));
            *span = (span.0.min(s.start_s), span.1.max(s.end_s));
        }
        let mut spans: Vec<(f64, f64)> = spans.into_values().collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        spans.windows(2).any(|w| w[1].0 < w[0].1)
    }

    /// How long the lane spends in `kind` between `from_s` and `to_s` (overlaps counted once).
    #[cfg(test)]
    pub fn covered(&self, kind: SegmentKind, from_s: f64, to_s: f64) -> f64 {
        self.merged(kind, 0.0)
            .iter()
            .map(|&(a, b)| (b.min(to_s) - a.max(from_s)).max(0.0))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::record::recorder::{StepEvent, TaskEvent};

    fn task(
        task: u32,
        worker: u32,
        start: f64,
        end: f64,
        steps: &[(StepKind, u32, f64, f64)],
    ) -> TaskEvent {
        TaskEvent {
            task,
            worker,
            start_s: start,
            end_s: end,
            answer: None,
            runs: 1,
            steps: steps
                .iter()
                .map(|&(kind, worker, start_s, end_s)| StepEvent {
                    kind,
                    worker,
                    start_s,
                    end_s,
                    cpu_s: None,
                })
                .collect(),
        }
    }

    #[test]
    fn steps_go_to_the_lane_that_ran_them() {
        let mut report = crate::app::fixture::report();
        report.results.truncate(1);
        report.results[0].tasks = vec![
            task(
                0,
                0,
                0.0,
                1.0,
                &[(StepKind::Wait, 0, 0.0, 0.4), (StepKind::Cpu, 3, 0.5, 0.9)],
            ),
            task(1, 0, 0.1, 0.6, &[]),
            task(2, 1, f64::NAN, f64::NAN, &[]),
        ];
        let p = &panels(&report)[0];
        assert_eq!(p.lanes.iter().map(|l| l.worker).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(p.lanes[0].tasks, 2);
        assert!(p.lanes[0].tasks_overlap());
        assert!(!p.lanes[1].tasks_overlap());
        assert_eq!(p.lanes[1].tasks, 0);
        assert_eq!(p.lanes[1].segments[0].kind, SegmentKind::Cpu);
        assert_eq!(p.lanes[0].merged(SegmentKind::Task, 0.0), [(0.0, 1.0)]);
        assert!((p.lanes[0].covered(SegmentKind::Wait, 0.2, 2.0) - 0.2).abs() < 1e-12);
        assert_eq!(axis_end_s(std::slice::from_ref(p)), 1.0_f64.max(p.wall_s));
    }

    #[test]
    fn sampling_spans_first_to_last() {
        let mut p = panels(&crate::app::fixture::report())[0].clone();
        p.lanes = (0..100)
            .map(|worker| Lane {
                worker,
                process: None,
                tasks: 1,
                segments: Vec::new(),
            })
            .collect();
        let workers = |max| {
            p.sample_lanes(max)
                .iter()
                .map(|l| l.worker)
                .collect::<Vec<_>>()
        };
        assert_eq!(workers(3), [0, 49, 99]);
        assert_eq!(workers(1), [0]);
        assert_eq!(workers(200).len(), 100);
    }

    #[test]
    fn merging_closes_small_gaps_only() {
        let lane = Lane {
            worker: 0,
            process: None,
            tasks: 3,
            segments: [(0.0, 1.0), (1.05, 2.0), (3.0, 4.0)]
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| Segment {
                    kind: SegmentKind::Cpu,
                    task: i as u32,
                    start_s: a,
                    end_s: b,
                })
                .collect(),
        };
        assert_eq!(lane.merged(SegmentKind::Cpu, 0.1), [(0.0, 2.0), (3.0, 4.0)]);
        assert_eq!(lane.merged(SegmentKind::Cpu, 0.0).len(), 3);
        assert!(lane.merged(SegmentKind::Wait, 0.0).is_empty());
    }
}
