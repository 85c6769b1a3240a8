//! Who gets into a cluster session across machines (`--hosts`), parlab's side: it prints the
//! command for every host (the session's secret inside it, see `super::auth`), then accepts
//! connections on its own line's address, each proven on a thread of its own under its own
//! deadline (see `super::wire::Door`), so that strangers, slow or silent, neither take a slot
//! nor hold up the wait, `--join-timeout` or Ctrl-C. A proven process then says `join I PID
//! CORES MACHINE`, which is checked (a process of the file, not joined yet, figures a machine
//! can have) before it takes its slot; what it reports at the end of each run is checked
//! against its cores and the run's wall ([`check_end`]).

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::auth::{self, Kind, Secret};
use super::child;
use super::hosts::Hosts;
use super::watch::EndFigures;
use super::wire::{self, Conn, Door};
use crate::run::record::{ApproachError, RunContext};

/// How often the wait looks at the cancel flag and its time limit.
const POLL: Duration = Duration::from_millis(10);

/// The highest pid Linux gives (`PID_MAX_LIMIT`, 2^22).
const PID_MAX: u32 = 1 << 22;
/// The most logical cores a host may say it has.
const CORES_MAX: u32 = 1 << 16;
/// The most peak memory a process may say it had, KiB (64 TiB).
const PEAK_MAX_KIB: u64 = 1 << 36;
/// How many connections turned away are named on stderr (then only counted).
const NAMED_REFUSALS: usize = 3;

/// What a joining process said of itself.
pub(super) struct Hello {
    /// Its connection, proven; parlab says `beat` on it from the moment it is admitted.
    pub conn: Conn,
    /// Its pid.
    pub pid: u32,
    /// Its host's logical cores.
    pub cores: Option<u32>,
    /// Its host's boot id.
    pub machine: Option<String>,
}

/// The session's secret: the one given in the environment, or a new one.
pub(super) fn secret() -> Result<(Secret, bool), String> {
    match Secret::from_env()? {
        Some(s) => Ok((s, true)),
        None => Ok((Secret::random()?, false)),
    }
}

/// Prints the command for every host, then waits for each to join; the proven connections
/// with what each said, `joined[i]` for process `i` (None at 0, parlab).
pub(super) fn gather(
    ctx: &RunContext,
    hosts: &Hosts,
    listener: &TcpListener,
    (secret, given): (&Secret, bool),
    failed: &dyn Fn(String) -> ApproachError,
) -> Result<Vec<Option<Hello>>, ApproachError> {
    let n = hosts.lines.len();
    let own = &hosts.lines[0];
    let mut say = format!(
        "parlab cluster: waiting up to {} for {} process(es) to join {own}; start on each host:\n",
        crate::format::format_seconds(hosts.join_timeout.as_secs_f64()),
        n - 1
    );
    for (i, line) in hosts.lines.iter().enumerate().skip(1) {
        let secret = (!given).then_some(secret);
        say.push_str(&format!("  {line}:  {}\n", command(own, i, line, secret)));
    }
    if given {
        say.push_str(&format!(
            "  (each with the secret parlab was given: {} or {} set as for parlab)\n",
            auth::SECRET_ENV,
            auth::SECRET_FILE_ENV
        ));
    }
    let _ = crate::say::err_bytes(say.as_bytes());
    let door: Door<(usize, Hello)> = Door::new(listener, secret, Kind::Join, Arc::new(hello))
        .map_err(|e| failed(format!("cannot accept joining processes: {e}")))?;
    let mut joined: Vec<Option<Hello>> = (0..n).map(|_| None).collect();
    let mut refusals = 0;
    let since = Instant::now();
    while joined.iter().skip(1).any(Option::is_none) {
        if ctx.cancel.is_cancelled() {
            return Err(ApproachError::Cancelled);
        }
        if since.elapsed() > hosts.join_timeout {
            return Err(failed(missing(hosts, &joined)));
        }
        let knock = door
            .next(POLL)
            .map_err(|e| failed(format!("cannot accept a joining process: {e}")))?;
        let (peer, (i, h)) = match knock {
            None => continue,
            Some((peer, Ok(joining))) => (peer, joining),
            Some((peer, Err(why))) => {
                refusals += 1;
                let line = match refusals {
                    r if r <= NAMED_REFUSALS => {
                        format!("parlab cluster: turned away a connection from {peer}: {why}\n")
                    }
                    r if r == NAMED_REFUSALS + 1 => {
                        "parlab cluster: turning away more connections (not named)\n".to_owned()
                    }
                    _ => String::new(),
                };
                let _ = crate::say::err_bytes(line.as_bytes());
                continue;
            }
        };
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
                let _ = h.conn.line(&format!("refused {why}\n"));
                let _ = crate::say::err_bytes(
                    format!("parlab cluster: refused process {i} from {peer}: {why}\n").as_bytes(),
                );
            }
            None => {
                // From now on it hears parlab every second, however long the others take.
                h.conn.beat();
                joined[i] = Some(h);
            }
        }
    }
    Ok(joined)
}

/// The error for the hosts that did not join in time.
fn missing(hosts: &Hosts, joined: &[Option<Hello>]) -> String {
    let missing: Vec<String> = (1..hosts.lines.len())
        .filter(|&i| joined[i].is_none())
        .map(|i| format!("{} (process {i})", hosts.lines[i]))
        .collect();
    format!(
        "{} did not join within the time limit of {} (--join-timeout): {}",
        if missing.len() == 1 {
            "1 host"
        } else {
            "these hosts"
        },
        crate::format::format_seconds(hosts.join_timeout.as_secs_f64()),
        missing.join(", ")
    )
}

/// The command that starts cluster process `index` on `line`'s host, with the secret in front
/// where parlab made it (one given to parlab is given to the hosts the same way).
pub fn command(own: &str, index: usize, line: &str, secret: Option<&Secret>) -> String {
    let env = secret.map_or(String::new(), |s| {
        format!("{}={} ", auth::SECRET_ENV, s.hex())
    });
    format!(
        "{env}parlab {} --join {own} --index {index} --listen {line}",
        child::COMMAND
    )
}

/// Reads a proven process's `join I PID CORES MACHINE` line (within the handshake's limit,
/// bounded in length) and checks its figures: its index and the rest.
fn hello(stream: TcpStream, proven: u64) -> Result<(usize, Hello), String> {
    let _ = super::mesh::keepalive(&stream);
    let deadline = Instant::now() + auth::HANDSHAKE_LIMIT;
    let mut line = Vec::new();
    let mut byte = [0u8];
    // Byte by byte under the deadline: nothing may follow the line before parlab answers.
    while byte[0] != b'\n' {
        auth::read_by(&stream, &mut byte, deadline)
            .map_err(|e| format!("it did not say which process it is: {e}"))?;
        line.push(byte[0]);
        if line.len() > 256 {
            return Err("its join line is too long".into());
        }
    }
    stream.set_read_timeout(None).map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&line);
    let words: Vec<&str> = line.split_whitespace().collect();
    let [join, i, pid, cores, machine] = words[..] else {
        return Err(format!(
            "it said '{}', not `join I PID CORES MACHINE`",
            line.trim()
        ));
    };
    let i: usize = i
        .parse()
        .ok()
        .filter(|&i| join == "join" && i as u64 == proven)
        .ok_or_else(|| format!("its join line names process {i}, its proof {proven}"))?;
    let pid: u32 = pid
        .parse()
        .ok()
        .filter(|p| (1..=PID_MAX).contains(p))
        .ok_or_else(|| format!("pid {pid} is no pid"))?;
    let cores: u32 = cores
        .parse()
        .ok()
        .filter(|c| (1..=CORES_MAX).contains(c))
        .ok_or_else(|| format!("{cores} cores is not a machine's"))?;
    let machine = match machine {
        "-" => None,
        m if m.len() <= 64 && m.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') => {
            Some(m.to_owned())
        }
        m => return Err(format!("'{m}' is not a boot id")),
    };
    Ok((
        i,
        Hello {
            conn: Conn::new(stream),
            pid,
            cores: Some(cores),
            machine,
        },
    ))
}

/// Checks what a host said at the end of a run against what its machine can do: CPU time no
/// more than its cores over the time from parlab sending the run to hearing its end (with a
/// little for the clock's granularity), a peak memory a machine can have.
pub(super) fn check_end(f: &EndFigures, cores: u32, span_ns: i64) -> Result<(), String> {
    let cpu_ns = f.user_ns.saturating_add(f.sys_ns) as f64;
    let most = f64::from(cores) * (span_ns.max(0) as f64 + 20e6);
    if cpu_ns > most {
        return Err(format!(
            "said it used {} of CPU time in a span of {} on {cores} core(s), more than its \
             cores can do",
            crate::format::format_seconds(cpu_ns / 1e9),
            crate::format::format_seconds(span_ns as f64 / 1e9)
        ));
    }
    if f.peak_kib > PEAK_MAX_KIB {
        return Err(format!("said its peak memory was {} KiB", f.peak_kib));
    }
    Ok(())
}

/// The reader of a joined connection, for its own thread: every line bounded.
pub(super) fn reader(conn: &Conn) -> std::io::Result<BufReader<TcpStream>> {
    Ok(BufReader::new(conn.reader()?))
}

/// Reads the next line of a joined connection: None at its end; an error for a line longer
/// than any a cluster process sends.
pub(super) fn next_line(r: &mut BufReader<TcpStream>) -> Result<Option<String>, String> {
    wire::read_line(r, wire::SHORT_LINE).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hosts_end_figures_are_checked_against_its_cores() {
        let f = |cpu_s: f64, peak_kib| EndFigures {
            peak_kib,
            user_ns: (cpu_s * 1e9) as u64,
            sys_ns: 0,
        };
        // 0.3 s of CPU in 0.164 s on 2 cores is possible; 123 s is not (the relay's lie).
        assert!(check_end(&f(0.3, 5000), 2, 164_000_000).is_ok());
        let e = check_end(&f(123.0, 5000), 4, 164_000_000).unwrap_err();
        assert!(e.contains("more than its cores can do"), "{e}");
        assert!(check_end(&f(0.1, 1 << 40), 4, 1_000_000_000).is_err());
    }

    #[test]
    fn the_command_holds_the_secret_it_was_made_with() {
        let s = Secret::from_hex(&"ab".repeat(16)).unwrap();
        let c = command("h0:1", 2, "h2:3", Some(&s));
        assert_eq!(
            c,
            format!(
                "PARLAB_CLUSTER_SECRET={} parlab cluster-worker --join h0:1 --index 2 --listen h2:3",
                "ab".repeat(16)
            )
        );
        assert!(command("h0:1", 2, "h2:3", None).starts_with("parlab "));
    }
}
