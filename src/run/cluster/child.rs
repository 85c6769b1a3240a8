//! The hidden `parlab cluster-worker --parent PID --index K --spec JSON` process: one timely
//! process of a cluster run, started by parlab (see [`super::parent`]).
//!
//! It talks to parlab in lines: `port N` on its stdout once it listens, the run's secret and
//! the addresses of every process on its stdin in return (see `super::mesh`), `beat` every
//! second all along (see `super::watch`), then a `start` line as each task starts
//! and an `end` line with its own peak memory (VmHWM) and CPU time at the end (see
//! `super::watch`). Its stdout itself points at /dev/null meanwhile, so that nothing else
//! printed can get in between. Panics and errors go to stderr, which parlab's
//! terminal shows.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd};
use std::process::ExitCode;
use std::sync::Arc;

use super::auth::Secret;
use super::watch::{self, EndFigures};
use super::{Spec, flow, mesh, wire};
use crate::cancel::Cancel;
use crate::run::worker::fault::Fault;

/// The subcommand's name.
pub const COMMAND: &str = "cluster-worker";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub struct Args {
    /// The pid of the parlab that started it.
    pub parent: u32,
    /// Its timely process index.
    pub index: usize,
    /// The run, as JSON.
    pub spec: String,
}

/// Reads `parlab cluster-worker --parent PID --index K --spec JSON` (exactly that), without
/// clap; None for any other command line.
pub fn fast_args(args: &[std::ffi::OsString]) -> Option<Args> {
    match args {
        [_, cmd, f1, parent, f2, index, f3, spec]
            if cmd == COMMAND && f1 == "--parent" && f2 == "--index" && f3 == "--spec" =>
        {
            Some(Args {
                parent: parent.to_str()?.parse().ok()?,
                index: index.to_str()?.parse().ok()?,
                spec: spec.to_str()?.to_owned(),
            })
        }
        _ => None,
    }
}

/// Runs this process's workers until the dataflow is done; `custom` runs custom steps (None:
/// a `--command` from the environment, if any).
pub fn main(args: Args, custom: Option<Arc<dyn crate::plan::custom::TaskRunner>>) -> ExitCode {
    crate::run::worker::child::die_with_parent(Some(args.parent));
    let fail = |what: String| {
        let _ = writeln!(
            std::io::stderr(),
            "parlab cluster process {}: {what}",
            args.index + 1
        );
        ExitCode::from(2)
    };
    one_line_panics(args.index + 1);
    let spec: Spec = match serde_json::from_str(&args.spec) {
        Ok(s) => s,
        Err(e) => return fail(format!("--spec: {e}")),
    };
    // A --command comes in the environment; a library user's function from the program
    // that serves this process (see crate::lab).
    let custom = custom.or_else(|| {
        crate::run::shell::CommandRunner::from_worker_env()
            .map(|r| Arc::new(r) as Arc<dyn crate::plan::custom::TaskRunner>)
    });
    let fault = match Fault::from_env() {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let report = match quiet_stdout() {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot set up stdout: {e}")),
    };
    let report = Arc::new(report);
    let beats = report.clone();
    // One write of a few bytes to a pipe: whole, never inside another line.
    watch::beat_forever(move |line| (&*beats).write_all(line.as_bytes()));
    let joined = join(&report, args.index, spec.layout.threads);
    let says = report.clone();
    let on_start: flow::OnStart = Arc::new(move |task, worker, ns| {
        let _ = (&*says).write_all(watch::start_line(task, worker, ns).as_bytes());
    });
    if let Err(message) = run_workers(joined, spec, fault, (on_start, custom)) {
        return fail(message);
    }
    let _ = (&*report).write_all(watch::end_line(own_figures()).as_bytes());
    ExitCode::SUCCESS
}

/// This process's peak memory and the CPU time it used so far.
pub(super) fn own_figures() -> EndFigures {
    let used = crate::run::record::measure::Usage::own();
    EndFigures {
        peak_kib: crate::run::record::measure::peak_rss_kib(),
        user_ns: used.user.as_nanos() as u64,
        sys_ns: used.sys.as_nanos() as u64,
    }
}

/// Makes the first panic end this process (cluster process `process`) with one line: timely's
/// other threads would each panic in turn (a poisoned queue, a closed socket), burying the
/// cause.
pub(super) fn one_line_panics(process: usize) {
    one_line_panics_or(process, None);
}

/// [`one_line_panics`], except that timely's panic on a peer's closed connection ends the
/// process with `peer_gone` where that is given: for a joined process, whose peers (parlab among
/// them) close their connections when parlab stops a run, so that how it ends does not depend
/// on whether the mesh or parlab's own connection noticed first.
///
/// Only the first panic decides: every later one (timely's threads fail in a cascade once one
/// has) waits for the exit the first one makes, so two threads never race to `exit` with
/// different statuses. And in a joined process any other panic waits a moment before it says
/// 101: when parlab has closed the connection, the thread that reads it ends the process with
/// its own status first (the panic was a consequence of the stop, not its cause).
pub(super) fn one_line_panics_or(process: usize, peer_gone: Option<u8>) {
    static FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    std::panic::set_hook(Box::new(move |info| {
        if FIRST.swap(true, std::sync::atomic::Ordering::SeqCst) {
            loop {
                std::thread::park();
            }
        }
        crate::run::shell::kill_all();
        let message = info.to_string().replace('\n', " ");
        let status = match peer_gone {
            Some(code) if message.contains("timely communication error") => {
                let _ = writeln!(
                    std::io::stderr(),
                    "parlab cluster process {process}: a peer closed its connection in the \
                     middle of a run; stopping"
                );
                i32::from(code)
            }
            other => {
                if other.is_some() {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "parlab cluster process {process}: {message}"
                );
                101
            }
        };
        std::process::exit(status);
    }));
}

/// Listens on a free port, tells parlab which (`port N`), reads the run's secret (a line, hex)
/// and every process's address (one line, space-separated, timely's order) from stdin, and
/// connects to them all.
fn join(report: &File, index: usize, threads: usize) -> std::io::Result<Builders> {
    let listener = mesh::listen()?;
    // One write, so that a `beat` never lands inside the line.
    let port = format!("port {}\n", listener.local_addr()?.port());
    (&*report).write_all(port.as_bytes())?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut stdin = std::io::stdin().lock();
    let secret = wire::read_line(&mut stdin, wire::SHORT_LINE)?
        .and_then(|hex| Secret::from_hex(&hex).ok())
        .ok_or_else(|| bad("parlab sent no secret"))?;
    let line = wire::read_line(&mut stdin, wire::RUN_LINE)?.unwrap_or_default();
    let addresses: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    if index >= addresses.len() {
        return Err(bad("parlab sent no address list"));
    }
    let sockets = mesh::connect(&listener, &addresses, index, &secret, None)?;
    mesh::builders(sockets, index, threads)
}

/// Runs this process's timely workers on `spec` once `joined` connected them to the cluster,
/// until every worker is done; the error says which step failed. Local cluster processes and
/// processes joined from another host (`--hosts`) both end here.
pub(super) fn run_workers(
    joined: std::io::Result<Builders>,
    spec: Spec,
    fault: Option<Fault>,
    (on_start, custom): (
        flow::OnStart,
        Option<Arc<dyn crate::plan::custom::TaskRunner>>,
    ),
) -> Result<(), String> {
    let (builders, others) = joined.map_err(|e| format!("cannot join the cluster: {e}"))?;
    let cancel = Cancel::new();
    let guards = timely::execute::execute_from(
        builders,
        others,
        timely::WorkerConfig::default(),
        move |worker| {
            let hooks = (on_start.clone(), custom.clone());
            flow::run(worker, &spec, &cancel, fault, hooks, &|_| {})
        },
    )
    .map_err(|e| format!("cannot start the workers: {e}"))?;
    for r in guards.join() {
        r.map_err(|e| format!("a worker failed: {e}"))?;
    }
    Ok(())
}

/// Timely's allocators and the guard of its network threads.
pub(super) type Builders = (
    Vec<timely::communication::allocator::AllocatorBuilder>,
    Box<dyn std::any::Any + Send>,
);

/// Keeps the stdout pipe for the final report and points stdout itself at /dev/null.
fn quiet_stdout() -> std::io::Result<File> {
    let keep = File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let null = File::options().write(true).open("/dev/null")?;
    // SAFETY: dup2 onto fd 1 with a descriptor we own; both stay valid.
    if unsafe { libc::dup2(null.as_raw_fd(), 1) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(keep)
}
