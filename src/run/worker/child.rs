//! The worker's side: `parlab worker` reads task ranges from its stdin, runs each task with the
//! same code the in-process approaches use ([`crate::run::exec`]), and reports over its stdout.
//!
//! It is single-threaded and does nothing between tasks but read and write frames. It stops
//! when its stdin closes (after sending its own figures), and on its own if its parent goes
//! away: it asks the kernel for SIGKILL when the parent dies, and a failed write to its stdout
//! cancels the task it is running.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::fault::Fault;
use super::protocol::{
    FrameError, FrameReader, FromWorker, PROTOCOL_VERSION, STEPS_PER_FRAME, StepSpan, ToWorker,
    WorkerFigures, encode,
};
use crate::cancel::Cancel;
use crate::plan::custom::TaskRunner;
use crate::plan::workload::WorkSpec;
use crate::run::exec;
use crate::run::record::recorder::Recorder;

/// The longest panic message sent to the parent, bytes.
const PANIC_MESSAGE_BYTES: usize = 1000;

/// Why a worker stopped before its stdin closed.
#[derive(Debug, thiserror::Error)]
enum WorkerError {
    /// Its stdout is gone: the parent no longer listens, so there is no one to tell.
    #[error("the parent stopped listening: {0}")]
    ParentGone(io::Error),
    /// Its stdin could not be read.
    #[error("reading tasks: {0}")]
    Input(io::Error),
    /// Its stdin held something other than task frames (or a frame could not be made).
    #[error("frames: {0}")]
    Protocol(#[from] FrameError),
}

/// Reads `parlab worker [--parent PID]` without clap: building parlab's whole command-line
/// parser is about a quarter of a worker's start-up, which `process` pays for every task.
/// Gives the parent's pid (if given) for that exact argument list, None for any other (clap
/// then parses it, and explains any mistake).
pub fn fast_args(args: &[std::ffi::OsString]) -> Option<Option<u32>> {
    match args {
        [_, cmd] if cmd == "worker" => Some(None),
        [_, cmd, flag, pid] if cmd == "worker" && flag == "--parent" => {
            pid.to_str()?.parse().ok().map(Some)
        }
        _ => None,
    }
}

/// Runs the worker until its stdin closes; `parent` is the pid that started it, `custom` what
/// runs custom steps.
pub fn main(parent: Option<u32>, custom: Option<Arc<dyn TaskRunner>>) -> ExitCode {
    die_with_parent(parent);
    // Commands (--command) come in the environment; a library user's function from its own
    // program, which serves this worker (see crate::lab).
    let custom = custom.or_else(|| {
        crate::run::shell::CommandRunner::from_worker_env()
            .map(|r| Arc::new(r) as Arc<dyn TaskRunner>)
    });
    let fault = match Fault::from_env() {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(io::stderr(), "parlab worker: {e}");
            return ExitCode::from(2);
        }
    };
    let out = match Out::stdout() {
        Ok(out) => out,
        Err(e) => {
            let _ = writeln!(io::stderr(), "parlab worker: cannot use stdout: {e}");
            return ExitCode::from(2);
        }
    };
    match serve(&out, fault, &custom) {
        Ok(()) => ExitCode::SUCCESS,
        Err(WorkerError::ParentGone(_)) => ExitCode::from(1),
        Err(e) => {
            // Told to the parent, so that its one error line says why this worker ended;
            // on stderr only if the parent cannot be told.
            let message = cut_to(format!("parlab worker: {e}"), PANIC_MESSAGE_BYTES);
            if out.send(&FromWorker::Stopped { message }).is_err() {
                let _ = writeln!(io::stderr(), "parlab worker: {e}");
            }
            ExitCode::from(2)
        }
    }
}

/// Asks the kernel to kill this worker when its parent dies, so a parent killed outright
/// (SIGKILL, a crash) leaves no worker behind; exits now if the parent is already gone.
pub(crate) fn die_with_parent(parent: Option<u32>) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_PDEATHSIG) takes plain integers and changes only this process.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        // SAFETY: getppid cannot fail.
        let ppid = unsafe { libc::getppid() } as u32;
        if parent.is_some_and(|p| p != ppid) {
            std::process::exit(1);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = parent;
}

/// The worker's stdout, written one whole frame per write, or several: a frame queued with
/// [`Out::queue`] goes out with the next one sent.
struct Out {
    file: RefCell<File>,
    buf: RefCell<Vec<u8>>,
}

impl Out {
    /// Takes over stdout (a duplicate of its descriptor: Rust's `Stdout` buffers by line, and
    /// frames are binary), and installs a panic hook that reports panics as a frame.
    fn stdout() -> io::Result<Self> {
        let fd = io::stdout().as_fd().try_clone_to_owned()?;
        let hook_out = File::from(fd.try_clone()?);
        std::panic::set_hook(Box::new(move |info| {
            let message = cut_to(info.to_string().replace('\n', " "), PANIC_MESSAGE_BYTES);
            let mut frame = Vec::new();
            let msg = FromWorker::Panicked { message };
            // One write of a small frame is atomic on a pipe, so it cannot land inside a frame
            // the worker was writing when it panicked.
            if encode(&msg, &mut frame).is_err() || (&hook_out).write_all(&frame).is_err() {
                let _ = writeln!(io::stderr(), "parlab worker {info}");
            }
        }));
        Ok(Self {
            file: RefCell::new(File::from(fd)),
            buf: RefCell::new(Vec::with_capacity(256)),
        })
    }

    /// Writes `msg`, after whatever was queued, in one write (what was queued is dropped if
    /// `msg` cannot be made a frame).
    fn send(&self, msg: &FromWorker) -> Result<(), WorkerError> {
        self.queue(msg)?;
        self.flush()
    }

    /// Keeps `msg` to go out with the next frame sent.
    fn queue(&self, msg: &FromWorker) -> Result<(), WorkerError> {
        let mut buf = self.buf.borrow_mut();
        encode(msg, &mut buf).inspect_err(|_| buf.clear())?;
        Ok(())
    }

    /// Writes what was queued, if anything.
    fn flush(&self) -> Result<(), WorkerError> {
        let mut buf = self.buf.borrow_mut();
        if buf.is_empty() {
            return Ok(());
        }
        let written = self.file.borrow_mut().write_all(&buf);
        buf.clear();
        written.map_err(WorkerError::ParentGone)
    }
}

/// Says hello, runs every range of tasks that arrives, and reports its figures at the end.
fn serve(
    out: &Out,
    fault: Option<Fault>,
    custom: &Option<Arc<dyn TaskRunner>>,
) -> Result<(), WorkerError> {
    out.send(&FromWorker::Hello {
        protocol: PROTOCOL_VERSION,
        pid: std::process::id(),
    })?;
    let mut input = File::from(
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(WorkerError::Input)?,
    );
    let mut frames = FrameReader::new();
    let mut buf = vec![0u8; 4096];
    loop {
        while let Some(msg) = frames.next_message::<ToWorker>()? {
            match msg {
                ToWorker::Tasks {
                    work,
                    first,
                    count,
                    origin_mono_ns,
                    announce,
                } => run_tasks(
                    out,
                    &work,
                    (first, count, announce),
                    origin_mono_ns,
                    (fault, custom),
                )?,
            }
        }
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => frames.push(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WorkerError::Input(e)),
        }
    }
    frames.finish()?;
    out.send(&FromWorker::Figures(own_figures()))
}

/// Runs tasks `first .. first + count`, reporting each on the parent's clock; `announce` sends
/// each start at once rather than with the task's next report.
fn run_tasks(
    out: &Out,
    work: &WorkSpec,
    (first, count, announce): (u32, u32, bool),
    origin_mono_ns: u64,
    (fault, custom): (Option<Fault>, &Option<Arc<dyn TaskRunner>>),
) -> Result<(), WorkerError> {
    let origin = instant_at(origin_mono_ns);
    let plan = work.plan();
    let cancel = Cancel::new();
    for task in (first..).take(count as usize) {
        // A fresh single-task recorder per task: its slots say exactly which steps this task
        // ran, and memory stays the same however many tasks a range holds.
        let rec = Recorder::new(1, &plan, origin)
            .first_task_is(task)
            .with_custom(custom.clone());
        let started = FromWorker::Started {
            task,
            at_ns: rec.now_ns(),
        };
        if announce {
            out.send(&started)?;
        } else {
            out.queue(&started)?;
        }
        if let Some(f) = fault.filter(|f| f.task == task && f.in_worker()) {
            // The test hook's fault comes after a start the parent has heard of.
            out.flush()?;
            f.trigger();
        }
        let lost = RefCell::new(None);
        let report = |divisions| {
            if let Err(e) = out.send(&FromWorker::Progress { task, divisions }) {
                lost.borrow_mut().get_or_insert(e);
                cancel.fail();
            }
        };
        let result = exec::run_blocking_reporting(&rec, &cancel, work, 0, &report);
        let end_ns = rec.now_ns();
        if let Some(e) = lost.into_inner() {
            return Err(e);
        }
        // Nothing but a lost parent cancels a worker's task.
        let Ok(answer) = result else {
            return Err(WorkerError::ParentGone(io::ErrorKind::BrokenPipe.into()));
        };
        let problem = rec.first_problem().map(|p| cut_to(p, PANIC_MESSAGE_BYTES));
        let child_peak_rss_kib = rec.child_peak_kib().unwrap_or(0);
        if problem.is_some() || child_peak_rss_kib > 0 {
            out.send(&FromWorker::Custom {
                task,
                child_peak_rss_kib,
                problem,
            })?;
        }
        let mut steps: Vec<StepSpan> = (0..plan.len())
            .filter_map(|s| {
                rec.step_span_ns(0, s).map(|(start_ns, end_ns)| StepSpan {
                    step: s as u32,
                    start_ns,
                    end_ns,
                    cpu_ns: rec.step_cpu_ns(0, s),
                })
            })
            .collect();
        // A task of many steps (thousands of `net` requests) sends all but its last ones in
        // frames of their own, each under the frame limit, in the same write as its end.
        let earlier = (steps.len().saturating_sub(1) / STEPS_PER_FRAME) * STEPS_PER_FRAME;
        if earlier > 0 {
            for chunk in steps[..earlier].chunks(STEPS_PER_FRAME) {
                out.queue(&FromWorker::Steps {
                    task,
                    steps: chunk.to_vec(),
                })?;
            }
            steps.drain(..earlier);
        }
        out.send(&FromWorker::Finished {
            task,
            answer,
            end_ns,
            steps,
        })?;
    }
    Ok(())
}

/// `text` cut to at most `bytes` bytes, on a character boundary.
fn cut_to(mut text: String, bytes: usize) -> String {
    if text.len() > bytes {
        let mut cut = bytes;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// The `Instant` that is `origin_mono_ns` on `CLOCK_MONOTONIC`: a recorder counting from it
/// records times on the parent's clock.
fn instant_at(origin_mono_ns: u64) -> Instant {
    let since = super::mono_now_ns().saturating_sub(origin_mono_ns);
    let now = Instant::now();
    now.checked_sub(Duration::from_nanos(since)).unwrap_or(now)
}

/// This worker's own resource figures (see [`crate::run::worker`] on which peak is its own).
fn own_figures() -> WorkerFigures {
    // SAFETY: getrusage fills the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    WorkerFigures {
        // Without /proc there is no figure of the worker's own; 0 says "unknown" rather than
        // passing on the parent's peak.
        peak_rss_kib: crate::run::record::measure::status_field("VmHWM:").unwrap_or(0),
        ru_maxrss_kib: ru.ru_maxrss as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_worker_command_line_skips_clap() {
        let args = |a: &[&str]| {
            a.iter()
                .map(Into::into)
                .collect::<Vec<std::ffi::OsString>>()
        };
        assert_eq!(fast_args(&args(&["parlab", "worker"])), Some(None));
        assert_eq!(
            fast_args(&args(&["parlab", "worker", "--parent", "42"])),
            Some(Some(42))
        );
        for other in [
            &["parlab"][..],
            &["parlab", "run"],
            &["parlab", "worker", "--parent"],
            &["parlab", "worker", "--parent", "x"],
            &["parlab", "worker", "--help"],
            &["parlab", "list", "--parent", "42"],
        ] {
            assert_eq!(fast_args(&args(other)), None, "{other:?}");
        }
    }
}
