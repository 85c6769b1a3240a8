//! parlab's side of a cluster run: the other cluster processes (parlab re-executed as
//! `parlab cluster-worker`, each in its own process group), their ports gathered and the
//! address list sent back (see `super::mesh`), parlab's own timely workers on a thread of
//! their own, and a watch every 50 ms over the cancel flag, `--task-timeout` and every process,
//! whose `start` and `end` lines it records (see `super::watch`). Whatever way
//! [`run`] returns, `Procs`' `Drop` kills (by process group) and reaps every process still
//! alive.

use std::io::{BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::auth::Secret;
use super::watch::{self, EndFigures, Heard, StopOnDrop};
use super::{Layout, Spec, child, flow, mesh, wire};
use crate::cancel::Cancel;
use crate::run::record::{ApproachError, ChildFigures, Outcome, RunContext};
use crate::run::worker::parent::describe;

/// How often the run looks at the cancel flag and the processes.
const POLL: Duration = Duration::from_millis(50);

/// The longest a process may take to say its port, or to end after the last task.
const START_LIMIT: Duration = Duration::from_secs(10);

/// Runs every task of `ctx` over `layout`'s processes and workers, for approach `id`.
pub fn run(id: &str, ctx: &RunContext, layout: Layout) -> Result<Outcome, ApproachError> {
    if ctx.cancel.is_cancelled() {
        return Err(ApproachError::Cancelled);
    }
    let failed = |what: String| ApproachError::Failed(format!("approach {id}: {what}"));
    let program = ctx
        .settings
        .worker_program()
        .map_err(|e| failed(format!("cannot find parlab's own executable: {e}")))?;
    let spec = Spec {
        work: ctx.work,
        tasks: ctx.tasks,
        layout,
        origin_ns: super::clock_ns() - ctx.recorder.now_ns() as i64,
    };
    let (lines_tx, lines) = mpsc::channel();
    let mut procs = Procs {
        children: Vec::new(),
        reaped: Vec::new(),
        lines,
        heard: Vec::new(),
        ends: Vec::new(),
    };
    let mut addresses = Vec::with_capacity(layout.processes);
    // This run's own secret: its processes prove it to one another (see `super::auth`), so no
    // other program on this machine can join the mesh.
    let secret = Secret::random().map_err(failed)?;
    let json = serde_json::to_string(&spec).map_err(|e| failed(e.to_string()))?;
    for index in 0..layout.processes - 1 {
        procs
            .spawn(
                (&program, &ctx.settings.worker_env()),
                &json,
                index,
                lines_tx.clone(),
            )
            .map_err(failed)?;
    }
    drop(lines_tx);
    let mut ports = vec![None; layout.processes - 1];
    let since = Instant::now();
    while ports.iter().any(Option::is_none) {
        if ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        procs.check(ctx, layout).map_err(failed)?;
        if since.elapsed() > START_LIMIT {
            let late = ports.iter().position(Option::is_none).unwrap_or(0) + 1;
            return Err(failed(format!(
                "cluster process {late} did not start listening within {} s",
                START_LIMIT.as_secs()
            )));
        }
        while let Ok((i, line)) = procs.lines.try_recv() {
            procs.heard[i] = Instant::now();
            if let Some(p) = line
                .strip_prefix("port ")
                .and_then(|p| p.trim().parse::<u16>().ok())
            {
                ports[i] = Some(p);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let listener = mesh::listen().map_err(|e| failed(format!("cannot listen: {e}")))?;
    let own = listener.local_addr().map_err(|e| failed(e.to_string()))?;
    addresses.extend(ports.iter().flatten().map(|p| format!("127.0.0.1:{p}")));
    addresses.push(own.to_string());
    // The secret first, then every address (the children's stdin: no other process sees it).
    let list = format!("{}\n{}\n", secret.hex(), addresses.join(" "));
    for (i, c) in procs.children.iter_mut().enumerate() {
        if let Some(mut stdin) = c.stdin.take() {
            stdin.write_all(list.as_bytes()).map_err(|e| {
                failed(format!(
                    "cannot send the addresses to cluster process {}: {e}",
                    i + 1
                ))
            })?;
        }
    }
    let stop = StopOnDrop(Cancel::new());
    let rx = start_own(ctx, spec, listener, (addresses, secret), stop.0.clone()).map_err(failed)?;
    loop {
        procs.pump(ctx, layout);
        match rx.recv_timeout(POLL) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => {
                // A process that died is the better explanation: give it a moment to show.
                std::thread::sleep(POLL * 4);
                procs.pump(ctx, layout);
                procs.check(ctx, layout).map_err(failed)?;
                return Err(failed(format!("cluster process 0 (parlab): {e}")));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(failed(
                    "parlab's cluster workers stopped without a word".into(),
                ));
            }
        }
        if ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        procs.check(ctx, layout).map_err(failed)?;
        watch::overdue(ctx, layout).map_err(failed)?;
    }
    procs.finish(ctx, layout).map_err(failed)
}

/// Starts parlab's own timely workers (timely's last process, connecting to every address
/// before its own) on a thread of their own; their result comes on the receiver. Their tasks
/// stop when `stop` is raised (the run raises it on every way out).
pub(super) fn start_own(
    ctx: &RunContext,
    spec: Spec,
    listener: std::net::TcpListener,
    (addresses, secret): (Vec<String>, Secret),
    stop: Cancel,
) -> Result<Receiver<Result<(), String>>, String> {
    quiet_timely_panics();
    let layout = spec.layout;
    let (tx, rx) = mpsc::channel();
    let rec = ctx.recorder.clone();
    let on_start: flow::OnStart = std::sync::Arc::new(watch::record_start(rec.clone()));
    let cancel = stop;
    let me = layout.processes - 1;
    // parlab's workers run on a thread of their own: timely joins its workers when they are
    // done, and a run must be able to stop without waiting for that.
    std::thread::Builder::new()
        .name("timely:parlab".into())
        .spawn(move || {
            // Timely's guards panic as they drop when a peer died: that is an error too.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                mesh::connect(&listener, &addresses, me, &secret, Some(&cancel))
                    .and_then(|sockets| mesh::builders(sockets, me, layout.threads))
                    .map_err(|e| format!("cannot join the cluster: {e}"))
                    .and_then(|(builders, others)| {
                        timely::execute::execute_from(
                            builders,
                            others,
                            timely::WorkerConfig::default(),
                            move |worker| {
                                let hooks = (on_start.clone(), rec.custom().cloned());
                                flow::run(worker, &spec, &cancel, None, hooks, &|d| {
                                    flow::record(&rec, &d)
                                })
                            },
                        )
                    })
                    .and_then(|guards| {
                        guards
                            .join()
                            .into_iter()
                            .find_map(Result::err)
                            .map_or(Ok(()), Err)
                    })
            }))
            .unwrap_or_else(|_| Err("timely's network threads failed".into()));
            let _ = tx.send(result);
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    Ok(rx)
}

/// Silences the panics of timely's threads in parlab (`timely:work-N`, `timely:send-N`, ...):
/// a worker's comes back from timely's join as the run's error, and the network threads' follow
/// a peer's death, which the run reports itself, naming the process. Every other thread's
/// panic goes to the hook that was there before.
fn quiet_timely_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if !name.starts_with("timely:") {
                previous(info);
            }
        }));
    });
}

/// The cluster processes parlab started (cluster process `i + 1` is `children[i]`).
struct Procs {
    children: Vec<Child>,
    /// Whether each has been reaped.
    reaped: Vec<bool>,
    /// Every line a process wrote on its stdout, with its index.
    lines: Receiver<(usize, String)>,
    /// When each last said anything (it says `beat` every second: see `super::watch`).
    heard: Vec<Instant>,
    /// What each said of itself at its end.
    ends: Vec<Option<EndFigures>>,
}

impl Procs {
    /// Starts cluster process `index + 1` (timely's `index`) of `program` with `env` (the
    /// custom work's), with a thread passing on its lines.
    fn spawn(
        &mut self,
        (program, env): (&std::path::Path, &[(String, String)]),
        json: &str,
        index: usize,
        lines: mpsc::Sender<(usize, String)>,
    ) -> Result<(), String> {
        let mut cmd = Command::new(program);
        cmd.arg(child::COMMAND)
            .arg("--parent")
            .arg(std::process::id().to_string())
            .arg("--index")
            .arg(index.to_string())
            .arg("--spec")
            .arg(json)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .envs(env.iter().cloned())
            // Its own process group: the terminal's Ctrl-C goes to parlab alone, which decides.
            .process_group(0);
        let mut child = crate::run::spawn::spawn(&mut cmd)
            .map_err(|e| format!("cannot start cluster process {}: {e}", index + 1))?;
        let out = child.stdout.take();
        self.children.push(child);
        self.reaped.push(false);
        self.heard.push(Instant::now());
        self.ends.push(None);
        if let Some(out) = out {
            std::thread::Builder::new()
                .name(format!("cluster:read{}", index + 1))
                .spawn(move || {
                    let mut out = BufReader::new(out);
                    while let Ok(Some(line)) = wire::read_line(&mut out, wire::SHORT_LINE) {
                        if lines.send((index, line)).is_err() {
                            break;
                        }
                    }
                })
                .map_err(|e| {
                    format!(
                        "cannot start a thread to read cluster process {}: {e}; \
                         use a smaller --pool-size or raise the process limit (ulimit -u)",
                        index + 1
                    )
                })?;
        }
        Ok(())
    }

    /// Records every line the processes wrote since the last call.
    fn pump(&mut self, ctx: &RunContext, layout: Layout) {
        while let Ok((i, line)) = self.lines.try_recv() {
            self.note(ctx, layout, i, &line);
        }
    }

    /// Records what one line of process `index + 1` says.
    fn note(&mut self, ctx: &RunContext, layout: Layout, index: usize, line: &str) {
        self.heard[index] = Instant::now();
        match watch::parse(line) {
            Heard::Start { task, worker, ns } => {
                watch::started(&ctx.recorder, layout, task, worker, ns)
            }
            Heard::End(f) => self.ends[index] = Some(f),
            Heard::Other => {}
        }
    }

    /// An error naming the first process that ended badly, with the tasks it held.
    fn check(&mut self, ctx: &RunContext, layout: Layout) -> Result<(), String> {
        for (i, child) in self.children.iter_mut().enumerate() {
            if self.reaped[i] {
                continue;
            }
            if let Ok(Some(status)) = child.try_wait() {
                self.reaped[i] = true;
                if !status.success() {
                    let process = i + 1;
                    // Its last lines say which tasks it had started.
                    let until = Instant::now() + Duration::from_millis(200);
                    while let Ok((_, line)) = self.lines.recv_timeout(Duration::from_millis(20))
                        && Instant::now() < until
                    {
                        if let Heard::Start { task, worker, ns } = watch::parse(&line) {
                            watch::started(&ctx.recorder, layout, task, worker, ns);
                        }
                    }
                    return Err(format!(
                        "cluster process {process} (pid {}) {}{}",
                        child.id(),
                        describe(status),
                        watch::held(ctx, layout, process)
                    ));
                }
            } else if self.heard[i].elapsed() > watch::KEEPALIVE {
                // Stopped (SIGSTOP, a debugger) or stuck: its tasks would never come back.
                let process = i + 1;
                return Err(format!(
                    "cluster process {process} (pid {}) {}{}",
                    child.id(),
                    watch::silent(Some(child.id())),
                    watch::held(ctx, layout, process)
                ));
            }
        }
        Ok(())
    }

    /// Waits for every process to end (they do once the dataflow is done) and gathers their
    /// figures.
    fn finish(mut self, ctx: &RunContext, layout: Layout) -> Result<Outcome, String> {
        let since = Instant::now();
        while self.reaped.iter().any(|r| !r) {
            self.pump(ctx, layout);
            self.check(ctx, layout)?;
            if since.elapsed() > START_LIMIT {
                let late: Vec<String> = (0..self.children.len())
                    .filter(|&i| !self.reaped[i])
                    .map(|i| format!("{} (pid {})", i + 1, self.children[i].id()))
                    .collect();
                return Err(format!(
                    "cluster process(es) {} did not end within {} s after the last task",
                    late.join(", "),
                    START_LIMIT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Every process has ended, so its reader thread has passed on its last line.
        while let Ok((i, line)) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.note(ctx, layout, i, &line);
        }
        let children = self
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let end = self.ends[i].unwrap_or_default();
                ChildFigures {
                    workers: layout.threads as u32,
                    process: Some(i as u32 + 1),
                    cpu_s: self.ends[i].map(EndFigures::cpu_s),
                    ..ChildFigures::new(((i + 1) * layout.threads) as u32, c.id(), end.peak_kib)
                }
            })
            .collect();
        Ok(Outcome {
            children,
            ..Outcome::default()
        })
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for (child, reaped) in self.children.iter_mut().zip(&self.reaped) {
            if !reaped {
                // SAFETY: killpg on a process we started in its own group and have not reaped.
                unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
                let _ = child.wait();
            }
        }
    }
}
