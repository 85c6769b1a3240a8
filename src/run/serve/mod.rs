//! parlab's local server for `net` work, and its parent's side.
//!
//! `parlab serve` (hidden; parlab starts it itself, see [`local`]) listens on 127.0.0.1 on a
//! port the kernel picks, writes `port N` on its stdout, and answers every request of the
//! `net` wire format (see [`crate::plan::workload`]'s `net`) after `--io-wait-ns`, on a timer, so a
//! waiting request holds no thread: one tokio event loop serves every connection. It stops
//! when its stdin closes (parlab closes it, or dies), writing one last line with the requests
//! it served and its own peak memory.
//!
//! It closes each connection itself after answering its last request (`--requests`), as an
//! HTTP/1.0 server does, so that the closing side's `TIME_WAIT` is the server's, on its own
//! port: were the clients to close first, every connection would hold one of the ~28,000
//! ephemeral ports for a minute, and a run's ten thousand connections after a warm-up and a
//! few runs would find the ports nearly all taken, each connect searching longer for one.
//!
//! A test hook, `PARLAB_SERVE_FAIL`, compiled in only with the `test-hooks` feature (which
//! `cargo test` turns on), makes it fail on purpose: `start` (exits before it listens),
//! `after:N` (exits abruptly at the N-th request), `corrupt:N` (flips a byte of the N-th
//! reply), `short:N` (sends half the N-th reply and closes).

pub mod executor;
pub mod local;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::plan::workload::{self, REQUEST_BYTES};

/// The listen backlog asked for: room for ten thousand connections arriving at once (the
/// kernel caps it at `net.core.somaxconn`; connections beyond the backlog are retried by the
/// client's kernel, so a small cap slows connecting but loses nothing).
pub const BACKLOG: u32 = 16_384;

/// The test hook's failures (only ever `None` without the `test-hooks` feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
enum Fault {
    None,
    Start,
    After(u64),
    Corrupt(u64),
    Short(u64),
}

impl Fault {
    #[cfg(not(feature = "test-hooks"))]
    fn from_env() -> Self {
        Fault::None
    }

    #[cfg(feature = "test-hooks")]
    fn from_env() -> Self {
        let Ok(v) = std::env::var("PARLAB_SERVE_FAIL") else {
            return Fault::None;
        };
        let n = |s: &str| s.parse::<u64>().ok();
        match v.split_once(':') {
            _ if v == "start" => Fault::Start,
            Some(("after", s)) => n(s).map_or(Fault::None, Fault::After),
            Some(("corrupt", s)) => n(s).map_or(Fault::None, Fault::Corrupt),
            Some(("short", s)) => n(s).map_or(Fault::None, Fault::Short),
            _ => Fault::None,
        }
    }
}

/// What the server shares between its connections.
struct Shared {
    io_wait: Duration,
    payload: u32,
    /// Requests per connection, after which the server closes it (0: never).
    requests: u32,
    served: AtomicU64,
    fault: Fault,
}

/// `parlab serve`: runs the server until its stdin closes; it closes each connection after its
/// `requests`-th answer (0: when the client does).
pub fn main(io_wait_ns: u64, payload: u32, requests: u32) -> ExitCode {
    die_with_parent();
    crate::machine::limits::raise_open_files();
    let fault = Fault::from_env();
    if fault == Fault::Start {
        eprintln!("parlab serve: failing at start-up as its test hook asks");
        return ExitCode::from(3);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("parlab serve: cannot start its event loop: {e}");
            return ExitCode::from(1);
        }
    };
    let shared = Arc::new(Shared {
        io_wait: Duration::from_nanos(io_wait_ns),
        payload,
        requests,
        served: AtomicU64::new(0),
        fault,
    });
    match runtime.block_on(serve(shared)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parlab serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// Asks the kernel to kill the server when parlab dies, whatever the way.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes plain integers and changes only this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

/// Listens, says where, and serves every connection until stdin closes.
async fn serve(shared: Arc<Shared>) -> std::io::Result<()> {
    let listeners = listeners()?;
    let port = listeners[0].local_addr()?.port();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "port {port}")?;
        out.flush()?;
    }
    let watcher = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("serve:stdin".into())
        .spawn(move || {
            // Parlab closes our stdin to stop us (or dies, which closes it too).
            let mut sink = [0u8; 64];
            while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
            let served = watcher.served.load(Ordering::Relaxed);
            let peak = crate::run::record::measure::peak_rss_kib();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "served {served} peak_kib {peak}");
            let _ = out.flush();
            std::process::exit(0);
        })?;
    let mut loops = tokio::task::JoinSet::new();
    for listener in listeners {
        loops.spawn(accept_loop(listener, Arc::clone(&shared)));
    }
    while loops.join_next().await.is_some() {}
    Ok(())
}

/// Accepts connections on `listener` for ever, a task per connection.
async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, Arc::clone(&shared)));
            }
            // Out of files for a moment (EMFILE): the client sees a slow connect, not a crash.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// The kernel's cap on one listener's accept backlog (`net.core.somaxconn`), if readable.
pub fn somaxconn() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How many listeners share the port so that their accept backlogs, each capped at
/// `somaxconn`, add up to [`BACKLOG`]: a connection that finds its listener's backlog full is
/// dropped and its SYN retried a second later, which is what held ten thousand connections
/// at 2 s for 1 s of work.
pub fn listener_count(somaxconn: Option<u32>) -> usize {
    let cap = somaxconn.unwrap_or(BACKLOG).max(1);
    BACKLOG.div_ceil(cap).clamp(1, MAX_LISTENERS as u32) as usize
}

/// The most listeners [`listener_count`] asks for.
const MAX_LISTENERS: usize = 16;

/// Listeners on one loopback port with `SO_REUSEPORT`, the kernel spreading connections among
/// them (the first picks the port).
fn listeners() -> std::io::Result<Vec<tokio::net::TcpListener>> {
    let count = listener_count(somaxconn());
    let mut out: Vec<tokio::net::TcpListener> = Vec::with_capacity(count);
    for _ in 0..count {
        let port = match out.first() {
            Some(l) => l.local_addr()?.port(),
            None => 0,
        };
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.set_reuseport(true)?;
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        out.push(socket.listen(BACKLOG)?);
    }
    Ok(out)
}

/// Answers one connection's requests until the client closes it or, once it has answered the
/// connection's last request, closes it itself.
async fn connection(mut stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let mut request = [0u8; REQUEST_BYTES];
    let mut answered = 0u32;
    while stream.read_exact(&mut request).await.is_ok() {
        let n = shared.served.fetch_add(1, Ordering::Relaxed) + 1;
        if shared.fault == Fault::After(n) {
            eprintln!("parlab serve: dying at request {n} as its test hook asks");
            std::process::exit(3);
        }
        tokio::time::sleep(shared.io_wait).await;
        let (task, index) = workload::decode_request(&request);
        let mut reply = Vec::with_capacity(4 + shared.payload as usize + 8);
        reply.extend_from_slice(&shared.payload.to_le_bytes());
        workload::append_reply_content(&mut reply, task, index, shared.payload as usize);
        if shared.fault == Fault::Corrupt(n)
            && let Some(b) = reply.last_mut()
        {
            *b ^= 0x5a;
        }
        if shared.fault == Fault::Short(n) {
            let _ = stream.write_all(&reply[..reply.len() / 2]).await;
            return;
        }
        if stream.write_all(&reply).await.is_err() {
            return;
        }
        answered += 1;
        if answered == shared.requests {
            return;
        }
    }
}

#[cfg(test)]
mod listener_tests {
    use super::*;

    #[test]
    fn the_listeners_backlogs_add_up_to_the_backlog_asked_for() {
        assert_eq!(listener_count(Some(4096)), 4);
        assert_eq!(listener_count(Some(4095)), 5);
        assert_eq!(listener_count(Some(65_535)), 1);
        assert_eq!(listener_count(Some(128)), MAX_LISTENERS);
        assert_eq!(listener_count(Some(0)), MAX_LISTENERS);
        assert_eq!(listener_count(None), 1);
    }
}
