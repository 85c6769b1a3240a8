//! What parlab hears from the cluster's other processes during a run, local or joined from
//! another host alike, and what it watches for.
//!
//! A process writes a line `start TASK WORKER NS` as each of its tasks starts (the progress
//! display, `--task-timeout`, and the task a dead process held all come from it; the task's
//! exact times come later with its record), and `end PEAK_KIB USER_NS SYS_NS`, its own peak
//! memory and the CPU time it used, once its workers are done; and `beat` every [`BEAT`] from
//! a thread of its own, whatever its workers do, so that a process that says nothing for
//! [`KEEPALIVE`] is known to be stopped (SIGSTOP), stuck, or cut off by the network, and the
//! run ends instead of waiting for it for ever. (parlab says `beat` to a joined process in the
//! same way, see `super::join`.) A line is written whole (one
//! write to a pipe, or under a lock on a socket), so the workers of one process never
//! interleave.

use std::sync::Arc;
use std::time::Duration;

use super::Layout;
use crate::format::{first_few, format_seconds};
use crate::run::record::RunContext;
use crate::run::record::recorder::Recorder;

/// What one line from a cluster process says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// A task started, on parlab's clock.
    Start {
        /// The task.
        task: u32,
        /// The worker, as parlab numbers them.
        worker: u32,
        /// When, ns since the run's origin.
        ns: u64,
    },
    /// The process's workers are done: its own figures.
    End(EndFigures),
    /// Anything else.
    Other,
}

/// What a process says of itself at its end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndFigures {
    /// Its peak resident memory, KiB.
    pub peak_kib: u64,
    /// User CPU time it used, ns.
    pub user_ns: u64,
    /// System CPU time, ns.
    pub sys_ns: u64,
}

impl EndFigures {
    /// The CPU time as (user, system) seconds.
    pub fn cpu_s(self) -> (f64, f64) {
        (self.user_ns as f64 / 1e9, self.sys_ns as f64 / 1e9)
    }
}

/// How often a cluster process says `beat`.
pub const BEAT: Duration = Duration::from_secs(1);

/// How long a process may say nothing (not even `beat`) before it is taken for stopped, stuck
/// or cut off: eight beats missed, generous on a busy machine.
pub const KEEPALIVE: Duration = Duration::from_secs(8);

/// The line that says the process is alive.
pub const BEAT_LINE: &str = "beat\n";

/// Writes [`BEAT_LINE`] with `say` every [`BEAT`] on a thread of its own, until `say` fails.
pub fn beat_forever(say: impl Fn(&str) -> std::io::Result<()> + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("cluster:beat".into())
        .spawn(move || {
            while say(BEAT_LINE).is_ok() {
                std::thread::sleep(BEAT);
            }
        });
}

/// Why a process said nothing for [`KEEPALIVE`], for its error: a local process's state says
/// whether it was stopped.
pub fn silent(local_pid: Option<u32>) -> String {
    let stopped = local_pid.is_some_and(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().to_owned())
            })
            .is_some_and(|rest| rest.starts_with('T') || rest.starts_with('t'))
    });
    let why = if stopped {
        "it is stopped (SIGSTOP, Ctrl-Z or a debugger)"
    } else if local_pid.is_some() {
        "it is stuck"
    } else {
        "it is stopped or stuck, or the network to it is down"
    };
    format!(
        "said nothing for {} s: {why}; the run was stopped",
        KEEPALIVE.as_secs()
    )
}

/// The line that says a task started.
pub fn start_line(task: u32, worker: u32, ns: u64) -> String {
    format!("start {task} {worker} {ns}\n")
}

/// The line a process ends with.
pub fn end_line(f: EndFigures) -> String {
    format!("end {} {} {}\n", f.peak_kib, f.user_ns, f.sys_ns)
}

/// Reads one line.
pub fn parse(line: &str) -> Heard {
    let mut words = line.split_whitespace();
    let first = words.next();
    let mut number = || words.next().and_then(|w| w.parse::<u64>().ok());
    match first {
        Some("start") => match (number(), number(), number()) {
            (Some(task), Some(worker), Some(ns)) => {
                match (u32::try_from(task), u32::try_from(worker)) {
                    (Ok(task), Ok(worker)) => Heard::Start { task, worker, ns },
                    _ => Heard::Other,
                }
            }
            _ => Heard::Other,
        },
        Some("end") => match (number(), number(), number()) {
            (Some(peak_kib), Some(user_ns), Some(sys_ns)) => Heard::End(EndFigures {
                peak_kib,
                user_ns,
                sys_ns,
            }),
            _ => Heard::Other,
        },
        _ => Heard::Other,
    }
}

/// Records a start heard from a process of `layout` (one that names no task or worker of the
/// run is ignored: it came over a network).
pub fn started(rec: &Recorder, layout: Layout, task: u32, worker: u32, ns: u64) {
    if task < rec.task_count() && (worker as usize) < layout.workers() {
        rec.start_once(task, worker, ns);
    }
}

/// What cluster process `process` held when it stopped, for its error: the task each of its
/// workers had started last without its result coming back, or else the tasks of its share not
/// yet back.
pub fn held(ctx: &RunContext, layout: Layout, process: usize) -> String {
    let rec = &ctx.recorder;
    let mine: Vec<u32> = (0..ctx.tasks)
        .filter(|&t| layout.process_of_task(t) == process && !rec.task_state(t).1)
        .collect();
    // The last start on each worker: (worker, start, task).
    let mut last: Vec<(u32, u64, u32)> = Vec::new();
    for &t in mine.iter().filter(|&&t| rec.task_state(t).0) {
        let now = rec.task_now(t);
        let start = now.start_ns.unwrap_or(0);
        match last.iter_mut().find(|l| l.0 == now.worker) {
            Some(l) if l.1 < start => *l = (now.worker, start, t),
            Some(_) => {}
            None => last.push((now.worker, start, t)),
        }
    }
    let names = |tasks: &[u32]| {
        let v: Vec<String> = tasks.iter().map(u32::to_string).collect();
        first_few(&v, 5)
    };
    let mut running: Vec<u32> = last.iter().map(|l| l.2).collect();
    running.sort_unstable();
    let others: Vec<u32> = mine.into_iter().filter(|t| !running.contains(t)).collect();
    match (running.is_empty(), others.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!(", before task(s) {} came back", names(&others)),
        (false, true) => format!(", while running task {}", names(&running)),
        (false, false) => format!(
            ", while running task {} (task(s) {} not back yet)",
            names(&running),
            names(&others)
        ),
    }
}

/// An error when a task has run longer than `--task-timeout`, naming it, its worker and its
/// process.
pub fn overdue(ctx: &RunContext, layout: Layout) -> Result<(), String> {
    let Some(limit) = ctx.task_timeout else {
        return Ok(());
    };
    let now = ctx.recorder.now_ns();
    for task in 0..ctx.tasks {
        if ctx.recorder.task_state(task) != (true, false) {
            continue;
        }
        let t = ctx.recorder.task_now(task);
        let Some(start) = t.start_ns else { continue };
        let took = now.saturating_sub(start);
        if took > limit.as_nanos() as u64 {
            let process = t.worker as usize / layout.threads.max(1);
            let whose = match process {
                0 => "in parlab, cluster process 0".to_owned(),
                p => format!("in cluster process {p}"),
            };
            return Err(format!(
                "task {task} ran on worker {} ({whose}) for {} without finishing, longer than \
                 --task-timeout {}: the run was stopped and every cluster process ended",
                t.worker,
                format_seconds(took as f64 / 1e9),
                format_seconds(limit.as_secs_f64())
            ));
        }
    }
    Ok(())
}

/// A cancel flag for the run's own workers, raised when the guard drops: whatever way a run
/// ends, parlab's timely workers stop their task instead of running on after it.
pub struct StopOnDrop(pub crate::cancel::Cancel);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.fail();
    }
}

/// The recorder as the start callback of parlab's own workers wants it.
pub fn record_start(rec: Arc<Recorder>) -> impl Fn(u32, u32, u64) + Send + Sync + 'static {
    move |task, worker, ns| {
        rec.start_once(task, worker, ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_starts_and_ends_and_nothing_else() {
        assert_eq!(
            parse(start_line(3, 1, 99).trim()),
            Heard::Start {
                task: 3,
                worker: 1,
                ns: 99
            }
        );
        let f = EndFigures {
            peak_kib: 5120,
            user_ns: 2_000_000,
            sys_ns: 1,
        };
        assert_eq!(parse(&end_line(f)), Heard::End(f));
        assert_eq!(f.cpu_s().0, 0.002);
        for bad in [
            "",
            "start",
            "start 1 2",
            "start x 1 2",
            "end 1 2",
            "port 5",
            "start 1 99999999999 3",
        ] {
            assert_eq!(parse(bad), Heard::Other, "{bad}");
        }
    }
}
