//! parlab's side of a cluster run across machines (`--hosts FILE`): parlab is process 0 and
//! listens on its own line's address; it prints, for every other line, the command to start
//! there (with the session's secret), and waits (`--join-timeout`) for each to connect, prove
//! it knows the secret and say `join I PID CORES MACHINE` (see `super::admit`).
//!
//! The joined processes make a session that lasts as long as parlab: every run of approach
//! `cluster` (warm-ups, repetitions, a sweep's sizes) uses them again, so the wait for them is
//! paid once, and outside every timed region: [`prepare`] joins (the first time) and measures
//! each host's clock offset (see `super::clock`), and [`run`] sends each process the run
//! (`run JSON`: the spec with its origin on that host's clock, every address, and the
//! environment of `--command` work) and hears its `start` and `end` lines (see
//! `super::watch`). A connection that closes before a process's `end` means it died. A joined
//! process ends itself when parlab's connection closes, so nothing is left running on any host
//! once parlab stops. Both sides say `beat` every second: a process silent for
//! `watch::KEEPALIVE` (stopped, stuck, or the network cut) ends the run, and parlab silent as
//! long ends the joined process.

use std::net::TcpListener;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::auth::Secret;
use super::clock::{self, Exchange, Offset};
use super::hosts::Hosts;
use super::join::RemoteRun;
use super::watch::{self, EndFigures, Heard, StopOnDrop};
use super::wire::{self, Conn};
use super::{Layout, Spec, admit, parent};
use crate::cancel::Cancel;
use crate::run::record::{ApproachError, ChildFigures, Outcome, RunContext};

/// How often the run looks at the cancel flag, the joins and the connections.
const POLL: Duration = Duration::from_millis(50);

/// The longest a process may take to end after the last task, or to answer a `ping`.
const END_LIMIT: Duration = Duration::from_secs(10);

/// The largest clock offset taken as real, ns (a century: two boots are never further apart).
const MAX_OFFSET_NS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;

/// The processes joined from other hosts, kept from one run to the next.
static SESSION: Mutex<Option<Session>> = Mutex::new(None);

/// Every joined process, and what parlab hears from them.
struct Session {
    /// The hosts file's lines it was joined for.
    hosts: Vec<String>,
    /// parlab's own listener (on `hosts[0]`).
    listener: TcpListener,
    /// The connection to process `i` at `i` (None at 0, parlab), proven (see `super::admit`).
    streams: Vec<Option<Conn>>,
    /// The session's secret, which every mesh connection proves too.
    secret: Secret,
    /// The pid each process said it has.
    pids: Vec<u32>,
    /// The logical cores each said its host has.
    cores: Vec<Option<u32>>,
    /// The machine each said it runs on (its boot id), if it could tell.
    machines: Vec<Option<String>>,
    /// Every line from process `i`, with parlab's clock as it came; once it closed, Err with
    /// why.
    lines: Receiver<(usize, Result<String, String>, i64)>,
    /// When each process last said anything, on parlab's clock (ns): it says `beat` every
    /// second, so silence for `watch::KEEPALIVE` means it is stopped, stuck or cut off.
    heard: Vec<i64>,
    /// Each host's clock offset, measured before the coming run.
    offsets: Vec<Option<Offset>>,
    /// Whether each host's connection has closed (seen after its last run ended).
    gone: Vec<bool>,
}

impl Drop for Session {
    /// Closes every connection (its reader thread holds a copy of each, which a plain drop would
    /// leave open): every joined process then ends itself.
    fn drop(&mut self) {
        for s in self.streams.iter().flatten() {
            s.shutdown();
        }
    }
}

fn session() -> MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|e| e.into_inner())
}

/// Gets the session ready for the next run, outside its timed region: joins the hosts the first
/// time (printing each one's command, waiting up to `--join-timeout`), then measures every
/// host's clock offset.
pub fn prepare(id: &str, ctx: &RunContext, hosts: &Hosts) -> Result<(), ApproachError> {
    let failed = |what: String| ApproachError::Failed(format!("approach {id}: {what}"));
    let mut slot = session();
    if slot.as_ref().is_none_or(|s| s.hosts != hosts.lines) {
        *slot = None;
        *slot = Some(join(ctx, hosts, &failed)?);
    }
    let Some(s) = slot.as_mut() else {
        return Err(failed("the joined processes were lost".into()));
    };
    let measured = measure_offsets(s, ctx);
    if measured.is_err() {
        *slot = None;
    }
    measured.map_err(failed)
}

/// Waits for every host of `hosts` to join (see `super::admit`), then starts a reader thread
/// for each connection and the beats parlab sends them all.
fn join(
    ctx: &RunContext,
    hosts: &Hosts,
    failed: &dyn Fn(String) -> ApproachError,
) -> Result<Session, ApproachError> {
    let n = hosts.lines.len();
    let own = &hosts.lines[0];
    let (secret, given) = admit::secret().map_err(&failed)?;
    let listener = TcpListener::bind(own).map_err(|e| {
        failed(format!(
            "cannot listen on {own} (the first line of --hosts, this machine's process 0): {e}"
        ))
    })?;
    let joined = admit::gather(ctx, hosts, &listener, (&secret, given), failed)?;
    let (tx, lines) = mpsc::channel();
    let mut streams = vec![None];
    let mut pids = vec![std::process::id()];
    let mut cores = vec![None];
    let mut machines = vec![super::machine_id()];
    for (i, h) in joined
        .into_iter()
        .enumerate()
        .skip(1)
        .flat_map(|(i, j)| j.map(|j| (i, j)))
    {
        let mut reader = admit::reader(&h.conn).map_err(|e| failed(e.to_string()))?;
        let _ = reader.get_ref().set_write_timeout(Some(watch::KEEPALIVE));
        let tx = tx.clone();
        let reading = std::thread::Builder::new().name(format!("cluster:host{i}"));
        reading
            .spawn(move || {
                let closed = loop {
                    match admit::next_line(&mut reader) {
                        Ok(Some(line)) => {
                            if tx.send((i, Ok(line), super::clock_ns())).is_err() {
                                return;
                            }
                        }
                        Ok(None) => break "disconnected".to_owned(),
                        Err(e) => break format!("sent what no cluster process sends ({e})"),
                    }
                };
                let _ = reader.get_ref().shutdown(std::net::Shutdown::Both);
                let _ = tx.send((i, Err(closed), super::clock_ns()));
            })
            .map_err(|e| {
                failed(format!(
                    "cannot start a thread to read cluster process {i}: {e}"
                ))
            })?;
        streams.push(Some(h.conn));
        pids.push(h.pid);
        cores.push(h.cores);
        machines.push(h.machine);
    }
    let now = super::clock_ns();
    Ok(Session {
        hosts: hosts.lines.clone(),
        listener,
        streams,
        secret,
        pids,
        cores,
        machines,
        lines,
        heard: vec![now; n],
        offsets: vec![None; n],
        gone: vec![false; n],
    })
}

/// Measures every joined host's clock against parlab's (see `super::clock`).
fn measure_offsets(s: &mut Session, ctx: &RunContext) -> Result<(), String> {
    // What came after the last run: only a closed connection matters now.
    while let Ok((i, line, at)) = s.lines.try_recv() {
        s.heard[i] = at;
        if line.is_err() {
            s.gone[i] = true;
        }
    }
    if let Some(i) = s.gone.iter().position(|g| *g) {
        return Err(format!(
            "cluster process {i} ({}) disconnected while it waited for a run",
            s.hosts[i]
        ));
    }
    for i in 1..s.streams.len() {
        let mut exchanges = Vec::with_capacity(clock::EXCHANGES);
        for _ in 0..clock::EXCHANGES {
            if ctx.cancel.is_cancelled() {
                return Err("interrupted".into());
            }
            let sent = super::clock_ns();
            let stream = s.streams[i].as_ref().ok_or("a joined process was lost")?;
            stream
                .line("ping\n")
                .map_err(|e| format!("cannot reach {} (process {i}): {e}", s.hosts[i]))?;
            let since = Instant::now();
            loop {
                match s
                    .lines
                    .recv_timeout(END_LIMIT.saturating_sub(since.elapsed()))
                {
                    Ok((j, Ok(line), back)) if j == i => {
                        s.heard[j] = back;
                        if let Some(theirs) = line
                            .strip_prefix("pong ")
                            .and_then(|t| t.trim().parse().ok())
                        {
                            exchanges.push(Exchange { sent, theirs, back });
                            break;
                        }
                    }
                    Ok((j, Err(why), _)) => {
                        return Err(format!(
                            "cluster process {j} ({}) {why} while it waited for a run",
                            s.hosts[j]
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => {
                        return Err(format!(
                            "cluster process {i} ({}) did not answer within {} s: it is \
                             stopped or stuck, or the network to it is down",
                            s.hosts[i],
                            END_LIMIT.as_secs()
                        ));
                    }
                }
            }
        }
        s.offsets[i] = clock::estimate(&exchanges);
        if s.offsets[i].is_none_or(|o| o.ns.unsigned_abs() > MAX_OFFSET_NS) {
            return Err(format!(
                "cluster process {i} ({}) answered with a clock that cannot be measured against \
                 this one",
                s.hosts[i]
            ));
        }
    }
    Ok(())
}

/// Runs every task of `ctx` over the session's processes, `threads` workers each.
pub fn run(
    id: &str,
    ctx: &RunContext,
    hosts: &Hosts,
    threads: usize,
) -> Result<Outcome, ApproachError> {
    let failed = |what: String| ApproachError::Failed(format!("approach {id}: {what}"));
    // The session is taken for the run and given back only if it ends well: a failed run
    // closes every connection, which ends every joined process.
    let taken = session().take().filter(|s| s.hosts == hosts.lines);
    let Some(mut s) = taken else {
        return Err(failed(
            "the hosts have not joined (a run came without its preparation)".into(),
        ));
    };
    let outcome = run_on(&mut s, ctx, threads).map_err(|e| match e {
        Some(e) => failed(e),
        None => ApproachError::Cancelled,
    })?;
    *session() = Some(s);
    Ok(outcome)
}

/// The run itself; None as the error when it was cancelled.
fn run_on(s: &mut Session, ctx: &RunContext, threads: usize) -> Result<Outcome, Option<String>> {
    let n = s.streams.len();
    let layout = Layout {
        processes: n,
        threads,
    };
    let origin_ns = super::clock_ns() - ctx.recorder.now_ns() as i64;
    let spec = Spec {
        work: ctx.work,
        tasks: ctx.tasks,
        layout,
        origin_ns,
    };
    // Timely's order: the others, then parlab last (it only connects, never accepts).
    let mut addresses: Vec<String> = s.hosts[1..].to_vec();
    addresses.push(s.hosts[0].clone());
    let sent_ns = super::clock_ns();
    for i in 1..n {
        let offset = s.offsets[i].map_or(0, |o| o.ns);
        let run = RemoteRun {
            spec: Spec {
                origin_ns: origin_ns + offset,
                ..spec.clone()
            },
            addresses: addresses.clone(),
            env: ctx.settings.worker_env(),
        };
        let json = serde_json::to_string(&run).map_err(|e| Some(e.to_string()))?;
        if json.len() >= wire::RUN_LINE {
            return Err(Some(format!(
                "the run is {} bytes as sent to another host, more than the {} MiB a joined \
                 process reads: give a shorter --command",
                json.len(),
                wire::RUN_LINE >> 20
            )));
        }
        let stream = s.streams[i]
            .as_ref()
            .ok_or_else(|| Some("a joined process was lost".to_owned()))?;
        stream
            .line(&format!("run {json}\n"))
            .map_err(|e| Some(format!("cannot send the run to {}: {e}", s.hosts[i])))?;
    }
    let listener = s.listener.try_clone().map_err(|e| Some(e.to_string()))?;
    let stop = StopOnDrop(Cancel::new());
    let own = (addresses, s.secret.clone());
    let rx = parent::start_own(ctx, spec, listener, own, stop.0.clone()).map_err(Some)?;
    let mut ends: Vec<Option<EndFigures>> = vec![None; n];
    let mut done = false;
    let mut ended_at: Option<Instant> = None;
    loop {
        pump(s, ctx, (layout, sent_ns), &mut ends).map_err(Some)?;
        if done && ends.iter().skip(1).all(Option::is_some) {
            break;
        }
        silence(s, &ends).map_err(Some)?;
        if ctx.cancel.is_cancelled() {
            return Err(None);
        }
        watch::overdue(ctx, layout).map_err(Some)?;
        if let Some(t) = ended_at
            && t.elapsed() > END_LIMIT
        {
            let late: Vec<String> = (1..n)
                .filter(|&i| ends[i].is_none())
                .map(|i| format!("{i} ({})", s.hosts[i]))
                .collect();
            return Err(Some(format!(
                "cluster process(es) {} did not end within {} s after the last task",
                late.join(", "),
                END_LIMIT.as_secs()
            )));
        }
        if !done {
            match rx.recv_timeout(POLL) {
                Ok(Ok(())) => {
                    done = true;
                    ended_at = Some(Instant::now());
                }
                Ok(Err(e)) => {
                    // A host that went away is the better explanation: give it a moment to show.
                    std::thread::sleep(POLL * 4);
                    pump(s, ctx, (layout, sent_ns), &mut ends).map_err(Some)?;
                    return Err(Some(format!("cluster process 0 (parlab): {e}")));
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Some(
                        "parlab's cluster workers stopped without a word".into(),
                    ));
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let mut elsewhere = (Duration::ZERO, Duration::ZERO);
    let children = (1..n)
        .map(|i| {
            let end = ends[i].unwrap_or_default();
            elsewhere.0 += Duration::from_nanos(end.user_ns);
            elsewhere.1 += Duration::from_nanos(end.sys_ns);
            ChildFigures {
                workers: threads as u32,
                process: Some(i as u32),
                host: Some(s.hosts[i].clone()),
                cpu_s: Some(end.cpu_s()),
                clock_offset_ns: s.offsets[i].map(|o| (o.ns, o.error_ns)),
                cores: s.cores[i],
                ..ChildFigures::new((i * threads) as u32, s.pids[i], end.peak_kib)
            }
        })
        .collect();
    Ok(Outcome {
        children,
        cpu_elsewhere: Some(elsewhere),
        concurrency: Some(concurrency(s, threads)),
        ..Outcome::default()
    })
}

/// How many tasks the session's workers can compute at once (on every machine, its workers up
/// to its cores; processes that said the same boot id, or else name the same host, share one
/// machine) and have in flight at once (every worker).
fn concurrency(s: &Session, threads: usize) -> (f64, f64) {
    let own_cores = crate::machine::logical_cores();
    // (machine, workers there, its cores)
    let mut machines: Vec<(String, usize, usize)> = Vec::new();
    for i in 0..s.streams.len() {
        let host = s.hosts[i].rsplit_once(':').map_or(&*s.hosts[i], |(h, _)| h);
        let id = s.machines[i]
            .clone()
            .unwrap_or_else(|| format!("host {host}"));
        let cores = match i {
            0 => own_cores,
            _ => s.cores[i].map_or(threads, |c| c as usize),
        };
        // Processes in containers on one machine share its boot id but may see fewer cores:
        // the most any of them sees is the machine's.
        match machines.iter_mut().find(|m| m.0 == id) {
            Some(m) => {
                m.1 += threads;
                m.2 = m.2.max(cores);
            }
            None => machines.push((id, threads, cores)),
        }
    }
    let compute: usize = machines.iter().map(|m| m.1.min(m.2)).sum();
    (compute as f64, (s.streams.len() * threads) as f64)
}

/// Records every line the joined processes sent since the last call (the run's layout, and
/// when it was sent to them); an error when one of them disconnected before its `end`, or
/// said what it cannot have done.
fn pump(
    s: &mut Session,
    ctx: &RunContext,
    (layout, sent_ns): (Layout, i64),
    ends: &mut [Option<EndFigures>],
) -> Result<(), String> {
    while let Ok((i, line, at)) = s.lines.try_recv() {
        s.heard[i] = at;
        match line.as_deref().map(watch::parse) {
            // Only its own workers' starts (a start can be no other process's).
            Ok(Heard::Start { task, worker, ns }) if worker as usize / layout.threads == i => {
                watch::started(&ctx.recorder, layout, task, worker, ns)
            }
            Ok(Heard::End(f)) => {
                let cores = s.cores[i].unwrap_or(1);
                admit::check_end(&f, cores, at - sent_ns).map_err(|why| {
                    format!(
                        "cluster process {i} ({}) {why}: its figures cannot be trusted (is \
                         something between the hosts rewriting the connection?)",
                        s.hosts[i]
                    )
                })?;
                ends[i] = Some(f)
            }
            Ok(_) => {}
            Err(_) if ends[i].is_some() => s.gone[i] = true,
            Err(why) => {
                return Err(format!(
                    "cluster process {i} ({}) {why} before the run ended{}",
                    s.hosts[i],
                    watch::held(ctx, layout, i)
                ));
            }
        }
    }
    Ok(())
}

/// An error naming the first joined process that has said nothing (not even `beat`) for
/// `watch::KEEPALIVE` before its `end`.
fn silence(s: &Session, ends: &[Option<EndFigures>]) -> Result<(), String> {
    let now = super::clock_ns();
    let limit = watch::KEEPALIVE.as_nanos() as i64;
    for (i, end) in ends.iter().enumerate().skip(1) {
        if end.is_none() && now - s.heard[i] > limit {
            return Err(format!(
                "cluster process {i} ({}) {}",
                s.hosts[i],
                watch::silent(None)
            ));
        }
    }
    Ok(())
}
