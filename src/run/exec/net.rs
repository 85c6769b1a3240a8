//! A `net` task's connection and requests: one connection to the local server per task, opened
//! by the task's connect step, then one request and its reply after another. Thread approaches and worker
//! processes use blocking `std::net`; async approaches use `tokio::net`, so a waiting request
//! holds no thread.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::plan::workload::{self, NetFault, WorkSpec};

/// How much longer than the server's wait a reply may take before the connection counts as
/// broken, so a hung server cannot hang a run.
const REPLY_GRACE: Duration = Duration::from_secs(60);

/// The local server's address.
fn server(work: &WorkSpec) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, work.net.port))
}

/// What an I/O error on an open connection means for the task.
fn fault_of(e: &std::io::Error) -> NetFault {
    match e.kind() {
        ErrorKind::UnexpectedEof => NetFault::Short,
        ErrorKind::ConnectionRefused => NetFault::Refused,
        _ => NetFault::Reset,
    }
}

/// Bytes in a reply's header: the length of its content.
const HEADER: usize = 4;

/// Sizes `buf` for a whole reply, header and content, once the reply has begun to arrive (a
/// buffer sized while waiting would cost every waiting connection the payload's size): it is
/// then read with as few calls as it arrived in (usually one), never past its end.
fn reply_buffer(buf: &mut Vec<u8>, work: &WorkSpec) {
    buf.resize(HEADER + work.net.payload as usize, 0);
}

/// Checks the announced length of a reply whose header is at the start of `buf`: the content
/// must be the payload's size.
fn check_length(work: &WorkSpec, buf: &[u8]) -> Result<(), NetFault> {
    let header: [u8; HEADER] = buf[..HEADER].try_into().map_err(|_| NetFault::Short)?;
    if u32::from_le_bytes(header) == work.net.payload {
        Ok(())
    } else {
        Err(NetFault::Short)
    }
}

/// Checks a whole reply's content (after its header) against the request it answers.
fn check_content(reply: &[u8], task: u32, index: u32) -> Result<(), NetFault> {
    let buf = &reply[HEADER..];
    if workload::reply_checksum(buf) == workload::expected_checksum(task, index, buf.len()) {
        Ok(())
    } else {
        Err(NetFault::Mismatch)
    }
}

/// A task's connection and reply buffer, for blocking calls.
#[derive(Default)]
pub struct BlockingConn {
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl BlockingConn {
    /// Opens the task's connection to the local server.
    pub fn connect(&mut self, work: &WorkSpec) -> Result<(), NetFault> {
        let s = TcpStream::connect(server(work)).map_err(|_| NetFault::Refused)?;
        let _ = s.set_nodelay(true);
        let _ = s.set_read_timeout(Some(work.io_wait() + REPLY_GRACE));
        self.stream = Some(s);
        Ok(())
    }

    /// Makes request `index` of `task` on the open connection and checks its reply.
    pub fn request(&mut self, work: &WorkSpec, task: u32, index: u32) -> Result<(), NetFault> {
        let Some(s) = self.stream.as_mut() else {
            return Err(NetFault::Refused);
        };
        let io = |e: std::io::Error| fault_of(&e);
        s.write_all(&workload::encode_request(task, index))
            .map_err(io)?;
        // The header first, into the stack: a thread blocked in its read holds no buffer the
        // payload's size (a blocking read cannot wait for the reply without a buffer).
        let mut header = [0u8; HEADER];
        s.read_exact(&mut header).map_err(io)?;
        check_length(work, &header)?;
        reply_buffer(&mut self.buf, work);
        s.read_exact(&mut self.buf[HEADER..]).map_err(io)?;
        check_content(&self.buf, task, index)
    }
}

/// A task's connection, for async calls. Its reply buffer lives only while a reply is read, so
/// that a connection waiting for its next reply holds none (10,000 connections × 4 requests
/// kept 160 MiB of buffers between replies).
#[derive(Default)]
pub struct AsyncConn {
    stream: Option<tokio::net::TcpStream>,
}

impl AsyncConn {
    /// Opens the task's connection to the local server (given up on, as broken, after
    /// [`REPLY_GRACE`]).
    pub async fn connect(&mut self, work: &WorkSpec) -> Result<(), NetFault> {
        let connect = tokio::net::TcpStream::connect(server(work));
        let s = match tokio::time::timeout(REPLY_GRACE, connect).await {
            Ok(Ok(s)) => s,
            Ok(Err(_)) | Err(_) => return Err(NetFault::Refused),
        };
        let _ = s.set_nodelay(true);
        self.stream = Some(s);
        Ok(())
    }

    /// Makes request `index` of `task` on the open connection and checks its reply.
    pub async fn request(
        &mut self,
        work: &WorkSpec,
        task: u32,
        index: u32,
    ) -> Result<(), NetFault> {
        let limit = work.io_wait() + REPLY_GRACE;
        match tokio::time::timeout(limit, self.exchange(work, task, index)).await {
            Ok(r) => r,
            Err(_) => Err(NetFault::Reset),
        }
    }

    async fn exchange(&mut self, work: &WorkSpec, task: u32, index: u32) -> Result<(), NetFault> {
        let Some(s) = self.stream.as_mut() else {
            return Err(NetFault::Refused);
        };
        let io = |e: std::io::Error| fault_of(&e);
        s.write_all(&workload::encode_request(task, index))
            .await
            .map_err(io)?;
        // tokio keeps a socket readable until a read finds it empty, so after the last reply
        // `readable()` can return at once: a buffer is sized only once a read has bytes, and
        // let go when it finds none (else each of 10,000 connections held a payload-sized
        // buffer through its whole wait for the next reply: 16 KiB each at `--requests 2`).
        let mut buf = Vec::new();
        let mut got = loop {
            s.readable().await.map_err(io)?;
            reply_buffer(&mut buf, work);
            match s.try_read(&mut buf) {
                Ok(0) => return Err(NetFault::Short),
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => buf = Vec::new(),
                Err(e) => return Err(io(e)),
            }
        };
        while got < HEADER {
            match s.read(&mut buf[got..]).await.map_err(io)? {
                0 => return Err(NetFault::Short),
                n => got += n,
            }
        }
        check_length(work, &buf)?;
        s.read_exact(&mut buf[got..]).await.map_err(io)?;
        check_content(&buf, task, index)
    }
}
