//! parlab's side of its worker processes: starting them, handing them tasks, recording what they
//! report on the parent's timeline, and reaping or killing every one of them on every path.
//!
//! One thread does it all with `poll(2)` over the workers' stdout pipes, waking at least every
//! 50 ms to look at the cancel flag, so Ctrl-C or SIGTERM is noticed within that time (at
//! once, in practice: the signal interrupts `poll`). A worker's death shows as the end of its
//! stdout; it is reaped there and then, and its exit status becomes the error message. Every
//! worker runs in its own process group, so the terminal's Ctrl-C reaches only parlab, which
//! then kills each group. Whatever way [`run`] returns, the crew's `Drop` (see `crew.rs`) kills
//! and reaps every worker still alive: no orphan, no zombie.
//!
//! Workers ask the kernel to kill them if the thread that started them exits (see
//! [`super::child`]); that is safe because no worker outlives the [`run`] call that started it.

use std::time::{Duration, Instant};

use super::crew::Crew;
use crate::run::record::{ApproachError, Outcome, RunContext};

/// The longest the parent waits for a worker's report before looking at the cancel flag again.
const POLL: Duration = Duration::from_millis(50);

/// While starting one worker per task, how often the parent stops to read what the running
/// ones reported (so a death is noticed, and finished workers are reaped, as it goes).
const DRAIN_EVERY: Duration = Duration::from_millis(20);

/// How an approach hands its tasks to workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// A new worker for every task, each given its one task as it starts.
    PerTask,
    /// `workers` persistent workers; tasks cut into ranges of `chunk`, and each worker given
    /// the next range whenever it has finished the last.
    Pool {
        /// How many workers.
        workers: usize,
        /// Tasks per range handed out.
        chunk: u32,
    },
}

/// Runs every task of `ctx` in worker processes, as `dispatch` says, for approach `id`.
pub fn run(
    id: &'static str,
    ctx: &RunContext,
    dispatch: Dispatch,
) -> Result<Outcome, ApproachError> {
    if ctx.cancel.is_cancelled() {
        return Err(ApproachError::Cancelled);
    }
    let mut crew = Crew::new(id, ctx)?;
    let mut idle = Vec::new();
    match dispatch {
        Dispatch::PerTask => {
            make_room_for(ctx.tasks);
            let mut drained = Instant::now();
            for task in 0..ctx.tasks {
                if ctx.cancel.is_cancelled() {
                    return Err(ApproachError::Cancelled);
                }
                let w = crew.spawn()?;
                crew.hand(w, task..task + 1, true)?;
                if drained.elapsed() >= DRAIN_EVERY {
                    crew.pump(Duration::ZERO, &mut idle)?;
                    drained = Instant::now();
                }
            }
        }
        Dispatch::Pool { workers, chunk } => {
            let chunk = chunk.max(1);
            let tasks = ctx.tasks;
            let mut ranges = (0..tasks)
                .step_by(chunk as usize)
                .map(|first| first..first.saturating_add(chunk).min(tasks))
                .peekable();
            for _ in 0..workers.max(1) {
                let Some(range) = ranges.next() else { break };
                let w = crew.spawn()?;
                crew.hand(w, range, ranges.peek().is_none())?;
            }
            while crew.busy() {
                crew.pump(POLL, &mut idle)?;
                for w in idle.drain(..) {
                    match ranges.next() {
                        Some(range) => crew.hand(w, range, ranges.peek().is_none())?,
                        None => crew.close(w),
                    }
                }
            }
        }
    }
    while crew.busy() {
        crew.pump(POLL, &mut idle)?;
        idle.clear();
    }
    Ok(crew.finish())
}

/// Raises this process's open-file limit to its hard limit if `children` workers, one pipe
/// each, might not fit under the soft one.
fn make_room_for(children: u32) {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0
            && rl.rlim_cur < children as libc::rlim_t + 64
            && rl.rlim_cur < rl.rlim_max
        {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
}

pub use crate::machine::process_limit;

pub use super::exit::describe;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    #[test]
    fn exit_statuses_in_words() {
        assert_eq!(
            describe(ExitStatus::from_raw(libc::SIGKILL)),
            "killed by signal 9 (SIGKILL)"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(3 << 8)),
            "exited with status 3"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(101 << 8)),
            "exited with status 101"
        );
    }

    #[test]
    fn the_process_limit_is_sensible() {
        let limit = process_limit();
        assert!((1..100_000_000).contains(&limit), "{limit}");
    }
}
