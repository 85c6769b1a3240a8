//! parlab's side of its local server: start it before the runs (a child in its own process
//! group, so the terminal's Ctrl-C reaches parlab alone), learn its port over its stdout, watch
//! that it lives, and stop it after the runs, reaping it with `wait4` for its CPU time.
//!
//! The server is reaped only when stopped, after every measured run, so its CPU time never
//! enters the `RUSAGE_CHILDREN` figures the bench takes around each run.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long the server may take to write its last line and exit once asked.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How long the server may take to say its port.
const START_LIMIT: Duration = Duration::from_secs(30);
/// The longest line the server writes (its port, its figures), with room to spare.
const MAX_LINE: usize = 4096;

/// A running local server.
pub struct LocalServer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// Bytes read from its stdout that are not a whole line yet.
    pending: Vec<u8>,
    port: u16,
    reaped: bool,
    /// Set once parlab killed it for being stopped (see [`LocalServer::kill_if_stopped`]).
    killed_stopped: AtomicBool,
}

/// What the server cost, measured once it stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerFigures {
    /// Requests it answered (or began to).
    pub requests: u64,
    /// Its user + system CPU time over its life, s (from `wait4`).
    pub cpu_s: f64,
    /// Its own peak resident memory, KiB (its VmHWM, as it reported).
    pub peak_rss_kib: u64,
}

impl ServerFigures {
    /// The line printed under the table.
    pub fn line(&self) -> String {
        let per = if self.requests > 0 {
            format!(
                ", {} per request",
                crate::format::format_seconds(self.cpu_s / self.requests as f64)
            )
        } else {
            String::new()
        };
        format!(
            "local server (not counted in any approach): {} requests, {} CPU{per}, peak memory {}",
            self.requests,
            crate::format::format_seconds(self.cpu_s),
            crate::format::format_kib(self.peak_rss_kib),
        )
    }
}

impl LocalServer {
    /// Starts `program serve` (parlab's executable) answering after `io_wait` with `payload`
    /// bytes and closing each connection after its `requests`-th answer, and waits for its
    /// port. The message says why it could not start.
    pub fn start(
        program: &std::path::Path,
        io_wait: Duration,
        payload: u32,
        requests: u32,
    ) -> Result<Self, String> {
        let mut cmd = Command::new(program);
        cmd.arg("serve")
            .arg("--io-wait-ns")
            .arg(io_wait.as_nanos().to_string())
            .arg("--payload")
            .arg(payload.to_string())
            .arg("--requests")
            .arg(requests.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0);
        let mut child = crate::run::spawn::spawn(&mut cmd)
            .map_err(|e| format!("the local server could not start: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the local server could not start: no pipes".into());
        };
        let mut server = Self {
            child,
            stdin: Some(stdin),
            stdout,
            pending: Vec::new(),
            port: 0,
            reaped: false,
            killed_stopped: AtomicBool::new(false),
        };
        // The server writes its port or exits; a stopped or stuck one is given up on.
        let line = server.line_within(START_LIMIT).unwrap_or_default();
        match line.trim().strip_prefix("port ").map(str::parse::<u16>) {
            Some(Ok(port)) if port > 0 => {
                server.port = port;
                Ok(server)
            }
            _ => {
                let why = server.kill_and_describe();
                Err(format!("the local server could not start ({why})"))
            }
        }
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// None while it runs; how it ended once it has (without reaping it).
    pub fn ended(&self) -> Option<String> {
        // SAFETY: waitid writes into the siginfo we own; WNOWAIT leaves the child unreaped.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.child.id() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid and si_status are valid for a WEXITED report.
        let (pid, status, code) = unsafe { (info.si_pid(), info.si_status(), info.si_code) };
        if r != 0 || pid == 0 {
            return None;
        }
        Some(if self.killed_stopped.load(Ordering::Relaxed) {
            "was stopped (SIGSTOP or a debugger) and parlab killed it".to_string()
        } else if code == libc::CLD_EXITED {
            format!("exited with status {status}")
        } else {
            format!("killed by signal {status}")
        })
    }

    /// Waits up to `limit` for the server to be seen ended (a client can see its sockets close
    /// a moment before the kernel reports the exit).
    pub fn ended_within(&self, limit: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            if let Some(how) = self.ended() {
                return Some(how);
            }
            if start.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// True while the server is stopped (by SIGSTOP, a terminal's Ctrl-Z or a debugger).
    pub fn is_stopped(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|stat| {
                let (_, rest) = stat.rsplit_once(')')?;
                rest.split_whitespace().next().map(|s| s == "T" || s == "t")
            })
            .unwrap_or(false)
    }

    /// Kills the server's group when it is stopped, so that every request waiting on it ends
    /// (its sockets close); true if it did. The server is reaped later, by [`Self::stop`].
    pub fn kill_if_stopped(&self) -> bool {
        if self.reaped || !self.is_stopped() {
            return false;
        }
        self.killed_stopped.store(true, Ordering::Relaxed);
        // SAFETY: kill takes plain integers; the server leads its group and is not reaped.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        true
    }

    /// Reads one line of the server's stdout, waiting at most `limit` (None: no whole line in
    /// time, or its stdout closed first).
    fn line_within(&mut self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&self.pending[..=i]).into_owned();
                self.pending.drain(..=i);
                return Some(line);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.pending.len() > MAX_LINE {
                return None;
            }
            let mut p = libc::pollfd {
                fd: self.stdout.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd we own.
            let ready = unsafe { libc::poll(&mut p, 1, left.as_millis().max(1) as i32) };
            if ready <= 0 {
                continue; // a timeout (the deadline check ends it) or EINTR
            }
            let mut buf = [0u8; 512];
            match self.stdout.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
    }

    /// Stops the server (closes its stdin), reads its last line and reaps it; a server that
    /// does not answer within a grace is killed.
    pub fn stop(mut self) -> Result<ServerFigures, String> {
        drop(self.stdin.take());
        // A stopped server would not answer: no wait for it.
        self.kill_if_stopped();
        let line = self.line_within(STOP_GRACE);
        let grace = if line.is_some() {
            STOP_GRACE
        } else {
            Duration::ZERO
        };
        let line = line.unwrap_or_default();
        let (status, usage) = self.reap(grace);
        self.reaped = true;
        let mut words = line.split_whitespace();
        let (requests, peak) = match (words.next(), words.next(), words.next(), words.next()) {
            (Some("served"), Some(r), Some("peak_kib"), Some(p)) => {
                (r.parse().ok(), p.parse().ok())
            }
            _ => (None, None),
        };
        match (requests, peak) {
            (Some(requests), Some(peak_rss_kib)) if status == Some(0) => Ok(ServerFigures {
                requests,
                cpu_s: usage,
                peak_rss_kib,
            }),
            _ => Err(format!(
                "the local server (pid {}) did not stop cleanly",
                self.child.id()
            )),
        }
    }

    /// Waits for the server to exit (killing its group after `grace`); returns its exit code
    /// if it exited, and its CPU time, s.
    fn reap(&mut self, grace: Duration) -> (Option<i32>, f64) {
        let pid = self.child.id() as libc::pid_t;
        let start = Instant::now();
        let mut status = 0;
        // SAFETY: rusage is plain data that wait4 fills.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: wait4 on our own child, writing into locals we own.
            let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
            if r == pid || r < 0 {
                break;
            }
            if start.elapsed() >= grace {
                // SAFETY: kill the server's own process group (it leads it), then wait.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                    libc::wait4(pid, &mut status, 0, &mut ru);
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        (code, secs(ru.ru_utime) + secs(ru.ru_stime))
    }

    /// Kills and reaps the server; says how it ended.
    fn kill_and_describe(&mut self) -> String {
        let how = self.ended_within(Duration::from_millis(500));
        let _ = self.reap(Duration::ZERO);
        self.reaped = true;
        how.unwrap_or_else(|| "it did not say its port".into())
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if !self.reaped {
            drop(self.stdin.take());
            let _ = self.reap(Duration::from_millis(500));
        }
    }
}
