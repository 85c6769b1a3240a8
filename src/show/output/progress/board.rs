//! The bars of one approach: how they are laid out, and what each shows, read from the
//! recorder by the drawing thread.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::plan::approaches::Family;
use crate::plan::workload::{Step, StepKind};
use crate::run::record::recorder::{Recorder, TaskNow};

/// How the bars are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One bar per task.
    PerTask,
    /// An overall bar and this many worker lanes.
    Lanes(usize),
}

impl Shape {
    /// One bar per task when `tasks` fit in `room` rows, else an overall bar and as many lanes
    /// as tasks can run at once (`width`) or as fit.
    pub fn choose(tasks: usize, width: usize, room: usize) -> Self {
        if tasks <= room {
            Shape::PerTask
        } else {
            Shape::Lanes(width.min(room - 1).max(1))
        }
    }
}

/// What a task is doing, as a bar shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskView {
    /// Not started, computing, waiting or done.
    pub state: &'static str,
    /// Divisions done, at most the total.
    pub done: u64,
    /// Time since it started (to its end when done), s.
    pub elapsed_s: f64,
}

impl TaskView {
    /// The view of `now`, for a task of `total` divisions, at `now_ns` on the recorder's clock.
    pub fn of(now: &TaskNow, total: u64, now_ns: u64) -> Self {
        let elapsed = |end: u64| {
            now.start_ns
                .map_or(0.0, |s| end.saturating_sub(s) as f64 / 1e9)
        };
        match (now.start_ns, now.end_ns) {
            (_, Some(end)) => TaskView {
                state: "done",
                done: total,
                elapsed_s: elapsed(end),
            },
            (Some(_), None) => TaskView {
                state: match now.step {
                    Some(StepKind::Wait) => "waiting",
                    Some(StepKind::Connect) => "connecting",
                    Some(StepKind::Cpu) | None => "computing",
                },
                done: now.divisions.min(total),
                elapsed_s: elapsed(now_ns),
            },
            (None, None) => TaskView {
                state: "queued",
                done: 0,
                elapsed_s: 0.0,
            },
        }
    }

    /// The text after the bar: share done, state, time.
    pub fn message(&self, total: u64) -> String {
        let time = if self.state == "queued" {
            String::new()
        } else {
            format!("{:.1} s", self.elapsed_s)
        };
        match (self.done * 100).checked_div(total) {
            None => format!("{:<9} {time}", self.state),
            Some(pct) => format!("{pct:>3}%  {:<9} {time}", self.state),
        }
    }
}

/// Units of progress one task of `plan` makes in all: the sizes of its stretches of trial
/// division, and one per network request.
pub fn divisions_in(plan: &[Step]) -> u64 {
    plan.iter()
        .map(|s| match *s {
            Step::Divide { from, to } => (to + 1).saturating_sub(from),
            Step::Request { .. } => 1,
            Step::Wait(_) | Step::Connect | Step::Custom | Step::Call(_) => 0,
        })
        .sum()
}

/// The bars of one approach, owned by its drawing thread.
pub(super) struct Board {
    total: u64,
    bars: Bars,
}

enum Bars {
    PerTask(Vec<ProgressBar>),
    Lanes {
        overall: ProgressBar,
        lanes: Vec<(ProgressBar, Option<u32>)>,
        in_lane: Vec<bool>,
        id: &'static str,
    },
}

impl Board {
    pub(super) fn new(
        multi: &MultiProgress,
        id: &'static str,
        family: Family,
        rec: &Recorder,
        shape: Shape,
        ascii: bool,
    ) -> Self {
        let total = divisions_in(rec.plan());
        let len = total.max(1);
        let tasks = rec.task_count();
        let style = bar_style(family, ascii);
        let bar = |prefix: String| {
            multi.add(
                ProgressBar::new(len)
                    .with_style(style.clone())
                    .with_prefix(prefix),
            )
        };
        let bars = match shape {
            Shape::PerTask => {
                let digits = digits(tasks.saturating_sub(1));
                Bars::PerTask(
                    (0..tasks)
                        .map(|t| bar(format!("{id} task {t:>digits$}")))
                        .collect(),
                )
            }
            Shape::Lanes(n) => {
                let overall = multi.add(
                    ProgressBar::new(tasks as u64)
                        .with_style(bar_style(family, ascii))
                        .with_prefix(format!("{id} all tasks")),
                );
                let lanes = (0..n).map(|_| (bar(format!("{id} lane")), None)).collect();
                Bars::Lanes {
                    overall,
                    lanes,
                    in_lane: vec![false; tasks as usize],
                    id,
                }
            }
        };
        Self { total, bars }
    }

    /// Reads the recorder and redraws.
    pub(super) fn update(&mut self, rec: &Recorder) {
        let now_ns = rec.now_ns();
        let total = self.total;
        let show = |bar: &ProgressBar, view: &TaskView, prefix: String| {
            bar.set_position(if total == 0 && view.state == "done" {
                1
            } else {
                view.done
            });
            bar.set_message(format!("{prefix}{}", view.message(total)));
        };
        match &mut self.bars {
            Bars::PerTask(bars) => {
                for (t, bar) in bars.iter().enumerate() {
                    let view = TaskView::of(&rec.task_now(t as u32), total, now_ns);
                    show(bar, &view, String::new());
                }
            }
            Bars::Lanes {
                overall,
                lanes,
                in_lane,
                id,
            } => {
                // Free the lanes of finished tasks, then seat running tasks in free lanes, so
                // that a task keeps its lane from start to end.
                for (_, seat) in lanes.iter_mut() {
                    if let Some(t) = *seat
                        && rec.task_state(t).1
                    {
                        *seat = None;
                    }
                }
                let (mut done, mut running) = (0u64, 0u64);
                let mut free = lanes.iter_mut().filter(|(_, seat)| seat.is_none());
                for t in 0..rec.task_count() {
                    match rec.task_state(t) {
                        (_, true) => done += 1,
                        (true, false) => {
                            running += 1;
                            if !in_lane[t as usize]
                                && let Some((_, seat)) = free.next()
                            {
                                *seat = Some(t);
                                in_lane[t as usize] = true;
                            }
                        }
                        (false, false) => {}
                    }
                }
                overall.set_position(done);
                overall.set_message(format!("{done}/{} done, {running} running", in_lane.len()));
                for (bar, seat) in lanes.iter() {
                    match *seat {
                        Some(t) => {
                            let now = rec.task_now(t);
                            bar.set_prefix(format!("{id} worker {}", now.worker));
                            show(
                                bar,
                                &TaskView::of(&now, total, now_ns),
                                format!("task {t} "),
                            );
                        }
                        None => {
                            bar.set_prefix(format!("{id} lane"));
                            bar.set_position(0);
                            bar.set_message("idle");
                        }
                    }
                }
            }
        }
    }

    /// Removes every bar from the screen.
    pub(super) fn clear(&self) {
        match &self.bars {
            Bars::PerTask(bars) => bars.iter().for_each(ProgressBar::finish_and_clear),
            Bars::Lanes { overall, lanes, .. } => {
                lanes.iter().for_each(|(b, _)| b.finish_and_clear());
                overall.finish_and_clear();
            }
        }
    }
}

/// Bars coloured by family; `ascii` draws them with `#` and `-`.
fn bar_style(family: Family, ascii: bool) -> ProgressStyle {
    let colour = match family {
        Family::Sequential => "white",
        Family::Thread => "blue",
        Family::Async => "green",
        Family::Process => "magenta",
    };
    // 32 + 1 + 22 + 1 + the message (about 23): 80 columns hold a line.
    let template = format!("{{prefix:<32!}} {{bar:22.{colour}}} {{msg}}");
    ProgressStyle::with_template(&template)
        .expect("a valid template")
        .progress_chars(if ascii {
            "#>-"
        } else {
            "█▉▊▋▌▍▎▏ "
        })
}

/// Decimal digits of `n`.
fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn bars_per_task_until_they_do_not_fit() {
        assert_eq!(Shape::choose(4, 4, 21), Shape::PerTask);
        assert_eq!(Shape::choose(21, 21, 21), Shape::PerTask);
        assert_eq!(Shape::choose(10_000, 10_000, 21), Shape::Lanes(20));
        assert_eq!(Shape::choose(100, 4, 21), Shape::Lanes(4));
        assert_eq!(Shape::choose(5, 1, 2), Shape::Lanes(1));
    }

    #[test]
    fn divisions_are_the_divide_ranges() {
        let plan = [
            Step::Wait(5),
            Step::Divide { from: 2, to: 11 },
            Step::Wait(5),
            Step::Divide { from: 12, to: 31 },
        ];
        assert_eq!(divisions_in(&plan), 30);
        assert_eq!(divisions_in(&[Step::Wait(1)]), 0);
        assert_eq!(divisions_in(&[Step::Divide { from: 2, to: 1 }]), 0);
    }

    #[test]
    fn views_follow_the_recorder() {
        let plan = [Step::Wait(1), Step::Divide { from: 2, to: 101 }];
        let rec = Recorder::new(1, &plan, Instant::now());
        let total = divisions_in(&plan);
        let view = |at| TaskView::of(&rec.task_now(0), total, at);
        assert_eq!(view(0).state, "queued");
        assert_eq!(view(0).message(total), "  0%  queued    ");

        rec.task_started_at(0, 0, 1_000_000_000);
        let v = view(1_500_000_000);
        assert_eq!((v.state, v.done), ("waiting", 0));
        assert_eq!(v.message(total), "  0%  waiting   0.5 s");

        rec.step_ran(0, 0, 0, 1_000_000_000, 1_200_000_000);
        rec.task(0)
            .progress
            .fetch_add(40, std::sync::atomic::Ordering::Relaxed);
        let v = view(1_500_000_000);
        assert_eq!((v.state, v.done), ("computing", 40));
        rec.task(0)
            .progress
            .fetch_add(1 << 20, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(view(1_600_000_000).done, total, "overshoot is capped");

        rec.task_finished_at(0, crate::plan::workload::Answer::Prime(true), 3_000_000_000);
        let v = view(9_000_000_000);
        assert_eq!(v.state, "done");
        assert_eq!(
            v.message(total),
            "100%  done      2.0 s",
            "elapsed stops at the end"
        );
    }
}
