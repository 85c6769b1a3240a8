//! `parlab cluster-worker --join HOST0:PORT0 --index I --listen HOST:PORT`: cluster process `I`
//! of a run across machines (`--hosts`), started by hand on its host with the command parlab
//! printed (see [`super::remote`]).
//!
//! It listens on its own `--listen` address (its line of the hosts file) for the timely mesh,
//! connects to parlab (process 0) at `--join` (retrying for a while, so it may be started
//! first), proves that both sides know the run's secret (from `PARLAB_CLUSTER_SECRET`, or the
//! file `PARLAB_CLUSTER_SECRET_FILE` names: see `super::auth`; nothing is sent or run before
//! that) and says `join I PID CORES MACHINE` (its host's logical cores and boot id: the ideal
//! counts the cores of every machine once). It then serves parlab's session, one line at a
//! time on that connection: `ping` is answered at once with `pong T`, its clock (so parlab can
//! measure the offset, see `super::clock`); `run JSON` runs one run's workers, with a `start`
//! line as each task starts and an `end` line with its own figures for that run (see
//! `super::watch`); `refused WHY` ends it, exit 1. It serves every run of parlab's session
//! (repetitions, several approaches' runs, a sweep's sizes) and ends when parlab closes the
//! connection: exit 0 between runs, exit 1 in the middle of one. Both sides say `beat` every
//! second; one that hears nothing for `watch::KEEPALIVE` takes the other for gone (exit 1). Its `--command`s run in
//! process groups of their own, killed on every way out, so nothing is left on any host.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::auth::{self, Kind, Secret};
use super::watch::{self, EndFigures};
use super::wire::{self, Conn};
use super::{Spec, child, flow, mesh};
use crate::run::record::measure::{Usage, peak_rss_kib, reset_peak_rss};

/// How long it keeps trying to reach parlab.
const CONNECT_LIMIT: Duration = Duration::from_secs(60);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub struct Args {
    /// parlab's `host:port` (the first line of the hosts file).
    pub join: String,
    /// This process's number (1..N).
    pub index: usize,
    /// Its own `host:port` (its line of the hosts file).
    pub listen: String,
}

/// One run, as parlab sends it to a joined process (`run JSON`, one line).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RemoteRun {
    /// The run, its origin on this process's clock.
    pub spec: Spec,
    /// Every process's address, timely's order.
    pub addresses: Vec<String>,
    /// The variables of parlab's custom work (`--command`), set in local workers' environment.
    pub env: Vec<(String, String)>,
}

/// Reads `parlab cluster-worker --join A --index I --listen B` (exactly that).
pub fn fast_args(args: &[std::ffi::OsString]) -> Option<Args> {
    match args {
        [_, cmd, f1, join, f2, index, f3, listen]
            if cmd == child::COMMAND && f1 == "--join" && f2 == "--index" && f3 == "--listen" =>
        {
            Some(Args {
                join: join.to_str()?.to_owned(),
                index: index.to_str()?.parse().ok().filter(|&i| i >= 1)?,
                listen: listen.to_str()?.to_owned(),
            })
        }
        _ => None,
    }
}

/// Says how the command is given, for a command line that is not exactly it: exit 2.
pub fn usage() -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "error: parlab {} takes exactly: --join HOST:PORT --index I --listen HOST:PORT \
         (I from 1)\n\nRun the command `parlab run -a cluster --hosts FILE` printed for this \
         host, as it printed it.",
        child::COMMAND
    );
    ExitCode::from(2)
}

/// Joins the cluster and serves parlab's runs until parlab closes the connection.
pub fn main(args: Args) -> ExitCode {
    let index = args.index;
    let fail = |what: String| {
        crate::run::shell::kill_all();
        let _ = writeln!(std::io::stderr(), "parlab cluster process {index}: {what}");
        ExitCode::from(1)
    };
    // A peer gone mid-run is how a stopped run looks from here, as parlab's closed
    // connection is: exit 1 either way.
    child::one_line_panics_or(index, Some(1));
    if let Err(e) = super::skew_from_env() {
        return fail(e);
    }
    let secret = match Secret::from_env() {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: parlab {} needs the run's secret: run the command parlab printed for \
                 this host as it printed it (it starts with {}=...), or set {} to a file \
                 holding the secret",
                child::COMMAND,
                auth::SECRET_ENV,
                auth::SECRET_FILE_ENV
            );
            return ExitCode::from(2);
        }
        Err(why) => {
            let _ = writeln!(std::io::stderr(), "error: {why}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {} (--listen): {e}", args.listen)),
    };
    let control = match connect(&args.join, &secret, index) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let _ = control.set_nodelay(true);
    let _ = mesh::keepalive(&control);
    // parlab says `beat` every second: silence this long means it is stopped or cut off.
    let _ = control.set_read_timeout(Some(watch::KEEPALIVE));
    let _ = control.set_write_timeout(Some(watch::KEEPALIVE));
    let reader = match control.try_clone() {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let cores = crate::machine::logical_cores();
    let machine = super::machine_id().unwrap_or_else(|| "-".into());
    let greeting = format!("join {index} {} {cores} {machine}", std::process::id());
    if let Err(e) = (&control).write_all(format!("{greeting}\n").as_bytes()) {
        return fail(format!("cannot greet parlab: {e}"));
    }
    let running = Arc::new(AtomicBool::new(false));
    // Worker threads, the beats and the `pong`s all write to parlab: one line at a time, whole.
    let control = Conn::new(control);
    let beats = control.clone();
    watch::beat_forever(move |line| beats.line(line));
    let runs = match listen_to_parlab(reader, control.clone(), index, running.clone()) {
        Ok(runs) => runs,
        Err(e) => return fail(format!("cannot start a thread to listen to parlab: {e}")),
    };
    for line in runs {
        let Some(json) = line.strip_prefix("run ") else {
            continue;
        };
        let run: RemoteRun = match serde_json::from_str(json) {
            Ok(r) => r,
            Err(e) => return fail(format!("parlab sent a run this build cannot read ({e})")),
        };
        let me = index - 1;
        if run.addresses.len() != run.spec.layout.processes || me + 1 >= run.addresses.len() {
            return fail(format!(
                "--index {index} is not a process of this run ({} processes)",
                run.spec.layout.processes
            ));
        }
        running.store(true, Ordering::SeqCst);
        let figures = match serve(&listener, &control, me, run, &secret) {
            Ok(f) => f,
            Err(message) => return fail(message),
        };
        // Not running from here on: parlab may end its session as soon as it has the line.
        running.store(false, Ordering::SeqCst);
        if let Err(e) = control.line(&watch::end_line(figures)) {
            return fail(format!("cannot report to parlab: {e}"));
        }
    }
    ExitCode::SUCCESS
}

/// Reads parlab's lines on a thread of its own: answers each `ping` at once, passes every
/// other line on, and ends this process when parlab closes the connection or falls silent for
/// [`watch::KEEPALIVE`] (exit 1 in the middle of a run, 0 between runs when it closed).
fn listen_to_parlab(
    reader: TcpStream,
    answer: Conn,
    index: usize,
    running: Arc<AtomicBool>,
) -> std::io::Result<mpsc::IntoIter<String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("cluster:listen".into())
        .spawn(move || {
            let say = |what: &str| {
                let _ = writeln!(std::io::stderr(), "parlab cluster process {index}: {what}");
            };
            let mut reader = BufReader::new(reader);
            let ended = loop {
                let line = match wire::read_line(&mut reader, wire::RUN_LINE) {
                    Ok(Some(line)) => line,
                    Ok(None) => break None,
                    Err(e) => break Some(e),
                };
                if line == "ping" {
                    let _ = answer.line(&format!("pong {}\n", super::clock_ns()));
                } else if line == "beat" {
                } else if let Some(why) = line.strip_prefix("refused ") {
                    say(&format!("parlab refused it: {why}"));
                    std::process::exit(1);
                } else if tx.send(line).is_err() {
                    return;
                }
            };
            // Whether a run was under way, read before anything is killed: killing its commands
            // can end the run's workers, and the run with them, before this thread looks.
            let mid_run = running.load(Ordering::SeqCst);
            // Commands it started are in groups of their own, which parlab cannot reach here.
            crate::run::shell::kill_all();
            if let Some(e) = ended {
                let why = match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
                        "parlab said nothing for {} s (stopped, or the network to it is down)",
                        watch::KEEPALIVE.as_secs()
                    ),
                    _ => format!("the connection to parlab failed: {e}"),
                };
                say(&format!("{why}; stopping"));
                std::process::exit(1);
            }
            if mid_run {
                say("parlab closed the connection in the middle of a run; stopping");
                std::process::exit(1);
            }
            say("parlab ended the session");
            std::process::exit(0);
        })?;
    Ok(rx.into_iter())
}

/// Runs this process's workers for one run and returns its figures for that run.
fn serve(
    listener: &TcpListener,
    control: &Conn,
    me: usize,
    run: RemoteRun,
    secret: &Secret,
) -> Result<EndFigures, String> {
    let RemoteRun {
        spec,
        addresses,
        env,
    } = run;
    let pairs = env;
    let mut custom: Option<Arc<dyn crate::plan::custom::TaskRunner>> = None;
    if let Some(mut runner) = crate::run::shell::CommandRunner::from_vars(|name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }) {
        // parlab cannot kill this process's group from another host: each command gets a
        // group of its own, which this process kills on every way out.
        runner.own_group = true;
        custom = Some(Arc::new(runner));
    }
    let fault =
        crate::run::worker::fault::Fault::from_env().map_err(|e| format!("{e} (a test hook)"))?;
    reset_peak_rss();
    let before = Usage::own();
    let says = control.clone();
    let on_start: flow::OnStart = Arc::new(move |task, worker, ns| {
        let _ = says.line(&watch::start_line(task, worker, ns));
    });
    let joined = mesh::connect(listener, &addresses, me, secret, None)
        .and_then(|sockets| mesh::builders(sockets, me, spec.layout.threads));
    child::run_workers(joined, spec, fault, (on_start, custom))?;
    let used = Usage::own().since(&before);
    Ok(EndFigures {
        peak_kib: peak_rss_kib(),
        user_ns: used.user.as_nanos() as u64,
        sys_ns: used.sys.as_nanos() as u64,
    })
}

/// Connects to parlab (retrying every 200 ms for up to a minute while nothing listens there)
/// and proves both sides know the secret; the error says what went wrong.
fn connect(address: &str, secret: &Secret, index: usize) -> Result<TcpStream, String> {
    let since = Instant::now();
    let stream = loop {
        match TcpStream::connect(address) {
            Ok(s) => break s,
            Err(e) if since.elapsed() > CONNECT_LIMIT => {
                return Err(format!("cannot reach parlab at {address} (--join): {e}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    match auth::connect(&stream, secret, Kind::Join, index as u64) {
        Ok(()) => Ok(stream),
        Err(auth::Refused::WrongSecret) => Err(format!(
            "parlab at {address} (--join) and this process do not share the secret (the \
             secret is new each time parlab starts: use the command it printed this time); \
             nothing was run"
        )),
        Err(e) => Err(format!(
            "the process at {address} (--join) is not the parlab that printed this command: \
             {e}; nothing was run"
        )),
    }
}
