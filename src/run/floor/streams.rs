//! The primitives used the way the pools use them, with several operations in flight at once:
//! the floors `scripts/perf-check` holds the pools to.
//!
//! A pool does not pay one round trip per task: process-pool keeps each of its workers busy,
//! thread-pool's threads drain a queue filled up front, `threads` starts every thread before it
//! joins any. Held to a single round trip, their ratios sat near 0.1 and swung 5x, because a
//! lone round trip is slow when the other core sleeps (it must be woken) and fast when both are
//! busy, while a busy pool hardly notices. The same primitive used the same way moves with the
//! pool, and the ratio stays near 1.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::plan::workload::{NetSpec, WorkSpec, WorkloadKind};
use crate::run::worker::protocol::{FrameReader, ToWorker, encode};

/// Workers a pool starts by default: one per logical core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// One task's frame, as process-pool sends it.
pub(super) fn task_frame() -> Option<Vec<u8>> {
    let msg = ToWorker::Tasks {
        work: WorkSpec {
            workload: WorkloadKind::Noop,
            number: 0,
            io_wait_ns: 0,
            net: NetSpec::DEFAULT,
        },
        first: 0,
        count: 1,
        origin_mono_ns: 0,
        announce: false,
    };
    let mut frame = Vec::new();
    encode(&msg, &mut frame).ok()?;
    Some(frame)
}

/// A `cat` echoing frames back, read whole as parlab's parent reads its workers.
pub(super) struct Echo {
    child: Child,
    input: Option<ChildStdin>,
    output: ChildStdout,
    frames: FrameReader,
}

impl Echo {
    /// Starts one (None: no `cat` here).
    pub(super) fn start() -> Option<Self> {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let (input, output) = (child.stdin.take(), child.stdout.take());
        let (Some(input), Some(output)) = (input, output) else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        Some(Self {
            child,
            input: Some(input),
            output,
            frames: FrameReader::new(),
        })
    }

    /// Writes one frame.
    pub(super) fn send(&mut self, frame: &[u8]) -> Option<()> {
        self.input.as_mut()?.write_all(frame).ok()
    }

    /// Reads until one whole frame is back, and decodes it.
    pub(super) fn answer(&mut self, buf: &mut [u8]) -> Option<()> {
        loop {
            if self.frames.next_message::<ToWorker>().ok()?.is_some() {
                return Some(());
            }
            let got = self.output.read(buf).ok()?;
            if got == 0 {
                return None;
            }
            self.frames.push(&buf[..got]);
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` task frames through one `cat` per core, one frame in flight to each at a time (each
/// answer read is followed by the next frame to that process), as process-pool keeps its
/// workers busy.
pub(super) fn pipe_pool(n: u64) -> Option<Duration> {
    let frame = task_frame()?;
    let mut echoes: Vec<Echo> = (0..cores()).map(|_| Echo::start()).collect::<Option<_>>()?;
    let mut buf = vec![0u8; 4096];
    let start = Instant::now();
    let mut sent = 0;
    for e in &mut echoes {
        if sent < n {
            e.send(&frame)?;
            sent += 1;
        }
    }
    let mut answered = 0;
    while answered < n {
        for e in &mut echoes {
            if answered == sent {
                break;
            }
            e.answer(&mut buf)?;
            answered += 1;
            if sent < n {
                e.send(&frame)?;
                sent += 1;
            }
        }
    }
    Some(start.elapsed())
}

/// `n` messages sent into one queue up front, then drained by one thread per core (started
/// after the queue is filled, joined when it is empty), as thread-pool runs its tasks.
pub(super) fn queue_drain(n: u64) -> Option<Duration> {
    let start = Instant::now();
    let (tx, rx) = crossbeam_channel::unbounded::<u64>();
    for i in 0..n {
        tx.send(i).ok()?;
    }
    drop(tx);
    let drains: Vec<_> = (0..cores())
        .map(|w| {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("floor:drain-{w}"))
                .spawn(move || rx.iter().fold(0u64, |a, x| a.wrapping_add(x)))
                .ok()
        })
        .collect::<Option<_>>()?;
    let mut sum = 0u64;
    for d in drains {
        sum = sum.wrapping_add(d.join().ok()?);
    }
    std::hint::black_box(sum);
    Some(start.elapsed())
}

/// `n` std threads all spawned, then all joined, as `threads` runs its tasks.
pub(super) fn thread_burst(n: u64) -> Option<Duration> {
    let start = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(std::thread::Builder::new().spawn(|| ()).ok()?);
    }
    for h in handles {
        h.join().ok()?;
    }
    Some(start.elapsed())
}
