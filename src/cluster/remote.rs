//! parlab's side of a cluster run across machines (`--hosts FILE`): parlab is process 0 and
//! listens on its own line's address; it prints, for every other line, the command to start
//! there, and waits (`--join-timeout`) for each to connect and say `join I`. It then sends each
//! the run (`Spec` as JSON, one line) and the address of every process (one line, timely's
//! order), and keeps the connection: a process's last line is `peak KIB`, and a connection that
//! closes before it means the process died. A process also ends itself when parlab's
//! connection closes, so nothing is left running on any host once parlab stops.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::hosts::Hosts;
use super::{Layout, Spec, child, parent};
use crate::record::{ApproachError, ChildFigures, Outcome, RunContext};

/// How often the run looks at the cancel flag, the joins and the connections.
const POLL: Duration = Duration::from_millis(50);

/// The longest a process may take to end after the last task.
const END_LIMIT: Duration = Duration::from_secs(10);

/// Runs every task of `ctx` over the processes of `hosts`, `threads` workers each.
pub fn run(
    id: &str,
    ctx: &RunContext,
    hosts: &Hosts,
    threads: usize,
) -> Result<Outcome, ApproachError> {
    let failed = |what: String| ApproachError::Failed(format!("approach {id}: {what}"));
    let n = hosts.lines.len();
    let layout = Layout {
        processes: n,
        threads,
    };
    let spec = Spec {
        work: ctx.work,
        tasks: ctx.tasks,
        layout,
        origin_mono_ns: crate::worker::mono_now_ns().saturating_sub(ctx.recorder.now_ns()),
    };
    let own = &hosts.lines[0];
    let listener = TcpListener::bind(own).map_err(|e| {
        failed(format!(
            "cannot listen on {own} (the first line of --hosts, this machine's process 0): {e}"
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| failed(e.to_string()))?;
    let mut say = String::new();
    say.push_str(&format!(
        "parlab cluster: waiting up to {} for {} process(es) to join {own}; start on each host:\n",
        crate::format::format_seconds(hosts.join_timeout.as_secs_f64()),
        n - 1
    ));
    for (i, line) in hosts.lines.iter().enumerate().skip(1) {
        say.push_str(&format!("  {line}:  {}\n", command(own, i, line)));
    }
    let _ = std::io::stderr().write_all(say.as_bytes());
    let mut joined: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
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
                if let Some((i, s)) = hello(stream, n)
                    && joined[i].is_none()
                {
                    joined[i] = Some(s);
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL / 5),
            Err(e) => return Err(failed(format!("cannot accept a joining process: {e}"))),
        }
    }
    // Timely's order: the others, then parlab last (it only connects, never accepts).
    let mut addresses: Vec<String> = hosts.lines[1..].to_vec();
    addresses.push(own.clone());
    let json = serde_json::to_string(&spec).map_err(|e| failed(e.to_string()))?;
    let message = format!("{json}\n{}\n", addresses.join(" "));
    let (lines_tx, lines) = mpsc::channel::<(usize, Option<String>)>();
    for (i, stream) in joined.iter_mut().enumerate().skip(1) {
        let Some(stream) = stream else { continue };
        stream
            .write_all(message.as_bytes())
            .map_err(|e| failed(format!("cannot send the run to {}: {e}", hosts.lines[i])))?;
        let reader = stream.try_clone().map_err(|e| failed(e.to_string()))?;
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                let _ = tx.send((i, Some(line)));
            }
            let _ = tx.send((i, None));
        });
    }
    drop(lines_tx);
    let rx = parent::start_own(ctx, spec, listener, addresses).map_err(failed)?;
    let mut peaks = vec![None; n];
    let mut gone = vec![false; n];
    gone[0] = true;
    let mut done = false;
    let mut ended_at: Option<Instant> = None;
    loop {
        while let Ok((i, line)) = lines.try_recv() {
            match line {
                Some(l) => {
                    if let Some(k) = l.strip_prefix("peak ").and_then(|k| k.trim().parse().ok()) {
                        peaks[i] = Some(k);
                    }
                }
                None if peaks[i].is_none() => {
                    return Err(failed(format!(
                        "cluster process {i} ({}) disconnected before the run ended",
                        hosts.lines[i]
                    )));
                }
                None => gone[i] = true,
            }
        }
        if done && gone.iter().all(|g| *g) {
            break;
        }
        if ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        if let Some(t) = ended_at
            && t.elapsed() > END_LIMIT
        {
            return Err(failed(
                "a cluster process did not end after the last task".into(),
            ));
        }
        if !done {
            match rx.recv_timeout(POLL) {
                Ok(Ok(())) => {
                    done = true;
                    ended_at = Some(Instant::now());
                }
                Ok(Err(e)) => return Err(failed(format!("cluster process 0 (parlab): {e}"))),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(failed(
                        "parlab's cluster workers stopped without a word".into(),
                    ));
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // Remote processes are not parlab's children: their pid is not known here (0).
    let children = (1..n)
        .map(|i| ChildFigures {
            worker: (i * threads) as u32,
            pid: 0,
            peak_rss_kib: peaks[i].unwrap_or(0),
        })
        .collect();
    Ok(Outcome {
        children,
        cpu_before_run: None,
    })
}

/// The command that starts cluster process `index` on `line`'s host.
/// (The worker threads come with the run itself.)
pub fn command(own: &str, index: usize, line: &str) -> String {
    format!(
        "parlab {} --join {own} --index {index} --listen {line}",
        child::COMMAND
    )
}

/// Reads a joining process's `join I` line (within 5 s): its index and its connection.
fn hello(stream: TcpStream, n: usize) -> Option<(usize, TcpStream)> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    reader.read_line(&mut line).ok()?;
    let i: usize = line.strip_prefix("join ")?.trim().parse().ok()?;
    stream.set_read_timeout(None).ok()?;
    (1..n).contains(&i).then_some((i, stream))
}
