//! The bare primitives `parlab floor` times: each function times `n` operations and returns
//! the time they took, or None when the primitive is not available here.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `n` threads spawned and joined, one after another.
pub(super) fn thread_spawn(n: u64) -> Option<Duration> {
    let start = Instant::now();
    for _ in 0..n {
        std::thread::Builder::new().spawn(|| ()).ok()?.join().ok()?;
    }
    Some(start.elapsed())
}

/// `n` round trips to one pool thread: a message there, its answer back.
pub(super) fn channel_round_trip(n: u64) -> Option<Duration> {
    let (to_pool, pool_rx) = mpsc::channel::<u64>();
    let (pool_tx, from_pool) = mpsc::channel::<u64>();
    let pool = std::thread::Builder::new()
        .name("floor:pool".into())
        .spawn(move || {
            while let Ok(x) = pool_rx.recv() {
                if pool_tx.send(x).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    let start = Instant::now();
    for i in 0..n {
        to_pool.send(i).ok()?;
        from_pool.recv().ok()?;
    }
    let took = start.elapsed();
    drop(to_pool);
    pool.join().ok()?;
    Some(took)
}

/// `n` tokio tasks spawned on a runtime, then each awaited, as the tokio approaches do.
fn tokio_spawn(runtime: tokio::runtime::Runtime, n: u64) -> Option<Duration> {
    runtime.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..n).map(|_| tokio::spawn(async {})).collect();
        for h in handles {
            h.await.ok()?;
        }
        Some(start.elapsed())
    })
}

/// [`tokio_spawn`] on a single-threaded runtime.
pub(super) fn tokio_spawn_current(n: u64) -> Option<Duration> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    tokio_spawn(rt, n)
}

/// [`tokio_spawn`] on a multi-threaded runtime with a worker per logical core.
pub(super) fn tokio_spawn_multi(n: u64) -> Option<Duration> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .ok()?;
    tokio_spawn(rt, n)
}

/// `n` round trips of a task frame through `cat`: written, echoed, read whole and decoded, as
/// process-pool hands a task to a worker and reads its answer.
pub(super) fn pipe_round_trip(n: u64) -> Option<Duration> {
    let frame = super::streams::task_frame()?;
    let mut echo = super::streams::Echo::start()?;
    let mut buf = vec![0u8; 4096];
    let start = Instant::now();
    for _ in 0..n {
        echo.send(&frame)?;
        echo.answer(&mut buf)?;
    }
    Some(start.elapsed())
}

/// `n` processes (`true`) started, run and reaped, one after another.
pub(super) fn fork_exec_wait(n: u64) -> Option<Duration> {
    let mut command = Command::new("true");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    for _ in 0..n {
        if !command.status().ok()?.success() {
            return None;
        }
    }
    Some(start.elapsed())
}

/// `n` loopback connections, each made, sent one 8-byte request, answered and closed; the
/// answering thread is started before the clock.
pub(super) fn tcp_request(n: u64) -> Option<Duration> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
    let addr = listener.local_addr().ok()?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    let server = std::thread::Builder::new()
        .name("floor:server".into())
        .spawn(move || {
            for _ in 0..n {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                let mut req = [0u8; 8];
                if s.read_exact(&mut req).is_err() || s.write_all(&req).is_err() {
                    return;
                }
            }
        })
        .ok()?;
    let timed = (|| {
        let start = Instant::now();
        for i in 0..n {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.set_nodelay(true);
            s.write_all(&i.to_le_bytes()).ok()?;
            let mut reply = [0u8; 8];
            s.read_exact(&mut reply).ok()?;
        }
        Some(start.elapsed())
    })();
    if timed.is_none() {
        // Unblock the server's accept so it can be joined.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(addr);
    }
    let _ = server.join();
    timed
}
