//! `parlab cluster-worker --join HOST0:PORT0 --index I --listen HOST:PORT`: cluster process `I`
//! of a run across machines (`--hosts`), started by hand on its host with the command parlab
//! printed (see [`super::remote`]).
//!
//! It listens on its own `--listen` address (its line of the hosts file) for the timely mesh,
//! connects to parlab (process 0) at `--join` (retrying for a while, so it may be started
//! first), says `join I`, and reads the run and every process's address back. It ends itself,
//! exit 1, when parlab's connection closes before the run is over, so no process is left.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Spec, child, mesh};

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

/// Joins the cluster and runs this process's workers until the dataflow is done.
pub fn main(args: Args) -> ExitCode {
    let index = args.index;
    let fail = |what: String| {
        let _ = writeln!(std::io::stderr(), "parlab cluster process {index}: {what}");
        ExitCode::from(1)
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {} (--listen): {e}", args.listen)),
    };
    let control = match connect(&args.join) {
        Ok(s) => s,
        Err(e) => {
            return fail(format!(
                "cannot reach parlab at {} (--join): {e}",
                args.join
            ));
        }
    };
    let mut reader = match control.try_clone() {
        Ok(s) => BufReader::new(s),
        Err(e) => return fail(e.to_string()),
    };
    let mut spec_line = String::new();
    let mut address_line = String::new();
    let greeted = writeln!(&control, "join {index}")
        .and_then(|_| reader.read_line(&mut spec_line))
        .and_then(|_| reader.read_line(&mut address_line));
    if let Err(e) = greeted {
        return fail(format!("parlab did not send the run: {e}"));
    }
    let spec: Spec = match serde_json::from_str(&spec_line) {
        Ok(s) => s,
        Err(e) => return fail(format!("parlab sent no run ({e}): was it stopped?")),
    };
    let addresses: Vec<String> = address_line.split_whitespace().map(str::to_owned).collect();
    let me = index - 1;
    if addresses.len() != spec.layout.processes || me >= addresses.len() - 1 {
        return fail(format!(
            "--index {index} is not a process of this run ({} processes)",
            spec.layout.processes
        ));
    }
    // parlab gone before the end: this process ends too.
    let finished = Arc::new(AtomicBool::new(false));
    let watch = finished.clone();
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
        if !watch.load(Ordering::SeqCst) {
            let _ = writeln!(
                std::io::stderr(),
                "parlab cluster process {index}: parlab closed the connection; stopping"
            );
            std::process::exit(1);
        }
    });
    let joined = mesh::connect(&listener, &addresses, me)
        .and_then(|sockets| mesh::builders(sockets, me, spec.layout.threads));
    if let Err(message) = child::run_workers(joined, spec, None) {
        return fail(message);
    }
    finished.store(true, Ordering::SeqCst);
    let peak = crate::record::measure::status_field("VmHWM:").unwrap_or(0);
    let _ = writeln!(&control, "peak {peak}");
    let _ = control.shutdown(std::net::Shutdown::Write);
    ExitCode::SUCCESS
}

/// Connects to parlab, retrying every 200 ms for up to a minute.
fn connect(address: &str) -> std::io::Result<TcpStream> {
    let since = Instant::now();
    loop {
        match TcpStream::connect(address) {
            Ok(s) => return Ok(s),
            Err(e) if since.elapsed() > CONNECT_LIMIT => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}
