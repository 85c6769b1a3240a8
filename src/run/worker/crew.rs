//! The worker processes of one approach run, and everything parlab knows of each: what it was
//! handed, what it reported, how it ended.
//!
//! [`Crew`] starts workers, writes their task ranges, polls their stdout, checks every report
//! against what the worker was given before recording it, reaps each worker when its stdout
//! ends, and turns a bad end into an error naming the worker and its task. Its `Drop` kills
//! (by process group) and reaps every worker still alive, so no path out of a run leaves one.

use std::io::{self, Read, Write};
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::exit::describe;
use super::protocol::{
    FrameReader, FromWorker, PROTOCOL_VERSION, StepSpan, ToWorker, WorkerFigures, encode,
};
use crate::format::format_seconds;
use crate::run::record::{ApproachError, ChildFigures, Outcome, RunContext};
use crate::stats::RunningMedian;

/// One worker process and what the parent knows of it.
struct Worker {
    /// Its number in this run (the `worker` of its tasks' events).
    index: u32,
    pid: u32,
    child: Child,
    /// None once closed: no more tasks for it.
    stdin: Option<ChildStdin>,
    /// None once it ended (the worker has exited and been reaped).
    stdout: Option<ChildStdout>,
    frames: FrameReader,
    greeted: bool,
    /// Tasks handed to it and not yet finished.
    pending: Range<u32>,
    /// The task it reported starting and not yet finishing.
    running: Option<u32>,
    /// Since when its current task (running, or handed and not yet started) has been under way.
    task_since: Option<Instant>,
    /// Since when it has had no task left and nothing more to come (its stdin closed): it is
    /// to report its figures and exit.
    closing_since: Option<Instant>,
    figures: Option<WorkerFigures>,
    /// What it said of its end: a panic, or an error of its own.
    last_words: Option<String>,
    reaped: bool,
}

/// Every worker of one approach run. Dropping it kills and reaps whichever are still alive.
pub(super) struct Crew<'a> {
    id: &'static str,
    ctx: &'a RunContext,
    program: PathBuf,
    command: Command,
    /// The recorder's origin on `CLOCK_MONOTONIC`, ns, sent to workers.
    origin_mono_ns: u64,
    workers: Vec<Worker>,
    /// Workers whose stdout is still open, by index.
    live: Vec<usize>,
    /// Figures of the workers that ended well.
    figures: Vec<ChildFigures>,
    read_buf: Vec<u8>,
    write_buf: Vec<u8>,
    pollfds: Vec<libc::pollfd>,
    ready: Vec<usize>,
    /// How long each finished task took, s, as parlab saw it (for the stall hint): its median
    /// kept up to date as tasks finish, as sorting them all again whenever a task ran long
    /// made the parent's cost per task grow with the tasks run.
    task_times: RunningMedian,
    /// Whether the user was told of `--task-timeout` in this run.
    hinted: bool,
    /// Whether workers send each task's start at once (see [`ToWorker::Tasks`]): when a
    /// progress display or `--task-timeout` watches it, or tasks wait (a run stopped during a
    /// long wait knows which tasks were under way).
    announce: bool,
}

/// A task is said to be stalled after this many times the median task so far.
const STALL_FACTOR: f64 = 10.0;

/// ... and never before this long, s: short tasks vary too much for the factor alone.
const STALL_FLOOR_S: f64 = 2.0;

impl<'a> Crew<'a> {
    pub(super) fn new(id: &'static str, ctx: &'a RunContext) -> Result<Self, ApproachError> {
        let program = ctx.settings.worker_program().map_err(|e| {
            ApproachError::Failed(format!(
                "approach {id}: cannot find parlab's own executable to start workers: {e}"
            ))
        })?;
        let mut command = Command::new(&program);
        command
            .arg("worker")
            .arg("--parent")
            .arg(std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // The custom work (a --command) the worker installs, when there is one.
            .envs(ctx.settings.worker_env())
            // Its own process group: the terminal's Ctrl-C goes to parlab alone, which decides,
            // and one kill reaches anything the worker might start.
            .process_group(0);
        #[cfg(feature = "test-hooks")]
        super::fault::plan_stop_before_exec(&mut command);
        Ok(Self {
            id,
            ctx,
            program,
            command,
            origin_mono_ns: super::mono_now_ns().saturating_sub(ctx.recorder.now_ns()),
            workers: Vec::new(),
            live: Vec::new(),
            figures: Vec::new(),
            read_buf: vec![0; 64 * 1024],
            write_buf: Vec::with_capacity(64),
            pollfds: Vec::new(),
            ready: Vec::new(),
            task_times: RunningMedian::new(),
            hinted: false,
            announce: ctx.task_timeout.is_some()
                || ctx.recorder.watched()
                || ctx.recorder.plan().iter().any(|s| {
                    // A task that waits is seen running while it waits; one that computes says
                    // so with its first progress report, which carries its start.
                    !matches!(s, crate::plan::workload::Step::Divide { .. })
                }),
        })
    }

    /// Starts one more worker; returns its index.
    pub(super) fn spawn(&mut self) -> Result<usize, ApproachError> {
        let index = self.workers.len();
        #[cfg(feature = "test-hooks")]
        super::fault::STARTING.store(index as u32, std::sync::atomic::Ordering::SeqCst);
        let mut child = crate::run::spawn::spawn(&mut self.command).map_err(|e| {
            // A pool is told to shrink; a process per task, to pool.
            let pooled = crate::plan::approaches::find(self.id).is_some_and(|a| a.pooled);
            let hint = match e.raw_os_error() {
                _ if e.kind() == io::ErrorKind::NotFound => {
                    "; the parlab executable is gone (moved or deleted while running?)"
                }
                Some(libc::EAGAIN | libc::EMFILE | libc::ENFILE | libc::ENOMEM) if pooled => {
                    "; too many processes or open files: use a smaller --pool-size, or raise \
                     the limits (ulimit -u, ulimit -n)"
                }
                Some(libc::EAGAIN | libc::EMFILE | libc::ENFILE | libc::ENOMEM) => {
                    "; too many processes or open files: use fewer --tasks, or process-pool"
                }
                _ => "",
            };
            ApproachError::Failed(format!(
                "approach {}: could not start worker {index} ({}): {e}{hint}",
                self.id,
                self.program.display()
            ))
        })?;
        self.workers.push(Worker {
            index: index as u32,
            pid: child.id(),
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            child,
            frames: FrameReader::new(),
            greeted: false,
            pending: 0..0,
            running: None,
            task_since: None,
            closing_since: None,
            figures: None,
            last_words: None,
            reaped: false,
        });
        self.live.push(index);
        Ok(index)
    }

    /// Hands `tasks` to worker `w`; `last` closes its stdin after, as no more will follow.
    pub(super) fn hand(
        &mut self,
        w: usize,
        tasks: Range<u32>,
        last: bool,
    ) -> Result<(), ApproachError> {
        self.write_buf.clear();
        let msg = ToWorker::Tasks {
            work: self.ctx.work,
            first: tasks.start,
            count: tasks.len() as u32,
            origin_mono_ns: self.origin_mono_ns,
            announce: self.announce,
        };
        encode(&msg, &mut self.write_buf)
            .map_err(|e| ApproachError::Failed(format!("approach {}: {e}", self.id)))?;
        let worker = &mut self.workers[w];
        worker.pending = tasks;
        worker.task_since = Some(Instant::now());
        // The pipe is empty (the worker took its last frame before finishing its last range)
        // and the frame is tiny, so this write does not block. If it fails, the worker has
        // died: the end of its stdout will say how.
        if let Some(stdin) = worker.stdin.as_mut()
            && stdin.write_all(&self.write_buf).is_err()
        {
            worker.stdin = None;
        }
        if last {
            worker.stdin = None;
        }
        Ok(())
    }

    /// Tells worker `w` there is nothing more: it reports its figures and exits.
    pub(super) fn close(&mut self, w: usize) {
        let worker = &mut self.workers[w];
        worker.stdin = None;
        if worker.pending.is_empty() {
            worker.closing_since.get_or_insert_with(Instant::now);
        }
    }

    /// True while some worker has not ended.
    pub(super) fn busy(&self) -> bool {
        !self.live.is_empty()
    }

    /// Waits up to `timeout` for reports and handles all that arrived; workers that finished
    /// their range are added to `idle`. Fails if the run was cancelled or a worker failed.
    pub(super) fn pump(
        &mut self,
        timeout: Duration,
        idle: &mut Vec<usize>,
    ) -> Result<(), ApproachError> {
        if self.ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        self.pollfds.clear();
        for &w in &self.live {
            let fd = self.workers[w]
                .stdout
                .as_ref()
                .map_or(-1, |s| s.as_raw_fd());
            self.pollfds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
        // SAFETY: the pointer and length describe our own vector of pollfd structs.
        let n = unsafe { libc::poll(self.pollfds.as_mut_ptr(), self.pollfds.len() as _, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                // A signal: the caller comes back and looks at the cancel flag first.
                return Ok(());
            }
            return Err(ApproachError::Failed(format!(
                "approach {}: waiting for workers: {e}",
                self.id
            )));
        }
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        ready.extend(
            self.pollfds
                .iter()
                .zip(&self.live)
                .filter(|(p, _)| p.revents != 0)
                .map(|(_, &w)| w),
        );
        let result = ready.iter().try_for_each(|&w| self.read_from(w, idle));
        self.ready = ready;
        result?;
        self.check_stalls()
    }

    /// Stops the run when a task has run longer than `--task-timeout` (the error names the
    /// approach, the worker and the task; dropping the crew kills the worker's group). Without
    /// the flag, says once that it exists when a task has run far longer than the median.
    fn check_stalls(&mut self) -> Result<(), ApproachError> {
        let now = Instant::now();
        // The median task so far, looked at only when a task has run past the hint's floor.
        let mut median = None;
        for &w in &self.live {
            let worker = &self.workers[w];
            let Some(since) = worker.task_since else {
                // Done with its tasks, it must still exit: a worker stopped there (SIGSTOP)
                // would hold the run for ever.
                if let (Some(limit), Some(closing)) = (self.ctx.task_timeout, worker.closing_since)
                {
                    let took = now.saturating_duration_since(closing);
                    if took > limit {
                        return Err(self.fault(
                            w,
                            &format!(
                                "finished its tasks but did not exit within --task-timeout {} \
                                 ({} since its last task): its process group was killed",
                                format_seconds(limit.as_secs_f64()),
                                format_seconds(took.as_secs_f64())
                            ),
                        ));
                    }
                }
                continue;
            };
            let task = worker.running.unwrap_or(worker.pending.start);
            let took = now.saturating_duration_since(since);
            let hint_possible = self.ctx.task_timeout.is_none() && !self.hinted;
            if hint_possible
                && median.is_none()
                && took.as_secs_f64() > STALL_FLOOR_S
                && self.task_times.len() >= 3
            {
                median = Some(self.task_times.median());
            }
            match (self.ctx.task_timeout, median) {
                (Some(limit), _) if took > limit => {
                    return Err(self.fault(
                        w,
                        &format!(
                            "ran task {task} for {} without finishing, longer than \
                             --task-timeout {}: its process group was killed",
                            format_seconds(took.as_secs_f64()),
                            format_seconds(limit.as_secs_f64())
                        ),
                    ));
                }
                (None, Some(median))
                    if !self.hinted
                        && took.as_secs_f64() > (STALL_FACTOR * median).max(STALL_FLOOR_S) =>
                {
                    self.hinted = true;
                    crate::say::err_line(format!(
                        "parlab: approach {}: worker {} (pid {}) has run task {task} for {}, \
                         over {STALL_FACTOR}x the median task so far ({}); if it is stuck, \
                         --task-timeout DURATION stops such a run",
                        self.id,
                        worker.index,
                        worker.pid,
                        format_seconds(took.as_secs_f64()),
                        format_seconds(median)
                    ));
                    return Ok(());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads what worker `w` sent and handles every whole frame; at the end of its stdout,
    /// reaps it and checks it ended well.
    fn read_from(&mut self, w: usize, idle: &mut Vec<usize>) -> Result<(), ApproachError> {
        let worker = &mut self.workers[w];
        let Some(stdout) = worker.stdout.as_mut() else {
            return Ok(());
        };
        let n = loop {
            match stdout.read(&mut self.read_buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.unwrap_or(0),
            }
        };
        if n == 0 {
            return self.ended(w);
        }
        worker.frames.push(&self.read_buf[..n]);
        loop {
            match self.workers[w].frames.next_message::<FromWorker>() {
                Ok(Some(msg)) => self.handle(w, msg, idle)?,
                Ok(None) => return Ok(()),
                Err(e) if !self.workers[w].greeted => {
                    return Err(self.fault(
                        w,
                        &format!(
                            "does not speak parlab's worker protocol ({e}); is {} parlab?",
                            self.program.display()
                        ),
                    ));
                }
                Err(e) => return Err(self.fault(w, &format!("sent a bad frame: {e}"))),
            }
        }
    }

    /// Acts on one report of worker `w`, checking it fits what the worker was given.
    fn handle(
        &mut self,
        w: usize,
        msg: FromWorker,
        idle: &mut Vec<usize>,
    ) -> Result<(), ApproachError> {
        let rec = &self.ctx.recorder;
        let announce = self.announce;
        let worker = &mut self.workers[w];
        let index = worker.index;
        let broke = |what: String| Err(format!("broke the protocol: {what}"));
        let verdict: Result<(), String> = match msg {
            // First, as a worker can panic before it has said hello.
            FromWorker::Panicked { message } | FromWorker::Stopped { message } => {
                worker.last_words = Some(message);
                Ok(())
            }
            FromWorker::Hello { protocol, .. } if !worker.greeted => {
                worker.greeted = true;
                if protocol == PROTOCOL_VERSION {
                    Ok(())
                } else {
                    Err(format!(
                        "speaks worker protocol {protocol}, this parlab {PROTOCOL_VERSION}: \
                         is {} the same build?",
                        self.program.display()
                    ))
                }
            }
            _ if !worker.greeted => broke("its first report was not a hello".into()),
            FromWorker::Hello { .. } => broke("a second hello".into()),
            FromWorker::Started { task, at_ns } => {
                if worker.running.is_some()
                    || worker.pending.is_empty()
                    || task != worker.pending.start
                {
                    broke(format!("started task {task} out of turn"))
                } else {
                    rec.task_started_at(task, index, at_ns);
                    worker.running = Some(task);
                    // Unannounced, the start arrives with the task's end: the task has been
                    // under way since it was handed (or its predecessor finished).
                    if announce {
                        worker.task_since = Some(Instant::now());
                    }
                    Ok(())
                }
            }
            FromWorker::Progress { task, divisions } if worker.running == Some(task) => {
                rec.task(task).progress.store(divisions, Ordering::Relaxed);
                Ok(())
            }
            FromWorker::Progress { task, .. } => {
                broke(format!("progress on task {task}, not running"))
            }
            FromWorker::Steps { task, steps } if worker.running == Some(task) => {
                record_steps(rec, task, index, &steps)
            }
            FromWorker::Steps { task, .. } => broke(format!("steps of task {task}, not running")),
            FromWorker::Finished {
                task,
                answer,
                end_ns,
                steps,
            } if worker.running == Some(task) => {
                if let Err(what) = record_steps(rec, task, index, &steps) {
                    Err(what)
                } else {
                    rec.task_finished_at(task, answer, end_ns);
                    worker.running = None;
                    worker.pending.start += 1;
                    if let Some(since) = worker.task_since {
                        self.task_times.push(since.elapsed().as_secs_f64());
                    }
                    worker.task_since = (!worker.pending.is_empty()).then(Instant::now);
                    if worker.pending.is_empty() {
                        if worker.stdin.is_none() {
                            worker.closing_since = Some(Instant::now());
                        }
                        idle.push(w);
                    }
                    Ok(())
                }
            }
            FromWorker::Finished { task, .. } => {
                broke(format!("finished task {task}, not running"))
            }
            FromWorker::Custom {
                task,
                child_peak_rss_kib,
                problem,
            } if worker.running == Some(task) => {
                rec.child_peak(child_peak_rss_kib);
                if let Some(p) = problem {
                    rec.problem(p);
                }
                Ok(())
            }
            FromWorker::Custom { task, .. } => {
                broke(format!("custom figures for task {task}, not running"))
            }
            FromWorker::Figures(f) if worker.pending.is_empty() && worker.stdin.is_none() => {
                worker.figures = Some(f);
                Ok(())
            }
            FromWorker::Figures(_) => broke("figures before its last task".into()),
        };
        verdict.map_err(|what| self.fault(w, &what))
    }

    /// Worker `w`'s stdout has ended: it is exiting. Reaps it and checks it ended well.
    fn ended(&mut self, w: usize) -> Result<(), ApproachError> {
        self.live.retain(|&x| x != w);
        let worker = &mut self.workers[w];
        worker.stdout = None;
        worker.stdin = None;
        // A worker closes its stdout only by exiting, so this wait is short.
        let status = worker.child.wait();
        worker.reaped = true;
        let status = status.map_err(|e| self.fault(w, &format!("could not be waited for: {e}")))?;
        let worker = &self.workers[w];
        let cut_short = worker.frames.finish().err();
        if status.success()
            && worker.pending.is_empty()
            && worker.figures.is_some()
            && cut_short.is_none()
        {
            self.figures.push(ChildFigures::new(
                worker.index,
                worker.pid,
                worker.figures.unwrap_or_default().peak_rss_kib,
            ));
            return Ok(());
        }
        // Unannounced, a task handed to a worker that said hello is under way: the worker runs
        // a range's tasks back to back, and its start would have come with the next report.
        let running = worker.running.or_else(|| {
            (!self.announce && worker.greeted && !worker.pending.is_empty())
                .then_some(worker.pending.start)
        });
        let what = match (running, worker.pending.is_empty()) {
            (Some(task), _) => format!("died while running task {task}"),
            (None, false) => format!("died before running task {}", worker.pending.start),
            (None, true) if status.success() => match cut_short {
                Some(e) => format!("ended in the middle of a report ({e})"),
                None => "exited without reporting its figures".to_string(),
            },
            (None, true) => "died after its last task".to_string(),
        };
        let how = match &worker.last_words {
            Some(message) => format!("{message} ({})", describe(status)),
            None if crate::run::spawn::was_stopped_before_exec(worker.pid) => format!(
                "{}: it was stopped (SIGSTOP or a debugger) before it could start, and parlab \
                 killed it",
                describe(status)
            ),
            None => describe(status),
        };
        Err(self.fault(w, &format!("{what}: {how}")))
    }

    /// The error "approach X: worker N (pid P) <what>".
    fn fault(&self, w: usize, what: &str) -> ApproachError {
        let worker = &self.workers[w];
        ApproachError::Failed(format!(
            "approach {}: worker {} (pid {}) {what}",
            self.id, worker.index, worker.pid
        ))
    }

    /// The figures of every worker, once all ended well.
    pub(super) fn finish(mut self) -> Outcome {
        let mut children = std::mem::take(&mut self.figures);
        children.sort_by_key(|c| c.worker);
        Outcome {
            children,
            ..Outcome::default()
        }
    }
}

/// Records `steps` of `task`, run on worker `index`, once all are steps of the plan (checked
/// first: a report is recorded whole or not at all).
fn record_steps(
    rec: &crate::run::record::recorder::Recorder,
    task: u32,
    index: u32,
    steps: &[StepSpan],
) -> Result<(), String> {
    let plan_len = rec.plan().len();
    if let Some(s) = steps.iter().find(|s| s.step as usize >= plan_len) {
        return Err(format!(
            "broke the protocol: task {task} has no step {}",
            s.step
        ));
    }
    for s in steps {
        rec.step_ran(task, s.step as usize, index, s.start_ns, s.end_ns);
        if let Some(cpu) = s.cpu_ns {
            rec.step_cpu(task, s.step as usize, cpu);
        }
    }
    Ok(())
}

impl Drop for Crew<'_> {
    fn drop(&mut self) {
        // Kill every group first, so they die together, then reap each.
        for worker in self.workers.iter_mut().filter(|w| !w.reaped) {
            worker.stdin = None;
            // SAFETY: kill takes plain integers. The worker is not reaped yet, so its pid (and
            // process group id, the same) cannot have been reused.
            if unsafe { libc::kill(-(worker.pid as libc::pid_t), libc::SIGKILL) } != 0 {
                let _ = worker.child.kill();
            }
        }
        for worker in self.workers.iter_mut().filter(|w| !w.reaped) {
            worker.stdout = None;
            let _ = worker.child.wait();
            worker.reaped = true;
        }
    }
}
