//! What the user sees on stderr while approaches run: in a terminal, live bars under one live
//! line per running approach that each run replaces; elsewhere, one plain line per approach
//! when it completes. `--verbose` keeps a line for every run, warm-ups included.
//!
//! Progress must not change what is measured, so nothing here runs inside a timed task. Tasks
//! already bump their recorder's division counter every [`crate::plan::primes::PROGRESS_STEP`]
//! divisions and record each step as it ends; [`LiveProgress`] starts a thread in
//! [`Observer::started`] that reads those slots about ten times a second and redraws, and stops
//! it in [`Observer::finished`], outside the timed region. Process approaches fill the same
//! recorder from their children's reports, so they show the same way.
//!
//! With few tasks there is one bar per task. With more tasks than fit on the screen there is an
//! overall bar and one bar per worker lane, each showing the task it runs now.

use std::io::IsTerminal;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};
use indicatif::{MultiProgress, ProgressDrawTarget};

use crate::format::{format_kib, format_seconds};
use crate::run::approach::Approach;
use crate::run::bench::{Observer, RunMeasurement};
use crate::run::record::recorder::Recorder;

mod block;
mod board;

use block::Block;
use board::Board;
pub use board::{Shape, TaskView, divisions_in};

/// How often the drawing thread reads the recorder and redraws.
const TICK: Duration = Duration::from_millis(100);

/// Terminal rows kept free of bars (the prompt, the line printed as an approach finishes).
const RESERVED_ROWS: usize = 3;

/// The observer for a run: live bars when `wanted` and stderr is a terminal that can show
/// them, else plain lines. `pool_size` sizes the worker lanes.
pub fn observer(wanted: bool, pool_size: usize, ascii: bool) -> Box<dyn Observer> {
    observer_for(wanted, false, pool_size, ascii)
}

/// [`observer`], with a line for every run (warm-ups included) when `verbose`.
pub fn observer_for(
    wanted: bool,
    verbose: bool,
    pool_size: usize,
    ascii: bool,
) -> Box<dyn Observer> {
    let term_ok = std::env::var("TERM").map_or(true, |t| t != "dumb");
    if wanted && term_ok && std::io::stderr().is_terminal() {
        Box::new(LiveProgress::new(pool_size, ascii, verbose))
    } else {
        Box::new(PlainLines::new(verbose))
    }
}

/// The line printed on stderr when a run of an approach finishes (`run` says which).
pub fn finished_line(m: &RunMeasurement, run: &str) -> String {
    let check = if m.verified {
        "verified".to_string()
    } else {
        format!("FAILED: {}", m.problem.as_deref().unwrap_or(""))
    };
    format!(
        "{:<20} {run:<11} {:>10}  peak {:>9}  {check}",
        m.approach,
        format_seconds(m.wall_s),
        format_kib(m.peak_rss_kib)
    )
}

/// The line of a discarded warm-up run.
pub fn warmup_line(m: &RunMeasurement) -> String {
    format!(
        "{:<20} {:<11} {:>10}",
        m.approach,
        "warm-up",
        format_seconds(m.wall_s)
    )
}

/// The line printed when `approach` has all its measured `runs`: how many, their median wall
/// time, the largest peak memory, and whether every one passed its check.
pub fn complete_line(approach: &str, runs: &[RunMeasurement]) -> String {
    if runs.is_empty() {
        return format!("{approach:<20} no measured run");
    }
    let walls: Vec<f64> = runs.iter().map(|m| m.wall_s).collect();
    let peak = runs.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    let check = match runs.iter().find(|m| !m.verified) {
        None => "verified".to_string(),
        Some(m) => format!("FAILED: {}", m.problem.as_deref().unwrap_or("")),
    };
    let n = runs.len();
    format!(
        "{approach:<20} {:<11} {:>10}  peak {:>9}  {check}",
        format!("{n} run{}", if n == 1 { "" } else { "s" }),
        format_seconds(crate::stats::median(&walls)),
        format_kib(peak)
    )
}

/// Plain lines on stderr (no escape codes): one per approach when it completes, or one per run
/// (warm-ups, then "run i/n") when `verbose`.
#[derive(Default)]
pub struct PlainLines {
    /// (approach, measured runs so far, runs planned)
    counts: Vec<(String, u32, u32)>,
    /// A line for every run, not one per approach.
    verbose: bool,
}

impl PlainLines {
    /// Plain lines, one for every run when `verbose`.
    pub fn new(verbose: bool) -> Self {
        Self {
            counts: Vec::new(),
            verbose,
        }
    }

    fn count(&mut self, approach: &str) -> &mut (String, u32, u32) {
        if let Some(i) = self.counts.iter().position(|c| c.0 == approach) {
            return &mut self.counts[i];
        }
        self.counts.push((approach.to_string(), 0, 0));
        self.counts.last_mut().expect("just pushed")
    }

    /// The line of the measured run `m`, counted as its approach's next.
    fn run_line(&mut self, m: &RunMeasurement) -> String {
        let c = self.count(&m.approach);
        c.1 += 1;
        let run = if c.2 > 0 {
            format!("run {}/{}", c.1, c.2)
        } else {
            format!("run {}", c.1)
        };
        finished_line(m, &run)
    }
}

impl Observer for PlainLines {
    fn planned(&mut self, approach: &str, _warmups: u32, runs: u32) {
        // Told once per approach per measured batch: a new batch (a sweep's next pool size)
        // counts from 1 again.
        *self.count(approach) = (approach.to_string(), 0, runs);
    }

    fn discarded(&mut self, m: &RunMeasurement) {
        if self.verbose {
            crate::say::err_line(warmup_line(m));
        }
    }

    fn finished(&mut self, m: &RunMeasurement) {
        let line = self.run_line(m);
        if self.verbose {
            crate::say::err_line(line);
        }
    }

    fn complete(&mut self, approach: &str, runs: &[RunMeasurement]) {
        if !self.verbose {
            crate::say::err_line(complete_line(approach, runs));
        }
    }

    fn waiting(&mut self, why: &str) {
        crate::say::err_line(why);
    }
}

/// Live bars on stderr, redrawn by a thread of their own.
pub struct LiveProgress {
    lines: PlainLines,
    block: Block,
    multi: MultiProgress,
    pool_size: usize,
    ascii: bool,
    drawer: Option<Drawer>,
}

/// The drawing thread of one approach, and the way to stop it.
struct Drawer {
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl LiveProgress {
    /// Bars on stderr; worker lanes sized by `pool_size`; `ascii` avoids Unicode blocks; every
    /// run's line kept when `verbose`.
    pub fn new(pool_size: usize, ascii: bool, verbose: bool) -> Self {
        Self {
            lines: PlainLines::new(verbose),
            block: Block::default(),
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            pool_size,
            ascii,
            drawer: None,
        }
    }

    /// Stops the drawing thread, which clears its bars.
    fn stop(&mut self) {
        if let Some(d) = self.drawer.take() {
            drop(d.stop);
            let _ = d.thread.join();
        }
        let _ = self.multi.clear();
    }
}

impl Observer for LiveProgress {
    fn waiting(&mut self, why: &str) {
        // The bars go first, so the line is not drawn over.
        self.stop();
        self.lines.waiting(why);
    }

    fn started(&mut self, approach: &dyn Approach, recorder: &Arc<Recorder>) {
        self.stop();
        // Worker processes then report each start at once, for the board to show.
        recorder.watch();
        let info = approach.info();
        let tasks = recorder.task_count() as usize;
        let width = info
            .cpu_width
            .resolve(self.pool_size, tasks)
            .max(info.wait_width.resolve(self.pool_size, tasks));
        let room = terminal_size()
            .0
            .saturating_sub(RESERVED_ROWS + self.block.height())
            .max(2);
        let mut board = Board::new(
            &self.multi,
            info.id,
            info.family,
            recorder,
            Shape::choose(tasks, width, room),
            self.ascii,
        );
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let rec = Arc::clone(recorder);
        let spawned = std::thread::Builder::new()
            .name("parlab-progress".into())
            .spawn(move || {
                loop {
                    board.update(&rec);
                    match stopped.recv_timeout(TICK) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
                board.clear();
            });
        // Without a thread there is simply no live display; the plain line still comes.
        self.drawer = spawned.ok().map(|thread| Drawer { stop, thread });
    }

    fn planned(&mut self, approach: &str, warmups: u32, runs: u32) {
        self.lines.planned(approach, warmups, runs);
    }

    fn discarded(&mut self, m: &RunMeasurement) {
        self.stop();
        let line = warmup_line(m);
        if self.lines.verbose {
            self.block.print(line);
        } else {
            self.block.set(&m.approach, line);
        }
    }

    fn finished(&mut self, m: &RunMeasurement) {
        self.stop();
        let line = self.lines.run_line(m);
        if self.lines.verbose {
            self.block.print(line);
        } else {
            self.block.set(&m.approach, line);
        }
    }

    fn complete(&mut self, approach: &str, runs: &[RunMeasurement]) {
        self.stop();
        let line = (!self.lines.verbose).then(|| complete_line(approach, runs));
        self.block.settle(approach, line);
    }
}

impl Drop for LiveProgress {
    fn drop(&mut self) {
        // An approach that failed or was interrupted never reaches `finished`.
        self.stop();
    }
}

/// The rows and columns of the terminal stderr writes to (24 × 80 if it cannot say).
fn terminal_size() -> (usize, usize) {
    let size = terminal_size::terminal_size_of(std::io::stderr());
    let or = |v: Option<u16>, default: usize| v.filter(|&v| v > 0).map_or(default, usize::from);
    (
        or(size.map(|(_, terminal_size::Height(h))| h), 24),
        or(size.map(|(terminal_size::Width(w), _)| w), 80),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finished_line_is_plain() {
        let m = RunMeasurement {
            approach: "threads".into(),
            wall_s: 1.5,
            cpu_user_s: 0.0,
            cpu_sys_s: 0.0,
            peak_rss_kib: 2048,
            child_peak_rss_kib: None,
            voluntary_switches: 0,
            involuntary_switches: 0,
            verified: true,
            problem: None,
            tasks: vec![],
            children: vec![],
            concurrency: None,
            warmups: 0,
            foreign_cpu_s: None,
            fixed_cost_s: None,
        };
        let line = finished_line(&m, "run 1/3");
        assert!(
            line.starts_with("threads ") && line.ends_with("verified"),
            "{line}"
        );
        assert!(!line.contains('\x1b'));
    }
}
