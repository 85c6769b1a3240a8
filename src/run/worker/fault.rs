//! Making a worker fail on purpose, so tests can prove that every failure ends cleanly.
//!
//! A test hook, compiled in only with the `test-hooks` feature (which `cargo test` turns on):
//! set `PARLAB_WORKER_FAIL=task=17,mode=kill` (or `mode=panic`, `mode=exit`) in parlab's
//! environment, and whichever worker process runs task 17 fails just after reporting that it
//! started it: `kill` sends itself SIGKILL, `panic` panics, `exit` exits with status 3.
//! `mode=stop-before-exec` is planned by the parent instead: worker 17 (by index) stops itself
//! (SIGSTOP) between its fork and its exec, which the spawn watch (`run::spawn`) must
//! free.
//! In-process approaches ignore it. Without the feature no fault is ever planned.

/// The environment variable that asks a worker to fail.
#[cfg(feature = "test-hooks")]
pub const ENV: &str = "PARLAB_WORKER_FAIL";

/// How the worker fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// SIGKILL to itself.
    Kill,
    /// A Rust panic.
    Panic,
    /// `exit(3)`.
    Exit,
    /// SIGSTOP to itself before its exec (the parent plans it: see `plan_stop_before_exec`).
    StopBeforeExec,
}

/// The index of the worker being started, read by [`plan_stop_before_exec`]'s hook in the child.
#[cfg(feature = "test-hooks")]
pub static STARTING: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(u32::MAX);

/// Under `PARLAB_WORKER_FAIL=task=N,mode=stop-before-exec`, makes the worker of index N that
/// `cmd` starts stop itself between its fork and its exec.
#[cfg(feature = "test-hooks")]
pub fn plan_stop_before_exec(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    if let Ok(Some(Fault {
        task,
        mode: FailMode::StopBeforeExec,
    })) = Fault::from_env()
    {
        // SAFETY: an atomic load and raise are async-signal-safe; the closure runs in the
        // child between its fork and its exec.
        unsafe {
            cmd.pre_exec(move || {
                if STARTING.load(std::sync::atomic::Ordering::SeqCst) == task {
                    libc::raise(libc::SIGSTOP);
                }
                Ok(())
            });
        }
    }
}

/// The status a worker exits with under [`FailMode::Exit`].
pub const EXIT_STATUS: i32 = 3;

/// A planned failure: the task it happens on, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The task that fails.
    pub task: u32,
    /// How.
    pub mode: FailMode,
}

impl Fault {
    /// The fault `PARLAB_WORKER_FAIL` asks for, if it is set; never one without the
    /// `test-hooks` feature.
    #[cfg(not(feature = "test-hooks"))]
    pub fn from_env() -> Result<Option<Self>, String> {
        Ok(None)
    }

    /// The fault `PARLAB_WORKER_FAIL` asks for, if it is set.
    #[cfg(feature = "test-hooks")]
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(ENV) {
            // Set but empty (`PARLAB_WORKER_FAIL=`) means no fault, as unset does.
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Self::parse(&v).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(e) => Err(format!("{ENV}: {e}")),
        }
    }

    /// Parses `task=N,mode=kill|panic|exit|stop-before-exec`.
    #[cfg(feature = "test-hooks")]
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |what: &str| {
            format!("{ENV}={text}: {what}; use task=N,mode=kill|panic|exit|stop-before-exec")
        };
        let (mut task, mut mode) = (None, None);
        for part in text.split(',').map(str::trim) {
            match part.split_once('=') {
                Some(("task", n)) => {
                    task = Some(n.trim().parse().map_err(|_| bad("task is not a number"))?)
                }
                Some(("mode", "kill")) => mode = Some(FailMode::Kill),
                Some(("mode", "panic")) => mode = Some(FailMode::Panic),
                Some(("mode", "exit")) => mode = Some(FailMode::Exit),
                Some(("mode", "stop-before-exec")) => mode = Some(FailMode::StopBeforeExec),
                _ => return Err(bad(&format!("'{part}' is not understood"))),
            }
        }
        match (task, mode) {
            (Some(task), Some(mode)) => Ok(Self { task, mode }),
            _ => Err(bad("both task and mode are needed")),
        }
    }

    /// True when the worker itself fails (every mode but [`FailMode::StopBeforeExec`]).
    pub fn in_worker(self) -> bool {
        self.mode != FailMode::StopBeforeExec
    }

    /// Fails now, as planned.
    pub fn trigger(self) -> ! {
        match self.mode {
            FailMode::Kill => {
                // SAFETY: signalling our own pid has no memory-safety preconditions.
                unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
                // SIGKILL cannot be caught; if it somehow returned, still die.
                std::process::abort()
            }
            FailMode::Panic => panic!("the test hook asked for a panic on task {}", self.task),
            FailMode::Exit => std::process::exit(EXIT_STATUS),
            // Planned by the parent, never triggered in a worker (see `Fault::in_worker`).
            FailMode::StopBeforeExec => std::process::abort(),
        }
    }
}

#[cfg(all(test, feature = "test-hooks"))]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_docs_say_and_refuses_the_rest() {
        assert_eq!(
            Fault::parse("task=17,mode=kill"),
            Ok(Fault {
                task: 17,
                mode: FailMode::Kill
            })
        );
        assert_eq!(
            Fault::parse(" mode=panic , task=0 ").map(|f| f.mode),
            Ok(FailMode::Panic)
        );
        assert_eq!(Fault::parse("task=1,mode=exit").map(|f| f.task), Ok(1));
        for bad in [
            "",
            "task=1",
            "mode=kill",
            "task=x,mode=kill",
            "task=1,mode=nap",
        ] {
            let e = Fault::parse(bad).unwrap_err();
            assert!(
                e.starts_with(ENV) && e.contains("mode=kill|panic|exit"),
                "{e}"
            );
        }
    }
}
