//! parlab's side of one driver run: start the interpreter in its own process group, wait for
//! its ready line, send the request, record its progress ticks and final events, and reap it.
//!
//! The interpreter's stdout is polled with a 50 ms timeout so that Ctrl-C (the cancel flag) is
//! seen at once; its death shows as the end of its stdout. Whatever way a [`Session`] ends, its
//! `Drop` SIGKILLs the whole process group (the interpreter and every pool process it forked)
//! before reaping the interpreter: no process is left behind. The driver also stops everything
//! when its stdin closes, so even a parlab killed outright leaves nothing running for long.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::DRIVER;
use crate::cancel::Cancel;
use crate::plan::workload::{Answer, Step};
use crate::run::record::{ApproachError, ChildFigures, Outcome, RunContext, measure};
use crate::run::worker::{mono_now_ns, parent::describe};

/// The worker number under which the interpreter's own figures are listed among the children:
/// it is not one of the run's workers (threads or pool processes).
pub const INTERPRETER_WORKER: u32 = u32::MAX;

/// How long one wait for the interpreter's output lasts before the cancel flag is looked at.
const POLL_MS: libc::c_int = 50;

/// The most of the interpreter's stderr kept for an error message, bytes.
const STDERR_TAIL: usize = 2048;

/// One started interpreter.
pub(super) struct Session {
    id: &'static str,
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// Bytes read and not yet taken as lines, and how far they were searched for a newline.
    buf: Vec<u8>,
    scanned: usize,
    stderr: Arc<Mutex<Vec<u8>>>,
    reaped: bool,
    /// CPU time (user, system) the interpreter had used once ready: its start-up.
    startup_cpu: Option<(Duration, Duration)>,
    /// parlab's own CPU time when the run began: what parlab spends writing the request and
    /// reading the driver's lines is the measurement's, not the approach's.
    own_at_request: Option<measure::Usage>,
    /// `--task-timeout`, and when each task running (as the progress ticks say) started.
    timeout: Option<(Duration, Vec<Option<Instant>>)>,
}

#[derive(Deserialize)]
struct Ready {
    pid: u32,
}

#[derive(Deserialize)]
struct Tick {
    #[serde(default)]
    started: Vec<u32>,
    #[serde(default)]
    ended: Vec<u32>,
}

#[derive(Deserialize)]
struct Event {
    task: u32,
    start_ns: u64,
    end_ns: u64,
    worker: u32,
    answer: String,
    steps: Vec<Option<(u64, u64)>>,
    #[serde(default)]
    step_cpu_ns: Vec<Option<u64>>,
    #[serde(default)]
    step_workers: Vec<Option<u32>>,
    /// A call's value: the start of its canonical repr, a digest of all of it, and the
    /// check's verdict (see [`super::func`]).
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    verdict: Option<bool>,
}

#[derive(Deserialize)]
struct ChildLine {
    pid: u32,
    worker: u32,
    peak_rss_kib: Option<u64>,
}

/// Any line the driver writes.
#[derive(Deserialize)]
struct Line {
    ready: Option<Ready>,
    tick: Option<Tick>,
    events: Option<Vec<Event>>,
    peak_rss_kib: Option<u64>,
    #[serde(default)]
    children: Vec<ChildLine>,
    /// When the approach itself began and ended, on the recorder's clock, ns.
    run_ns: Option<(u64, u64)>,
    /// The CPU time (user, system) the driver and its reaped children used between the two, ns.
    run_cpu_ns: Option<(u64, u64)>,
    #[serde(default)]
    done: bool,
    error: Option<String>,
    task: Option<u32>,
}

/// The fault the test hook `PARLAB_PY_FAULT` asks of the driver (`raise:T`, `exit:T` or
/// `hang:T`), passed in its request; only with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
fn injected_fault() -> Option<String> {
    std::env::var("PARLAB_PY_FAULT")
        .ok()
        .filter(|f| !f.is_empty())
}

/// Without the `test-hooks` feature, parlab never asks the driver for a fault.
#[cfg(not(feature = "test-hooks"))]
fn injected_fault() -> Option<String> {
    None
}

impl Session {
    /// Starts `python` on the driver and waits for its ready line.
    pub(super) fn start(
        id: &'static str,
        python: &std::path::Path,
        cancel: &Cancel,
        env: &[(&str, &str)],
    ) -> Result<Self, ApproachError> {
        let mut cmd = Command::new(python);
        cmd.arg("-c")
            .arg(DRIVER)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: Ctrl-C reaches parlab alone, and one killpg reaches the
            // interpreter and every process it forked.
            .process_group(0);
        let mut child = crate::run::spawn::spawn(&mut cmd).map_err(|e| {
            ApproachError::Failed(format!(
                "approach {id}: could not start the Python interpreter '{}': {e}; \
                     install python3 (3.8 or later) or name one with --python PATH",
                python.display()
            ))
        })?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let tail = stderr.clone();
            // Detached: it ends when the last process of the group closes the pipe.
            let _ = std::thread::Builder::new()
                .name("python-stderr".into())
                .spawn(move || {
                    let mut chunk = [0u8; 4096];
                    while let Ok(n) = pipe.read(&mut chunk) {
                        if n == 0 {
                            break;
                        }
                        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                        t.extend_from_slice(&chunk[..n]);
                        let excess = t.len().saturating_sub(STDERR_TAIL);
                        t.drain(..excess);
                    }
                });
        }
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(ApproachError::Failed(format!(
                "approach {id}: the Python interpreter's pipes were not set up"
            )));
        };
        let mut s = Self {
            id,
            pid: child.id(),
            child,
            stdin: Some(stdin),
            stdout,
            buf: Vec::new(),
            scanned: 0,
            stderr,
            reaped: false,
            startup_cpu: None,
            own_at_request: None,
            timeout: None,
        };
        match s.next_line(cancel)? {
            Some(line) => match line.ready {
                Some(r) if r.pid == s.pid => {
                    s.startup_cpu = process_cpu(s.pid);
                    Ok(s)
                }
                Some(r) => {
                    Err(s.fail(&format!("the driver reported pid {}, not {}", r.pid, s.pid)))
                }
                None => Err(s.driver_error(line, "before it was ready")),
            },
            None => Err(s.died(None, "before it was ready")),
        }
    }

    /// Sends the run's request and records what the driver reports until it is done.
    pub(super) fn run(mut self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        self.own_at_request = Some(measure::Usage::own());
        let rec = &ctx.recorder;
        let plan = rec
            .plan()
            .iter()
            .map(|s| {
                encode_step(s).ok_or_else(|| {
                    ApproachError::Failed(format!(
                        "approach {}: the Python driver runs only trial division and waits; run \
                         this work with the Rust approaches",
                        self.id
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let computes = ctx.work.workload.computes();
        let func = ctx.settings.python_function.as_ref();
        self.timeout = ctx
            .task_timeout
            .map(|limit| (limit, vec![None; ctx.tasks as usize]));
        let request = json!({
            "approach": self.id,
            "tasks": ctx.tasks,
            "pool_size": ctx.pool_size,
            "chunk_size": ctx.chunk_size,
            "origin_mono_ns": mono_now_ns().saturating_sub(rec.now_ns()),
            "number": ctx.work.number,
            "answers": if computes { "prime" } else { "done" },
            "plan": plan,
            "progress": true,
            "fault": injected_fault(),
            "func": func.map(|f| &f.func),
            "check": func.and_then(|f| f.check.as_ref()),
        });
        let mut text = request.to_string();
        text.push('\n');
        let sent = self
            .stdin
            .as_mut()
            .map(|s| s.write_all(text.as_bytes()).and_then(|_| s.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.died(Some(ctx), "before it took the request"));
        }
        // A tick's "ended" is recorded with the expected answer so that progress shows the task
        // done; the final events overwrite it with the driver's own answer, and a task missing
        // from them fails the run, so the provisional answer is never what is checked.
        let provisional = ctx.work.expected_answer();
        loop {
            let Some(line) = self.next_line(&ctx.cancel)? else {
                return Err(self.died(Some(ctx), "while running"));
            };
            if let Some(tick) = &line.tick {
                let now = rec.now_ns();
                for &t in tick.started.iter().filter(|&&t| t < ctx.tasks) {
                    if !rec.task_state(t).0 {
                        rec.task_started_at(t, 0, now);
                    }
                    if let Some((_, since)) = &mut self.timeout {
                        since[t as usize] = Some(Instant::now());
                    }
                }
                for &t in tick.ended.iter().filter(|&&t| t < ctx.tasks) {
                    rec.task_finished_at(t, provisional, now);
                    if let Some((_, since)) = &mut self.timeout {
                        since[t as usize] = None;
                    }
                }
                continue;
            }
            if line.done {
                return self.finish(ctx, line);
            }
            return Err(self.driver_error(line, "while running"));
        }
    }

    /// Records the final line's events and reaps the interpreter.
    fn finish(mut self, ctx: &RunContext, line: Line) -> Result<Outcome, ApproachError> {
        let rec = &ctx.recorder;
        let events = line.events.unwrap_or_default();
        let mut wrong = vec![false; ctx.tasks as usize];
        if let Some(func) = &ctx.settings.python_function {
            let values: Option<Vec<super::func::Value>> = events
                .iter()
                .map(|e| {
                    Some(super::func::Value {
                        task: e.task,
                        shown: e.value.clone()?,
                        digest: e.digest.clone()?,
                        verdict: e.verdict,
                    })
                })
                .collect();
            let Some(values) = values else {
                return Err(self.fail("reported a call without its value"));
            };
            for t in super::func::judge(self.id, func, values, rec) {
                if let Some(w) = wrong.get_mut(t as usize) {
                    *w = true;
                }
            }
        }
        let mut seen = vec![false; ctx.tasks as usize];
        let steps = rec.plan().len();
        for e in &events {
            let Some(slot) = seen.get_mut(e.task as usize) else {
                return Err(self.fail(&format!("reported task {}, out of range", e.task)));
            };
            if std::mem::replace(slot, true) {
                return Err(self.fail(&format!("reported task {} twice", e.task)));
            }
            if e.steps.len() != steps {
                return Err(self.fail(&format!(
                    "reported {} steps for task {}, not {steps}",
                    e.steps.len(),
                    e.task
                )));
            }
            let answer = match e.answer.as_str() {
                _ if wrong[e.task as usize] => Answer::CustomFailed,
                "prime" => Answer::Prime(true),
                "composite" => Answer::Prime(false),
                "done" => Answer::Done,
                other => {
                    return Err(self.fail(&format!("task {} answered '{other}'", e.task)));
                }
            };
            if rec.task_state(e.task).0 {
                rec.set_task_start(e.task, e.worker, e.start_ns);
            } else {
                rec.task_started_at(e.task, e.worker, e.start_ns);
            }
            for (i, span) in e.steps.iter().enumerate() {
                if let Some((s, end)) = *span {
                    let worker = e.step_workers.get(i).copied().flatten().unwrap_or(e.worker);
                    rec.step_ran(e.task, i, worker, s, end);
                    if let Some(cpu) = e.step_cpu_ns.get(i).copied().flatten() {
                        rec.step_cpu(e.task, i, cpu);
                    }
                }
            }
            rec.task_finished_at(e.task, answer, e.end_ns);
        }
        if let Some(t) = seen.iter().position(|s| !s) {
            return Err(self.fail(&format!("gave no event for task {t}")));
        }

        self.stdin = None;
        let (status, total_cpu) = self.reap_with_cpu();
        if !status.is_some_and(|s| s.success()) {
            return Err(self.fail(&format!(
                "the interpreter {} after reporting its events",
                status.map_or("could not be waited for".into(), describe)
            )));
        }
        let mut children: Vec<ChildFigures> = line
            .children
            .iter()
            .map(|c| ChildFigures::new(c.worker, c.pid, c.peak_rss_kib.unwrap_or(0)))
            .collect();
        children.push(ChildFigures::new(
            INTERPRETER_WORKER,
            self.pid,
            line.peak_rss_kib.unwrap_or(0),
        ));
        // The driver's fixed cost (start-up, reading the request, its progress threads, the
        // report, its exit) is kept out: the wall time is the approach's own span and the CPU
        // time the driver's reading over that span (`span_cpu`), so parlab's own threads
        // reading its pipes count in neither. Where the driver gave no span, the CPU time
        // taken off is all the interpreter and its children used but the run's, and what
        // parlab itself spent reading the driver's lines meanwhile.
        let fixed_cpu = match (total_cpu, line.run_cpu_ns, self.own_at_request) {
            (Some((user, sys)), Some((run_user, run_sys)), Some(own)) => {
                let reading = measure::Usage::own().since(&own);
                Some((
                    user.saturating_sub(Duration::from_nanos(run_user)) + reading.user,
                    sys.saturating_sub(Duration::from_nanos(run_sys)) + reading.sys,
                ))
            }
            _ => self.startup_cpu,
        };
        let span_ns = line.run_ns.filter(|(s, e)| s <= e);
        Ok(Outcome {
            children,
            cpu_before_run: fixed_cpu,
            span_cpu: span_ns
                .and(line.run_cpu_ns)
                .map(|(user, sys)| (Duration::from_nanos(user), Duration::from_nanos(sys))),
            span_ns,
            ..Outcome::default()
        })
    }

    /// The next line from the driver, None at the end of its output.
    fn next_line(&mut self, cancel: &Cancel) -> Result<Option<Line>, ApproachError> {
        loop {
            if let Some(i) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') {
                let rest = self.buf.split_off(self.scanned + i + 1);
                let line = std::mem::replace(&mut self.buf, rest);
                self.scanned = 0;
                return serde_json::from_slice(&line).map(Some).map_err(|e| {
                    self.fail(&format!(
                        "wrote a line that is not parlab's protocol ({e}): {}",
                        String::from_utf8_lossy(&line[..line.len().min(200)]).trim_end()
                    ))
                });
            }
            self.scanned = self.buf.len();
            if cancel.is_cancelled() {
                return Err(ApproachError::Cancelled);
            }
            let mut fd = libc::pollfd {
                fd: self.stdout.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            if let Some(e) = self.overdue() {
                return Err(e);
            }
            // SAFETY: one pollfd struct that we own.
            if unsafe { libc::poll(&mut fd, 1, POLL_MS) } <= 0 {
                // Timeout, or a signal interrupted it: look at the cancel flag. An interpreter
                // that died leaves its pool processes holding its stdout open, so its end may
                // never show there: if it has exited, its group goes too, and the end follows.
                if self.interpreter_exited() {
                    self.kill_group();
                }
                continue;
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stdout.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Ok(None),
            }
        }
    }

    /// The run's error when a task has run longer than `--task-timeout` (after killing
    /// everything), else None.
    fn overdue(&mut self) -> Option<ApproachError> {
        let (limit, since) = self.timeout.as_ref()?;
        let (task, took) = since
            .iter()
            .enumerate()
            .filter_map(|(t, s)| Some((t, s.as_ref()?.elapsed())))
            .find(|(_, took)| took > limit)?;
        let limit = *limit;
        self.kill_and_reap();
        Some(ApproachError::Failed(format!(
            "approach {}: task {task} ran for {} without finishing, longer than --task-timeout \
             {}: the interpreter's process group was killed",
            self.id,
            crate::format::format_seconds(took.as_secs_f64()),
            crate::format::format_seconds(limit.as_secs_f64())
        )))
    }

    /// The driver's own error line as the approach's error.
    fn driver_error(&mut self, line: Line, when: &str) -> ApproachError {
        let Some(msg) = line.error else {
            return self.fail(&format!("wrote an unexpected line {when}"));
        };
        let _ = line.task; // the message names the task already ("py-x: task T ...")
        let prefix = format!("{}: ", self.id);
        let msg = msg.strip_prefix(&prefix).unwrap_or(&msg).to_string();
        self.kill_and_reap();
        ApproachError::Failed(format!("approach {}: {msg}", self.id))
    }

    /// The interpreter's output ended without a final report: how it ended, and which tasks were
    /// running as far as its progress said.
    fn died(&mut self, ctx: Option<&RunContext>, when: &str) -> ApproachError {
        let status = self.kill_and_reap();
        let how = status.map_or("ended".to_string(), describe);
        let running: Vec<String> = ctx.map_or(Vec::new(), |ctx| {
            (0..ctx.tasks)
                .filter(|&t| ctx.recorder.task_state(t) == (true, false))
                .take(5)
                .map(|t| t.to_string())
                .collect()
        });
        let tasks = match running.len() {
            0 => String::new(),
            1 => format!(" (task {} was running)", running[0]),
            _ => format!(" (tasks {} were running)", running.join(", ")),
        };
        let tail = self.stderr_tail();
        ApproachError::Failed(format!(
            "approach {}: the Python interpreter (pid {}) {how} {when}{tasks}{tail}",
            self.id, self.pid
        ))
    }

    /// "approach X: the Python driver <what>", after killing everything.
    fn fail(&mut self, what: &str) -> ApproachError {
        self.kill_and_reap();
        ApproachError::Failed(format!(
            "approach {}: the Python driver {what}{}",
            self.id,
            self.stderr_tail()
        ))
    }

    /// The last line the interpreter wrote on stderr, as `: <line>`, if any (escaped: control
    /// bytes and invalid UTF-8 shown, not sent to the terminal).
    fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        tail.split(|&b| b == b'\n')
            .map(<[u8]>::trim_ascii)
            .rfind(|l| !l.is_empty())
            .map_or(String::new(), |l| {
                format!(": {}", crate::format::escape_bytes(l))
            })
    }

    /// Whether the interpreter has exited, without reaping it (so its pid, the group's id,
    /// stays taken).
    fn interpreter_exited(&self) -> bool {
        if self.reaped {
            return true;
        }
        // SAFETY: waitid fills the zeroed siginfo we own; WNOWAIT leaves the child unreaped.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is set by waitid when a child changed state, else left zero.
        r == 0 && unsafe { info.si_pid() } != 0
    }

    /// SIGKILLs the interpreter's whole process group (while the interpreter is unreaped).
    fn kill_group(&mut self) {
        if self.reaped {
            return;
        }
        // SAFETY: kill takes plain integers. The interpreter is not reaped yet, so its pid (the
        // group's id) cannot have been reused.
        if unsafe { libc::kill(-(self.pid as libc::pid_t), libc::SIGKILL) } != 0 {
            let _ = self.child.kill();
        }
    }

    /// Kills the whole process group, then reaps the interpreter.
    fn kill_and_reap(&mut self) -> Option<ExitStatus> {
        if self.reaped {
            return None;
        }
        self.stdin = None;
        self.kill_group();
        self.reap()
    }

    /// Waits for the interpreter to exit; with its status, the CPU time (user, system) it and
    /// its reaped children used over their whole lives (`wait4`'s rusage).
    fn reap_with_cpu(&mut self) -> (Option<ExitStatus>, Option<(Duration, Duration)>) {
        if self.reaped {
            return (None, None);
        }
        let mut status: libc::c_int = 0;
        // SAFETY: wait4 fills the status and the zeroed rusage we own.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = loop {
            let r = unsafe { libc::wait4(self.pid as libc::pid_t, &mut status, 0, &mut ru) };
            if r >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                break r;
            }
        };
        if pid != self.pid as libc::pid_t {
            return (self.reap(), None);
        }
        self.reaped = true;
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        (
            Some(std::os::unix::process::ExitStatusExt::from_raw(status)),
            Some((tv(ru.ru_utime), tv(ru.ru_stime))),
        )
    }

    /// Waits for the interpreter to exit.
    fn reap(&mut self) -> Option<ExitStatus> {
        if self.reaped {
            return None;
        }
        self.reaped = true;
        self.child.wait().ok()
    }
}

/// The CPU time (user, system) process `pid` has used so far, from `/proc/PID/stat` (clock
/// ticks, usually 10 ms); None where it cannot be read.
fn process_cpu(pid: u32) -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace().skip(11); // field 14 is utime
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf takes a plain integer.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    let tick = |t: u64| Duration::from_nanos(t.saturating_mul(1_000_000_000 / hz as u64));
    Some((tick(utime), tick(stime)))
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}
/// One step as the driver's request holds it, or `None` for a kind of step the driver does not
/// run (the approaches' [`crate::plan::approaches::Runs::PYTHON`] declares which it does).
pub(super) fn encode_step(step: &Step) -> Option<serde_json::Value> {
    match *step {
        Step::Wait(ns) => Some(json!({ "wait_ns": ns })),
        Step::Divide { from, to } => Some(json!({ "divide": [from, to] })),
        Step::Call(part) => Some(json!({ "call": part })),
        Step::Connect | Step::Request { .. } | Step::Custom => None,
    }
}
