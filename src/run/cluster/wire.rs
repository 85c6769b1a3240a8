//! What every cluster connection does whoever is on the other end: lines read with a bound on
//! their length, connections accepted with each one's handshake (see `super::auth`) on a
//! thread of its own under its own deadline, so that a slow, silent or hostile stranger never
//! holds up the process that listens, and connects that give up at a deadline.

use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::auth::{self, Kind, Secret};

/// The longest line a cluster process sends parlab (`start`, `end`, `pong`, `beat`, `join`).
pub const SHORT_LINE: usize = 4096;
/// The longest line parlab sends a joined process (`run JSON`: the spec, every address and the
/// environment of `--command`).
pub const RUN_LINE: usize = 8 << 20;

/// How many handshakes may be under way at once on one listener; connections past that are
/// closed at once.
const MAX_PENDING: usize = 32;

/// Reads one line of at most `max` bytes, without its newline; None at the end of the stream.
/// A longer line is an error, read no further than its first `max + 1` bytes.
pub fn read_line(reader: &mut impl BufRead, max: usize) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = io::Read::take(&mut *reader, max as u64 + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {max} bytes"),
        ));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a line that is not UTF-8"))
}

/// What a connection's handshake thread gives back: what `then` made of the proven
/// connection, or why it was turned away, with the peer's address.
pub type Knock<T> = (SocketAddr, Result<T, String>);

/// A listener whose connections are each proven (see `super::auth::accept`), then handed to
/// `then`, on a thread of their own.
pub struct Door<T> {
    listener: TcpListener,
    secret: Secret,
    kind: Kind,
    then: Arc<dyn Fn(TcpStream, u64) -> Result<T, String> + Send + Sync>,
    tx: Sender<Knock<T>>,
    rx: Receiver<Knock<T>>,
    pending: Arc<AtomicUsize>,
}

impl<T: Send + 'static> Door<T> {
    /// A door on (a copy of) `listener`, which it makes non-blocking.
    pub fn new(
        listener: &TcpListener,
        secret: &Secret,
        kind: Kind,
        then: Arc<dyn Fn(TcpStream, u64) -> Result<T, String> + Send + Sync>,
    ) -> io::Result<Door<T>> {
        let listener = listener.try_clone()?;
        listener.set_nonblocking(true)?;
        let (tx, rx) = mpsc::channel();
        Ok(Door {
            listener,
            secret: secret.clone(),
            kind,
            then,
            tx,
            rx,
            pending: Arc::default(),
        })
    }

    /// Starts the handshake of every connection waiting, then waits up to `wait` for one to
    /// finish, its outcome. A new connection is taken as it comes (the wait is on the
    /// listener), a finished handshake within 2 ms.
    pub fn next(&self, wait: Duration) -> io::Result<Option<Knock<T>>> {
        let until = Instant::now() + wait;
        loop {
            self.take_waiting()?;
            match self.rx.try_recv() {
                Ok(knock) => return Ok(Some(knock)),
                Err(_) if Instant::now() >= until => return Ok(None),
                Err(_) => {}
            }
            let mut fd = libc::pollfd {
                fd: self.listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = until
                .saturating_duration_since(Instant::now())
                .as_millis()
                .clamp(0, 2) as libc::c_int;
            // SAFETY: poll on one pollfd we own, for at most 2 ms.
            unsafe { libc::poll(&mut fd, 1, ms) };
        }
    }

    /// Starts the handshake of every connection the listener holds.
    fn take_waiting(&self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => self.start(stream, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Out of descriptors, or a connection reset before it was taken: not the
                // listener's end.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn start(&self, stream: TcpStream, peer: SocketAddr) {
        if self.pending.load(Ordering::SeqCst) >= MAX_PENDING
            || stream.set_nonblocking(false).is_err()
        {
            return;
        }
        let _ = stream.set_nodelay(true);
        self.pending.fetch_add(1, Ordering::SeqCst);
        let pending = self.pending.clone();
        let (secret, kind, then, tx) = (
            self.secret.clone(),
            self.kind,
            self.then.clone(),
            self.tx.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("cluster:handshake".into())
            .spawn(move || {
                let outcome = auth::accept(&stream, &secret, kind)
                    .map_err(|e| e.to_string())
                    .and_then(|id| then(stream, id));
                pending.fetch_sub(1, Ordering::SeqCst);
                let _ = tx.send((peer, outcome));
            });
        if spawned.is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A connection written a whole line at a time by any thread (the beats, the `pong`s, the
/// workers' `start`s all share one).
#[derive(Clone)]
pub struct Conn(Arc<Mutex<TcpStream>>);

impl Conn {
    /// Wraps `stream`.
    pub fn new(stream: TcpStream) -> Conn {
        Conn(Arc::new(Mutex::new(stream)))
    }

    /// Writes `line` (ending in a newline) whole.
    pub fn line(&self, line: &str) -> io::Result<()> {
        let stream = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (&*stream).write_all(line.as_bytes())
    }

    /// Closes both directions (every copy of the connection with it).
    pub fn shutdown(&self) {
        let stream = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }

    /// A copy of the stream, for a reader.
    pub fn reader(&self) -> io::Result<TcpStream> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).try_clone()
    }

    /// Says `beat` on the connection every second from a thread of its own, for as long as
    /// the connection is kept (see `super::watch`).
    pub fn beat(&self) {
        let weak = Arc::downgrade(&self.0);
        super::watch::beat_forever(move |line| match weak.upgrade() {
            Some(s) => (&*s.lock().unwrap_or_else(|e| e.into_inner())).write_all(line.as_bytes()),
            None => Err(io::ErrorKind::NotConnected.into()),
        });
    }
}

/// Connects to `address` by `deadline` (each of its addresses in turn).
pub fn connect_by(address: &str, deadline: Instant) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{address}: no address"));
    for a in address.to_socket_addrs()? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
        }
        match TcpStream::connect_timeout(&a, left) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded() {
        let mut r = io::Cursor::new(b"short\nthis one is too long\nend".to_vec());
        assert_eq!(read_line(&mut r, 8).unwrap().as_deref(), Some("short"));
        assert!(read_line(&mut r, 8).is_err());
        let mut r = io::Cursor::new(b"ab\n".to_vec());
        assert_eq!(read_line(&mut r, 2).unwrap().as_deref(), Some("ab"));
        assert_eq!(read_line(&mut r, 2).unwrap(), None);
        // A line with no newline and no end is read no further than the bound.
        let mut endless = io::Read::chain(io::Cursor::new(vec![b'x'; 100]), io::repeat(b'y'));
        let mut r = io::BufReader::new(&mut endless);
        assert!(read_line(&mut r, 1000).is_err());
    }
}
