//! Connecting the cluster processes to one another, then handing the sockets to timely.
//!
//! Timely can connect its processes itself from a list of `host:port`, but it polls for peers
//! with a one-second sleep (and prints each wait on stdout), and it needs ports chosen before
//! any process starts. Here every process binds a port of its own choosing (port 0: free by
//! construction, so two runs never collide), parlab gathers them and sends the list to all, and
//! each process connects to every lower-numbered one (sending its number) and accepts one
//! connection from every higher-numbered one, blocking: no sleep, no chatter. The sockets then
//! go to timely's `initialize_networking_from_sockets`, as its documentation offers.

use std::any::Any;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};

/// A listener on a free port of 127.0.0.1.
pub fn listen() -> io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
}

/// Connects process `me` (timely's numbering) to every other of `addresses`: a socket per
/// process, None at `me`.
pub fn connect(
    listener: &TcpListener,
    addresses: &[String],
    me: usize,
) -> io::Result<Vec<Option<TcpStream>>> {
    let mut sockets: Vec<Option<TcpStream>> = (0..addresses.len()).map(|_| None).collect();
    for (index, address) in addresses.iter().enumerate().take(me) {
        let mut s = TcpStream::connect(address)?;
        s.set_nodelay(true)?;
        s.write_all(&(me as u64).to_le_bytes())?;
        sockets[index] = Some(s);
    }
    for _ in me + 1..addresses.len() {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut id = [0u8; 8];
        // A connection that says nothing (not a cluster process) must not stall the mesh.
        s.set_read_timeout(Some(HANDSHAKE_LIMIT))?;
        s.read_exact(&mut id)?;
        s.set_read_timeout(None)?;
        let id = u64::from_le_bytes(id) as usize;
        if id <= me || id >= addresses.len() || sockets[id].is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a connection said it was process {id}"),
            ));
        }
        sockets[id] = Some(s);
    }
    Ok(sockets)
}

/// The longest a connecting process may take to say which it is.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

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
