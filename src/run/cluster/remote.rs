//! parlab's side of a cluster run across machines (`--hosts FILE`): parlab is process 0 and
//! listens on its own line's address; it prints, for every other line, the command to start
//! there, and waits (`--join-timeout`) for each to connect and say `join I PID CORES MACHINE`
//! (one that names no process of the file, or one already joined, is told `refused WHY`).
//!
//! The joined processes make a session that lasts as long as parlab: every run of approach
//! `cluster` (warm-ups, repetitions, a sweep's sizes) uses them again, so the wait for them is
//! paid once, and outside every timed region: [`prepare`] joins (the first time) and measures
//! each host's clock offset (see `super::clock`), and [`run`] sends each process the run
//! (`run JSON`: the spec with its origin on that host's clock, every address, and the
//! environment of `--command` work) and hears its `start` and `end` lines (see
//! `super::watch`). A connection that closes before a process's `end` means it died. A joined
//! process ends itself when parlab's connection closes, so nothing is left running on any host
//! once parlab stops.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::clock::{self, Exchange, Offset};
use super::hosts::Hosts;
use super::join::RemoteRun;
use super::watch::{self, EndFigures, Heard, StopOnDrop};
use super::{Layout, Spec, child, parent};
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
    /// The connection to process `i` at `i` (None at 0, parlab).
    streams: Vec<Option<TcpStream>>,
    /// The pid each process said it has.
    pids: Vec<u32>,
    /// The logical cores each said its host has.
    cores: Vec<Option<u32>>,
    /// The machine each said it runs on (its boot id), if it could tell.
    machines: Vec<Option<String>>,
    /// Every line from process `i`, with parlab's clock as it came; None once it closed.
    lines: Receiver<(usize, Option<String>, i64)>,
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
            let _ = s.shutdown(std::net::Shutdown::Both);
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

/// Waits for every host of `hosts` to join, printing the command for each.
fn join(
    ctx: &RunContext,
    hosts: &Hosts,
    failed: &dyn Fn(String) -> ApproachError,
) -> Result<Session, ApproachError> {
    let n = hosts.lines.len();
    let own = &hosts.lines[0];
    let listener = TcpListener::bind(own).map_err(|e| {
        failed(format!(
            "cannot listen on {own} (the first line of --hosts, this machine's process 0): {e}"
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| failed(e.to_string()))?;
    let mut say = format!(
        "parlab cluster: waiting up to {} for {} process(es) to join {own}; start on each host:\n",
        crate::format::format_seconds(hosts.join_timeout.as_secs_f64()),
        n - 1
    );
    for (i, line) in hosts.lines.iter().enumerate().skip(1) {
        say.push_str(&format!("  {line}:  {}\n", command(own, i, line)));
    }
    let _ = crate::say::err_bytes(say.as_bytes());
    let mut joined: Vec<Option<Hello>> = (0..n).map(|_| None).collect();
    let since = Instant::now();
    while joined.iter().skip(1).any(Option::is_none) {
        if ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        if since.elapsed() > hosts.join_timeout {
            let missing: Vec<String> = (1..n)
                .filter(|&i| joined[i].is_none())
                .map(|i| format!("{} (process {i})", hosts.lines[i]))
                .collect();
            return Err(failed(format!(
                "{} did not join within the time limit of {} (--join-timeout): {}",
                if missing.len() == 1 {
                    "1 host"
                } else {
                    "these hosts"
                },
                crate::format::format_seconds(hosts.join_timeout.as_secs_f64()),
                missing.join(", ")
            )));
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some((i, mut h)) = hello(stream) {
                    let refused = if !(1..n).contains(&i) {
                        Some(format!(
                            "--index {i} is not a process of its hosts file (1 to {})",
                            n - 1
                        ))
                    } else if joined[i].is_some() {
                        Some(format!("process {i} has joined already"))
                    } else {
                        None
                    };
                    match refused {
                        Some(why) => {
                            let _ = h.stream.write_all(format!("refused {why}\n").as_bytes());
                        }
                        None => joined[i] = Some(h),
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL / 5),
            Err(e) => return Err(failed(format!("cannot accept a joining process: {e}"))),
        }
    }
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
        let reader = h.stream.try_clone().map_err(|e| failed(e.to_string()))?;
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                if tx.send((i, Some(line), super::clock_ns())).is_err() {
                    return;
                }
            }
            let _ = tx.send((i, None, super::clock_ns()));
        });
        streams.push(Some(h.stream));
        pids.push(h.pid);
        cores.push(h.cores);
        machines.push(h.machine);
    }
    Ok(Session {
        hosts: hosts.lines.clone(),
        listener,
        streams,
        pids,
        cores,
        machines,
        lines,
        offsets: vec![None; n],
        gone: vec![false; n],
    })
}

/// Measures every joined host's clock against parlab's (see `super::clock`).
fn measure_offsets(s: &mut Session, ctx: &RunContext) -> Result<(), String> {
    // What came after the last run: only a closed connection matters now.
    while let Ok((i, line, _)) = s.lines.try_recv() {
        if line.is_none() {
            s.gone[i] = true;
        }
    }
    if let Some(i) = s.gone.iter().position(|g| *g) {
        return Err(format!(
            "cluster process {i} ({}) disconnected between runs",
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
            let stream = s.streams[i].as_mut().ok_or("a joined process was lost")?;
            stream
                .write_all(b"ping\n")
                .map_err(|e| format!("cannot reach {} (process {i}): {e}", s.hosts[i]))?;
            let since = Instant::now();
            loop {
                match s
                    .lines
                    .recv_timeout(END_LIMIT.saturating_sub(since.elapsed()))
                {
                    Ok((j, Some(line), back)) if j == i => {
                        if let Some(theirs) = line
                            .strip_prefix("pong ")
                            .and_then(|t| t.trim().parse().ok())
                        {
                            exchanges.push(Exchange { sent, theirs, back });
                            break;
                        }
                    }
                    Ok((j, None, _)) => {
                        return Err(format!(
                            "cluster process {j} ({}) disconnected between runs",
                            s.hosts[j]
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => {
                        return Err(format!(
                            "cluster process {i} ({}) did not answer within {} s",
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
        let stream = s.streams[i]
            .as_mut()
            .ok_or_else(|| Some("a joined process was lost".to_owned()))?;
        stream
            .write_all(format!("run {json}\n").as_bytes())
            .map_err(|e| Some(format!("cannot send the run to {}: {e}", s.hosts[i])))?;
    }
    let listener = s.listener.try_clone().map_err(|e| Some(e.to_string()))?;
    let stop = StopOnDrop(Cancel::new());
    let rx = parent::start_own(ctx, spec, listener, addresses, stop.0.clone()).map_err(Some)?;
    let mut ends: Vec<Option<EndFigures>> = vec![None; n];
    let mut done = false;
    let mut ended_at: Option<Instant> = None;
    loop {
        pump(s, ctx, layout, &mut ends).map_err(Some)?;
        if done && ends.iter().skip(1).all(Option::is_some) {
            break;
        }
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
                    pump(s, ctx, layout, &mut ends).map_err(Some)?;
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

/// Records every line the joined processes sent since the last call; an error when one of them
/// disconnected before its `end`.
fn pump(
    s: &mut Session,
    ctx: &RunContext,
    layout: Layout,
    ends: &mut [Option<EndFigures>],
) -> Result<(), String> {
    while let Ok((i, line, _)) = s.lines.try_recv() {
        match line.as_deref().map(watch::parse) {
            Some(Heard::Start { task, worker, ns }) => {
                watch::started(&ctx.recorder, layout, task, worker, ns)
            }
            Some(Heard::End(f)) => ends[i] = Some(f),
            Some(Heard::Other) => {}
            None if ends[i].is_some() => s.gone[i] = true,
            None => {
                return Err(format!(
                    "cluster process {i} ({}) disconnected before the run ended{}",
                    s.hosts[i],
                    watch::held(ctx, layout, i)
                ));
            }
        }
    }
    Ok(())
}

/// The command that starts cluster process `index` on `line`'s host.
/// (The worker threads come with the run itself.)
pub fn command(own: &str, index: usize, line: &str) -> String {
    format!(
        "parlab {} --join {own} --index {index} --listen {line}",
        child::COMMAND
    )
}

/// What a joining process said of itself.
struct Hello {
    stream: TcpStream,
    pid: u32,
    cores: Option<u32>,
    machine: Option<String>,
}

/// Reads a joining process's `join I PID CORES MACHINE` line (within 2 s): its index and the
/// rest.
fn hello(stream: TcpStream) -> Option<(usize, Hello)> {
    stream.set_nonblocking(false).ok()?;
    stream.set_nodelay(true).ok()?;
    super::mesh::keepalive(&stream).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    reader.read_line(&mut line).ok()?;
    let mut words = line.strip_prefix("join ")?.split_whitespace();
    let i: usize = words.next()?.parse().ok()?;
    let pid: u32 = words.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let cores: Option<u32> = words.next().and_then(|c| c.parse().ok()).filter(|&c| c > 0);
    let machine = words.next().filter(|m| *m != "-").map(str::to_owned);
    stream.set_read_timeout(None).ok()?;
    Some((
        i,
        Hello {
            stream,
            pid,
            cores,
            machine,
        },
    ))
}
