//! Who may take part in a cluster run: every connection between its processes (a joined
//! host's connection to parlab, and every connection of the timely mesh) opens with a
//! challenge–response on the run's secret, in both directions, before anything else is sent.
//!
//! The secret is at least 128 random bits: parlab makes one per session (or takes the one in
//! [`SECRET_ENV`] or the file named by [`SECRET_FILE_ENV`], for scripted clusters) and prints it
//! inside the command each host runs; local cluster processes get theirs on their stdin. The
//! secret itself never crosses the wire: each side sends a fresh random nonce and proves it
//! knows the secret with an HMAC-SHA256 over both nonces, the connection's kind and the
//! process number, labelled by direction so that one side's proof cannot be sent back as the
//! other's. A stranger without the secret learns nothing of the run and is never run from.
//! What this does not do: encrypt, or protect what follows the handshake on the connection
//! from someone who can rewrite traffic in flight (README says so).
//!
//! The exchange, fixed-size binary frames, every read under one deadline for the whole
//! handshake (so a peer that sends a byte at a time cannot stretch it):
//!
//! ```text
//! acceptor  -> connector: MAGIC (8) | nonce_a (16)
//! connector -> acceptor : nonce_c (16) | id (8, little-endian) | tag_c (32)
//! acceptor  -> connector: verdict (1: 0 accepted, 1 refused) | tag_a (32, zeros if refused)
//! tag_c = HMAC(secret, "parlab connector" | kind | nonce_a | nonce_c | id)
//! tag_a = HMAC(secret, "parlab acceptor"  | kind | nonce_a | nonce_c | id)
//! ```

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The environment variable that gives the secret, in hex (parlab and `cluster-worker` both).
pub const SECRET_ENV: &str = "PARLAB_CLUSTER_SECRET";
/// The environment variable that names a file holding the secret, in hex.
pub const SECRET_FILE_ENV: &str = "PARLAB_CLUSTER_SECRET_FILE";

/// The fewest bytes a secret may have (128 bits).
pub const MIN_SECRET_BYTES: usize = 16;
/// The bytes of a secret parlab makes (256 bits).
const NEW_SECRET_BYTES: usize = 32;
/// The most bytes a secret given by hand may have.
const MAX_SECRET_BYTES: usize = 256;

/// The first bytes an acceptor sends: which protocol this is (and its version).
const MAGIC: &[u8; 8] = b"parlab\x01\x00";
/// The bytes of a nonce.
const NONCE: usize = 16;
/// The bytes of a tag (HMAC-SHA256).
const TAG: usize = 32;

/// The longest a whole handshake may take, from the first byte to the last.
pub const HANDSHAKE_LIMIT: Duration = Duration::from_secs(5);

/// What connection a handshake opens: the proof covers it, so one kind's proof is no other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A joined host's connection to parlab (`id`: its process number).
    Join,
    /// A timely mesh connection (`id`: the connecting process, timely's numbering).
    Mesh,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Kind::Join => b"join",
            Kind::Mesh => b"mesh",
        }
    }
}

/// A cluster session's secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    /// Never shows the secret itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

impl Secret {
    /// A new secret of 256 random bits from the operating system.
    pub fn random() -> Result<Secret, String> {
        let mut bytes = vec![0; NEW_SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a random secret: {e}"))?;
        Ok(Secret(bytes))
    }

    /// Reads a secret written in hex (at least 32 digits: 128 bits).
    pub fn from_hex(text: &str) -> Result<Secret, String> {
        let text = text.trim();
        if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("is not a secret in hex (an even number of digits 0-9, a-f)".into());
        }
        if text.len() < 2 * MIN_SECRET_BYTES {
            return Err(format!(
                "has {} bits; a secret needs at least {} (32 hex digits)",
                text.len() * 4,
                MIN_SECRET_BYTES * 8
            ));
        }
        if text.len() > 2 * MAX_SECRET_BYTES {
            return Err(format!(
                "is longer than {} hex digits",
                2 * MAX_SECRET_BYTES
            ));
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Secret(bytes))
    }

    /// The secret given in the environment ([`SECRET_ENV`], else the file [`SECRET_FILE_ENV`]
    /// names), None if neither is set; the error names the variable and says what is wrong.
    pub fn from_env() -> Result<Option<Secret>, String> {
        if let Some(text) = std::env::var_os(SECRET_ENV) {
            let text = text.to_str().unwrap_or("");
            return Secret::from_hex(text)
                .map(Some)
                .map_err(|why| format!("{SECRET_ENV} {why}"));
        }
        let Some(path) = std::env::var_os(SECRET_FILE_ENV) else {
            return Ok(None);
        };
        let shown = std::path::Path::new(&path).display().to_string();
        let mut text = String::new();
        std::fs::File::open(&path)
            .and_then(|f| {
                f.take(4 * MAX_SECRET_BYTES as u64)
                    .read_to_string(&mut text)
            })
            .map_err(|e| format!("{SECRET_FILE_ENV}={shown}: {e}"))?;
        Secret::from_hex(&text)
            .map(Some)
            .map_err(|why| format!("{SECRET_FILE_ENV}={shown}: the file {why}"))
    }

    /// The secret in hex, for the command parlab prints.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn tag(&self, side: &[u8], kind: Kind, nonces: (&[u8], &[u8]), id: u64) -> [u8; TAG] {
        let mut out = [0; TAG];
        out.copy_from_slice(&self.mac(side, kind, nonces, id).finalize().into_bytes());
        out
    }

    fn verify(&self, side: &[u8], kind: Kind, nonces: (&[u8], &[u8]), id: u64, tag: &[u8]) -> bool {
        // Constant time: a wrong tag says nothing of where it went wrong.
        self.mac(side, kind, nonces, id).verify_slice(tag).is_ok()
    }

    fn mac(&self, side: &[u8], kind: Kind, (a, c): (&[u8], &[u8]), id: u64) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in [side, b"|", kind.label(), b"|", a, c, &id.to_le_bytes()] {
            mac.update(part);
        }
        mac
    }
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum Refused {
    /// The other side is not a parlab of this protocol (it sent something else, or nothing).
    NotParlab(String),
    /// It is one, but it does not know this secret (or did not accept ours).
    WrongSecret,
    /// The connection failed or the deadline passed.
    Io(io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::NotParlab(why) => write!(f, "it is not a parlab cluster process ({why})"),
            Refused::WrongSecret => write!(f, "it does not share this run's secret"),
            Refused::Io(e) if is_timeout(e) => write!(
                f,
                "it did not finish the handshake within {} s",
                HANDSHAKE_LIMIT.as_secs()
            ),
            Refused::Io(e) => write!(f, "{e}"),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Self {
        Refused::Io(e)
    }
}

/// The accepting side: challenges the peer, checks its proof, proves itself; the peer's id.
/// The stream is left blocking, without timeouts.
pub fn accept(stream: &TcpStream, secret: &Secret, kind: Kind) -> Result<u64, Refused> {
    let deadline = Instant::now() + HANDSHAKE_LIMIT;
    let nonce_a = nonce()?;
    let mut hello = MAGIC.to_vec();
    hello.extend_from_slice(&nonce_a);
    write_by(stream, &hello, deadline)?;
    let mut answer = [0u8; NONCE + 8 + TAG];
    read_by(stream, &mut answer, deadline)?;
    let (nonce_c, rest) = answer.split_at(NONCE);
    let (id, tag_c) = rest.split_at(8);
    let id = u64::from_le_bytes(id.try_into().expect("8 bytes"));
    let nonces = (&nonce_a[..], nonce_c);
    if !secret.verify(b"parlab connector", kind, nonces, id, tag_c) {
        let _ = write_by(stream, &[1; 1 + TAG], deadline);
        return Err(Refused::WrongSecret);
    }
    let mut verdict = vec![0u8];
    verdict.extend_from_slice(&secret.tag(b"parlab acceptor", kind, nonces, id));
    write_by(stream, &verdict, deadline)?;
    clear_timeouts(stream)?;
    Ok(id)
}

/// The connecting side, as process `id`: answers the challenge and checks the acceptor's
/// proof. The stream is left blocking, without timeouts.
pub fn connect(stream: &TcpStream, secret: &Secret, kind: Kind, id: u64) -> Result<(), Refused> {
    let deadline = Instant::now() + HANDSHAKE_LIMIT;
    let mut hello = [0u8; 8 + NONCE];
    read_by(stream, &mut hello, deadline).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Refused::NotParlab("it closed the connection".into()),
        _ => Refused::Io(e),
    })?;
    let (magic, nonce_a) = hello.split_at(8);
    if magic != MAGIC {
        return Err(Refused::NotParlab("it answered something else".into()));
    }
    let nonce_c = nonce()?;
    let nonces = (nonce_a, &nonce_c[..]);
    let mut answer = nonce_c.to_vec();
    answer.extend_from_slice(&id.to_le_bytes());
    answer.extend_from_slice(&secret.tag(b"parlab connector", kind, nonces, id));
    write_by(stream, &answer, deadline)?;
    let mut verdict = [0u8; 1 + TAG];
    read_by(stream, &mut verdict, deadline).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Refused::WrongSecret,
        _ => Refused::Io(e),
    })?;
    if verdict[0] != 0 || !secret.verify(b"parlab acceptor", kind, nonces, id, &verdict[1..]) {
        return Err(Refused::WrongSecret);
    }
    clear_timeouts(stream)?;
    Ok(())
}

fn nonce() -> io::Result<[u8; NONCE]> {
    let mut n = [0; NONCE];
    getrandom::fill(&mut n).map_err(|e| io::Error::other(format!("no random nonce: {e}")))?;
    Ok(n)
}

fn clear_timeouts(stream: &TcpStream) -> io::Result<()> {
    stream.set_read_timeout(None)?;
    stream.set_write_timeout(None)
}

/// The time left before `deadline`, or a timeout error once it has passed.
fn left(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
    }
    Ok(left)
}

/// Fills `buf` from `stream` by `deadline`, however the bytes trickle in.
pub fn read_by(mut stream: &TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut at = 0;
    while at < buf.len() {
        stream.set_read_timeout(Some(left(deadline)?))?;
        match stream.read(&mut buf[at..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `buf` by `deadline`.
fn write_by(mut stream: &TcpStream, buf: &[u8], deadline: Instant) -> io::Result<()> {
    stream.set_write_timeout(Some(left(deadline)?))?;
    stream.write_all(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (l.accept().unwrap().0, c)
    }

    fn secret(byte: u8) -> Secret {
        Secret(vec![byte; 32])
    }

    #[test]
    fn both_sides_with_the_secret_agree_on_the_id() {
        let (a, c) = pair();
        let t = std::thread::spawn(move || connect(&c, &secret(7), Kind::Mesh, 3));
        assert_eq!(accept(&a, &secret(7), Kind::Mesh).unwrap(), 3);
        t.join().unwrap().unwrap();
    }

    #[test]
    fn a_wrong_secret_or_kind_is_refused_on_both_sides() {
        for (theirs, kind) in [(secret(8), Kind::Mesh), (secret(7), Kind::Join)] {
            let (a, c) = pair();
            let t = std::thread::spawn(move || connect(&c, &theirs, kind, 1));
            assert!(matches!(
                accept(&a, &secret(7), Kind::Mesh),
                Err(Refused::WrongSecret)
            ));
            assert!(matches!(t.join().unwrap(), Err(Refused::WrongSecret)));
        }
    }

    #[test]
    fn a_silent_or_slow_peer_ends_at_the_deadline_and_garbage_is_not_parlab() {
        let (a, c) = pair();
        // One byte every 300 ms would take far longer than the limit for 56 bytes.
        let t = std::thread::spawn(move || {
            for _ in 0..30 {
                if (&c).write_all(&[0]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        });
        let since = Instant::now();
        assert!(matches!(
            accept(&a, &secret(7), Kind::Mesh),
            Err(Refused::Io(_))
        ));
        assert!(since.elapsed() < HANDSHAKE_LIMIT + Duration::from_secs(2));
        drop(a);
        t.join().unwrap();
        let (a, c) = pair();
        (&a).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        assert!(matches!(
            connect(&c, &secret(7), Kind::Join, 1),
            Err(Refused::NotParlab(_))
        ));
    }

    #[test]
    fn secrets_are_hex_of_at_least_128_bits() {
        let s = Secret::random().unwrap();
        assert_eq!(s.hex().len(), 64);
        assert_eq!(Secret::from_hex(&s.hex()).unwrap(), s);
        assert_ne!(Secret::random().unwrap(), s);
        assert!(
            Secret::from_hex("abcd")
                .unwrap_err()
                .contains("at least 128")
        );
        assert!(Secret::from_hex(&"z".repeat(32)).is_err());
        assert!(Secret::from_hex(&"a".repeat(33)).is_err());
        assert!(format!("{s:?}").contains("32 bytes"));
        assert!(!format!("{s:?}").contains(&s.hex()[..8]));
    }
}
