//! Writing to stdout and stderr without ever panicking.
//!
//! `println!` and `eprintln!` panic when a write fails (a closed pipe, a full disk). Every line
//! parlab prints goes through here instead. The first failure is remembered and, when a run has
//! registered its [`Cancel`] with [`stop_run_on_failure`], stops the run: there is no one left to
//! read what it would print. `main` then ends quietly with success when a reader simply stopped
//! reading (a closed pipe, as `parlab run 2>&1 | head -1` does), or with one message on the
//! stream that still works and exit status 1 for any other failure.

use std::io::Write;
use std::sync::Mutex;

use crate::cancel::Cancel;

/// How the terminal streams have fared so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteStatus {
    /// Every write succeeded.
    Fine,
    /// A reader closed its end of a pipe: nothing more is wanted.
    Closed,
    /// A write failed for another reason (the message says which stream and why).
    Failed(String),
}

/// The first failure, and the run to stop on it.
struct State {
    status: WriteStatus,
    stop: Option<Cancel>,
}

static STATE: Mutex<State> = Mutex::new(State {
    status: WriteStatus::Fine,
    stop: None,
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Stops `cancel`'s run as soon as a write to stdout or stderr fails.
pub fn stop_run_on_failure(cancel: &Cancel) {
    let mut s = state();
    if s.status != WriteStatus::Fine {
        cancel.fail();
    }
    s.stop = Some(cancel.clone());
}

/// How the streams have fared so far.
pub fn status() -> WriteStatus {
    state().status.clone()
}

/// Remembers a failed write to `stream` (the first one counts) and stops the registered run.
pub fn record_failure(stream: &str, e: &std::io::Error) {
    let mut s = state();
    if s.status == WriteStatus::Fine {
        s.status = if e.kind() == std::io::ErrorKind::BrokenPipe {
            WriteStatus::Closed
        } else {
            WriteStatus::Failed(format!("could not write to {stream}: {e}"))
        };
    }
    if let Some(cancel) = &s.stop {
        cancel.fail();
    }
}

/// Writes `text` and a newline to stderr; a failure is recorded, never a panic.
pub fn err_line(text: impl std::fmt::Display) {
    let mut err = std::io::stderr().lock();
    if let Err(e) = writeln!(err, "{text}").and_then(|()| err.flush()) {
        record_failure("stderr", &e);
    }
}

/// Writes `bytes` to stderr; a failure is recorded and returned.
pub fn err_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    err.write_all(bytes)
        .and_then(|()| err.flush())
        .inspect_err(|e| record_failure("stderr", e))
}

/// Writes `bytes` to stdout and flushes; a failure is recorded and returned.
pub fn out_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .inspect_err(|e| record_failure("stdout", e))
}

/// Writes `text` and a newline to stdout; a failure is recorded, never a panic.
pub fn out_line(text: impl std::fmt::Display) {
    let _ = out_bytes(format!("{text}\n").as_bytes());
}

/// Prints an error message on stderr, or on stdout when stderr cannot take it; never panics.
pub fn report_error(message: impl std::fmt::Display) {
    let line = format!("{message}\n");
    let mut err = std::io::stderr().lock();
    if err
        .write_all(line.as_bytes())
        .and_then(|()| err.flush())
        .is_err()
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
    }
}

/// True when `e` (or anything it wraps) is a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Stdout as a writer whose failures are recorded like [`out_bytes`]'s.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stdout()
            .write(buf)
            .inspect_err(|e| record_failure("stdout", e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout()
            .flush()
            .inspect_err(|e| record_failure("stdout", e))
    }
}
