//! Connecting the cluster processes to one another, then handing the sockets to timely.
//!
//! Timely can connect its processes itself from a list of `host:port`, but it polls for peers
//! with a one-second sleep (and prints each wait on stdout), and it needs ports chosen before
//! any process starts. Here every process binds a port of its own choosing (port 0: free by
//! construction, so two runs never collide), parlab gathers them and sends the list to all, and
//! each process connects to every lower-numbered one and accepts one connection from every
//! higher-numbered one, each connection opening with the run's challenge–response (see
//! `super::auth`; the connecting process's number is in its proof): no sleep, no chatter, and
//! nobody else in. The sockets then
//! go to timely's `initialize_networking_from_sockets`, as its documentation offers.

use std::any::Any;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::auth::{self, Kind, Secret};
use super::wire::{self, Door};
use crate::cancel::Cancel;

use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};

/// A listener on a free port of 127.0.0.1.
pub fn listen() -> io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
}

/// How long the whole mesh may take to connect: every process reaching every other one, each
/// connection proven (see `super::auth`).
pub const MESH_LIMIT: Duration = Duration::from_secs(20);

/// Connects process `me` (timely's numbering) to every other of `addresses`, each connection
/// proven on `secret`: a socket per process, None at `me`. Connections that are not the run's
/// processes are turned away without holding up the others; the whole takes at most
/// [`MESH_LIMIT`], and ends early when `stop` is raised.
pub fn connect(
    listener: &TcpListener,
    addresses: &[String],
    me: usize,
    secret: &Secret,
    stop: Option<&Cancel>,
) -> io::Result<Vec<Option<TcpStream>>> {
    let deadline = Instant::now() + MESH_LIMIT;
    let n = addresses.len();
    // The higher-numbered processes connect to this one meanwhile: accepted (and proven) on
    // threads of their own from the start, so that no process waits on another's order.
    let door: Door<(TcpStream, u64)> =
        Door::new(listener, secret, Kind::Mesh, Arc::new(|s, id| Ok((s, id))))?;
    // Raised by the caller (`stop`), or here when connecting outward failed.
    let (outer, local) = (stop.cloned().unwrap_or_default(), Cancel::new());
    let stopped = {
        let (outer, local) = (outer.clone(), local.clone());
        move || outer.is_cancelled() || local.is_cancelled()
    };
    let accepter = std::thread::Builder::new()
        .name("cluster:accept".into())
        .spawn(move || {
            let mut from: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
            while from[me + 1..].iter().any(Option::is_none) {
                if stopped() || Instant::now() > deadline {
                    return Err(late(&from, me + 1..n, stopped()));
                }
                match door.next(Duration::from_millis(20))? {
                    Some((_, Ok((s, id)))) => {
                        let id = id as usize;
                        // A proven process names itself; one that names no process above this
                        // one, or one already connected, is not taken.
                        if id > me && id < n && from[id].is_none() {
                            from[id] = Some(s);
                        }
                    }
                    // Not a process of this run: turned away, the others go on.
                    Some((_, Err(_))) | None => {}
                }
            }
            Ok(from)
        })?;
    let mut sockets: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    let mut outward = || -> io::Result<()> {
        for (index, address) in addresses.iter().enumerate().take(me) {
            if outer.is_cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "stopped"));
            }
            let s = wire::connect_by(address, deadline)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot reach {address}: {e}")))?;
            s.set_nodelay(true)?;
            auth::connect(&s, secret, Kind::Mesh, me as u64).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("the cluster process at {address} was turned away: {e}"),
                )
            })?;
            sockets[index] = Some(s);
        }
        Ok(())
    };
    let connected = outward();
    if connected.is_err() {
        local.fail();
    }
    let accepted = accepter
        .join()
        .map_err(|_| io::Error::other("the mesh's accepting thread failed"))?;
    connected?;
    for (i, s) in accepted?.into_iter().enumerate() {
        if s.is_some() {
            sockets[i] = s;
        }
    }
    Ok(sockets)
}

/// The error of a mesh that did not connect in time: the processes that did not.
fn late(from: &[Option<TcpStream>], range: std::ops::Range<usize>, stopped: bool) -> io::Error {
    if stopped {
        return io::Error::new(io::ErrorKind::Interrupted, "stopped");
    }
    let missing: Vec<String> = range
        .filter(|&i| from[i].is_none())
        .map(|i| i.to_string())
        .collect();
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "timely process(es) {} did not connect within {} s",
            missing.join(", "),
            MESH_LIMIT.as_secs()
        ),
    )
}

/// Turns on TCP keepalive with short times (5 s idle, then a probe every 2 s, 3 unanswered
/// probes), so that a host that vanishes without closing its connection (power lost, network
/// split) ends the read waiting on it with an error within about 11 s instead of never.
pub fn keepalive(s: &TcpStream) -> io::Result<()> {
    let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| {
        // SAFETY: setsockopt on a socket we own, with a pointer to an int that outlives the call.
        let r = unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    };
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 5)?;
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 2)?;
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3)
}

/// Timely's allocators for `threads` workers over `sockets`, and the guard that keeps its
/// network threads.
pub fn builders(
    sockets: Vec<Option<TcpStream>>,
    me: usize,
    threads: usize,
) -> io::Result<(Vec<AllocatorBuilder>, Box<dyn Any + Send>)> {
    let hooks = timely::communication::Hooks::default();
    let local = ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), None);
    let (tcp, guard) = initialize_networking_from_sockets(local, sockets, me, threads, hooks)?;
    Ok((
        tcp.into_iter().map(AllocatorBuilder::Tcp).collect(),
        Box::new(guard),
    ))
}
