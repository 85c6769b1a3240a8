//! `--command`: one shell command per task, started, waited for, measured and cleaned up.
//!
//! Each task runs `sh -c CMD` with `{task}` replaced by its index and `PARLAB_TASK` and
//! `PARLAB_TASKS` in its environment; its stdin is empty, its stdout goes to /dev/null and its
//! stderr to a pipe the helper below reads as it fills, keeping only the last few KiB (see
//! [`crate::run::tail`]) for a failure message to quote, escaped (both go to the terminal
//! instead under `--show-output`). Exit status 0 is a verified task.
//!
//! # Why a small helper starts each command
//!
//! A child's `ru_maxrss` is not its own (see [`crate::run::worker`]): Linux raises it at exec to the
//! high-water mark of the address space being replaced, which is parlab's. So parlab starts
//! each command through itself, re-executed as a tiny helper (`parlab __run-command CMD`): the
//! helper's fresh address space is a few MiB, so the `sh` it forks starts clean, and the helper
//! reads the shell's own figures with `wait4` and writes them to its stdin (an in-memory file
//! parlab reads afterwards). The helper costs one more exec per task, the same for every
//! approach.
//!
//! # Nothing left behind
//!
//! Every command (helper, shell and whatever it starts) runs in its own process group, which is
//! listed in a registry while it lives. A waiting task looks at the run's cancel flag at least
//! every [`POLL`] and kills its group when the flag is set (Ctrl-C, SIGTERM, a failure
//! elsewhere); [`kill_all`] kills every group still listed, for the paths that end parlab. In a
//! worker process too each command has its own group, so that a worker killed with its group
//! leaves the helper to end the command's tree.
//!
//! The helper ends whatever the command leaves behind, in its group or not (`sleep &`,
//! `nohup`, `setsid`), when the command ends, when parlab asks it to stop (SIGTERM, then
//! SIGKILL to its group after a grace) and when its parent dies however it dies: see
//! [`crate::run::reaper`].

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use crate::cancel::Cancel;
use crate::plan::custom::{TaskDone, TaskFuture, TaskResult, TaskRunner};

/// The helper's first argument.
pub const HELPER_ARG: &str = "__run-command";
/// The environment variable that gives a worker process the command.
pub const ENV_COMMAND: &str = "PARLAB_COMMAND";
/// The environment variable that says whether commands show their output (`1`).
pub const ENV_SHOW_OUTPUT: &str = "PARLAB_SHOW_OUTPUT";
/// The task's index, in each command's environment.
pub const ENV_TASK: &str = "PARLAB_TASK";
/// How many tasks the run has, in each command's environment.
pub const ENV_TASKS: &str = "PARLAB_TASKS";
/// The longest a waiting task goes without looking at the cancel flag.
pub const POLL: Duration = Duration::from_millis(50);
/// The environment variable that tells the helper to keep only the end of the command's
/// stderr (see [`crate::run::tail`]) rather than let it through.
const ENV_TAIL: &str = "PARLAB_STDERR_TAIL";

/// Process groups started and not yet reaped.
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// How long a helper asked to stop has to end its command's tree before parlab kills its
/// group: the helper's own grace and some room.
const KILL_GRACE: Duration =
    Duration::from_millis(crate::run::reaper::GRACE.as_millis() as u64 * 3);

/// Ends every command's process group still running (Ctrl-C, an error, the end of parlab):
/// SIGTERM, so each helper ends its command's whole tree, then SIGKILL to the groups still
/// there after a grace (three times the helper's).
pub fn kill_all() {
    let groups = GROUPS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if groups.is_empty() {
        return;
    }
    for &pgid in &groups {
        // SAFETY: kill takes plain integers; the group leader is not reaped yet (it leaves the
        // registry only once reaped), so the id cannot belong to anyone else.
        unsafe { libc::kill(-pgid, libc::SIGTERM) };
    }
    let start = std::time::Instant::now();
    while start.elapsed() < KILL_GRACE && groups.iter().any(|&pgid| helper_lives(pgid)) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let groups = GROUPS.lock().unwrap_or_else(|e| e.into_inner());
    for &pgid in groups.iter() {
        // SAFETY: as above.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
}

/// True while helper `pid` runs (not yet ended: a zombie or a reaped one does not).
fn helper_lives(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

fn register(pgid: i32) {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).push(pgid);
}

fn unregister(pgid: i32) {
    GROUPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&g| g != pgid);
}

/// Runs one shell command per task.
#[derive(Debug, Clone)]
pub struct CommandRunner {
    /// The command, `{task}` not yet replaced.
    pub command: String,
    /// How many tasks the run has (`PARLAB_TASKS`).
    pub tasks: u32,
    /// Let the commands' stdout and stderr through to the terminal.
    pub show_output: bool,
    /// The parlab executable that starts each command (see the module docs).
    pub helper: PathBuf,
    /// Give each command its own process group.
    pub own_group: bool,
}

impl CommandRunner {
    /// The environment a worker process needs to run the same commands.
    pub fn worker_env(&self) -> Vec<(String, String)> {
        vec![
            (ENV_COMMAND.into(), self.command.clone()),
            (
                ENV_SHOW_OUTPUT.into(),
                u8::from(self.show_output).to_string(),
            ),
            (ENV_TASKS.into(), self.tasks.to_string()),
        ]
    }

    /// The runner a worker process builds from its environment, if it was given a command.
    pub fn from_worker_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The runner that the variables of [`crate::plan::custom::worker_env`] describe, looked up with
    /// `var` (e.g. in the list a cluster run sends to a process on another host).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let command = var(ENV_COMMAND)?;
        Some(Self {
            command,
            tasks: var(ENV_TASKS)?.parse().ok()?,
            show_output: var(ENV_SHOW_OUTPUT).is_some_and(|v| v == "1"),
            helper: std::env::current_exe().ok()?,
            // Its own group, out of the worker's: a worker killed with its group leaves the
            // helper alive to end the command's whole tree (it hears of the worker's death).
            own_group: true,
        })
    }

    /// The command line of `task`.
    pub fn command_line(&self, task: u32) -> String {
        self.command.replace("{task}", &task.to_string())
    }

    fn spawn(&self, task: u32) -> Result<Started, String> {
        let line = self.command_line(task);
        let fail = |e: io::Error| format!("task {task}: could not start `{line}`: {e}");
        let report = memfd(c"parlab-report").map_err(fail)?;
        let stderr = match self.show_output {
            true => None,
            false => Some(memfd(c"parlab-stderr").map_err(fail)?),
        };
        let mut cmd = std::process::Command::new(&self.helper);
        cmd.arg(HELPER_ARG)
            .arg(&line)
            .env(ENV_TASK, task.to_string())
            .env(ENV_TASKS, self.tasks.to_string())
            .env(ENV_PARENT, std::process::id().to_string())
            .stdin(Stdio::from(report.try_clone().map_err(fail)?));
        match &stderr {
            Some(f) => cmd
                .stdout(Stdio::null())
                .stderr(Stdio::from(f.try_clone().map_err(fail)?))
                .env(ENV_TAIL, "1"),
            None => cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit()),
        };
        if self.own_group {
            cmd.process_group(0);
        }
        let child = crate::run::spawn::spawn(&mut cmd).map_err(fail)?;
        let pid = child.id() as i32;
        if self.own_group {
            register(pid);
        }
        Ok(Started {
            task,
            line,
            pid,
            own_group: self.own_group,
            killed: None,
            report,
            stderr,
        })
    }
}

impl TaskRunner for CommandRunner {
    fn run(&self, task: u32, cancel: &Cancel) -> TaskResult {
        let mut started = self.spawn(task)?;
        let pidfd = pidfd_open(started.pid);
        loop {
            if let Some(status) = started.try_reap() {
                return started.finish(status);
            }
            started.kill_if(cancel);
            match &pidfd {
                Some(fd) => {
                    let mut p = libc::pollfd {
                        fd: fd.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one pollfd we own; a failure (EINTR) just loops.
                    unsafe { libc::poll(&mut p, 1, POLL.as_millis() as i32) };
                }
                None => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    fn run_async<'a>(&'a self, task: u32, cancel: &'a Cancel) -> Option<TaskFuture<'a>> {
        Some(Box::pin(async move {
            let mut started = self.spawn(task)?;
            // The child's pidfd becomes readable when it exits: awaited, it holds no thread.
            // The approaches' runtimes enable I/O, which registering needs.
            let pidfd = pidfd_open(started.pid).and_then(|fd| {
                // SAFETY: the OwnedFd is moved in and stays open, the same descriptor, for as
                // long as the AsyncFd lives.
                unsafe { tokio::io::unix::AsyncFd::register(fd) }.ok()
            });
            loop {
                if let Some(status) = started.try_reap() {
                    return started.finish(status);
                }
                started.kill_if(cancel);
                match &pidfd {
                    Some(fd) => {
                        let _ = tokio::time::timeout(POLL, fd.readable()).await;
                    }
                    None => tokio::time::sleep(Duration::from_millis(2)).await,
                }
            }
        }))
    }
}

/// A command that was started and is not reaped yet.
struct Started {
    task: u32,
    line: String,
    pid: i32,
    own_group: bool,
    /// When the run's cancel was first seen and the helper asked to stop.
    killed: Option<std::time::Instant>,
    report: File,
    stderr: Option<File>,
}

impl Started {
    /// Reaps the helper if it has ended: its wait status.
    fn try_reap(&self) -> Option<libc::c_int> {
        let mut status = 0;
        // SAFETY: wait4 on our own child, writing into locals; the helper's rusage is not
        // needed (its children's figures come in its report; its CPU time reaches parlab's
        // RUSAGE_CHILDREN).
        let r = unsafe { libc::wait4(self.pid, &mut status, libc::WNOHANG, std::ptr::null_mut()) };
        if r == self.pid {
            if self.own_group {
                unregister(self.pid);
            }
            Some(status)
        } else if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // ECHILD: someone else reaped it; nothing to wait for.
            if self.own_group {
                unregister(self.pid);
            }
            Some(libc::SIGKILL)
        } else {
            None
        }
    }

    /// Stops the command once the run is cancelled: SIGTERM to the helper (which ends the
    /// command's whole tree), then SIGKILL to its group if it is still there after
    /// [`KILL_GRACE`].
    fn kill_if(&mut self, cancel: &Cancel) {
        let target = if self.own_group { -self.pid } else { self.pid };
        match self.killed {
            None if cancel.is_cancelled() => {
                self.killed = Some(std::time::Instant::now());
                // SAFETY: kill takes plain integers; the helper is not reaped yet.
                unsafe { libc::kill(self.pid, libc::SIGTERM) };
            }
            Some(at) if at.elapsed() >= KILL_GRACE => {
                // SAFETY: as above.
                unsafe { libc::kill(target, libc::SIGKILL) };
            }
            _ => {}
        }
    }

    /// Turns the helper's end and report into the task's result.
    fn finish(self, helper_status: libc::c_int) -> TaskResult {
        let mut report = String::new();
        let mut buf = [0u8; 128];
        if let Ok(n) = self.report.read_at(&mut buf, 0) {
            report = String::from_utf8_lossy(&buf[..n]).into_owned();
        }
        let fields: Vec<&str> = report.split_whitespace().collect();
        let (kind, value, peak) = match fields[..] {
            [kind, value, peak] => (kind, value.parse().unwrap_or(-1), peak.parse().unwrap_or(0)),
            _ if libc::WIFSIGNALED(helper_status) => ("signal", libc::WTERMSIG(helper_status), 0),
            _ => ("exit", libc::WEXITSTATUS(helper_status), 0),
        };
        if kind == "exit" && value == 0 {
            return Ok(TaskDone {
                child_peak_rss_kib: peak,
            });
        }
        let status = match (kind, value) {
            _ if self.killed.is_some() => "was stopped (the run was cancelled)".to_string(),
            ("exit", 127) => "exited with status 127 (the shell did not find the command)".into(),
            ("exit", 126) => "exited with status 126 (the command could not be run)".into(),
            ("exit", code) => format!("exited with status {code}"),
            (_, signal) => format!("was killed by signal {signal}"),
        };
        let tail = self.stderr.map(crate::run::tail::quote).unwrap_or_default();
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!("; its stderr ended: {tail}")
        };
        Err(format!(
            "task {}: `{}` {status}{tail}",
            self.task, self.line
        ))
    }
}

/// An anonymous in-memory file (closed on exec: children get duplicates made for them).
fn memfd(name: &std::ffi::CStr) -> io::Result<File> {
    // SAFETY: memfd_create takes a C string we own and flags; it returns a new descriptor.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor is new and ours alone.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// A descriptor that becomes readable when process `pid` ends (None on kernels before 5.3).
fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a non-negative result is a new descriptor that we own.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The environment variable that makes parlab hold this many MiB (allocated and touched) while
/// it runs, so a test can show that a command's peak memory is its own, not parlab's: a test
/// hook, only with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
pub const ENV_TEST_BALLAST_MIB: &str = "PARLAB_TEST_BALLAST_MIB";

/// The memory the test hook `ENV_TEST_BALLAST_MIB` asks for: never without the `test-hooks`
/// feature.
#[cfg(not(feature = "test-hooks"))]
pub fn test_ballast() -> Option<Vec<u8>> {
    None
}

/// The memory `ENV_TEST_BALLAST_MIB` asks for, touched page by page (None when not asked).
#[cfg(feature = "test-hooks")]
pub fn test_ballast() -> Option<Vec<u8>> {
    let mib: usize = std::env::var(ENV_TEST_BALLAST_MIB).ok()?.parse().ok()?;
    let mut ballast = vec![0u8; mib.min(4096) << 20];
    for page in ballast.chunks_mut(4096) {
        page[0] = 1;
    }
    Some(std::hint::black_box(ballast))
}

/// Gives the command for `parlab __run-command CMD`, else None.
pub fn helper_args(args: &[std::ffi::OsString]) -> Option<&OsStr> {
    match args {
        [_, arg, command] if arg == HELPER_ARG => Some(command),
        _ => None,
    }
}

/// The environment variable that gives the helper its parent's pid, so it can tell whether
/// its parent died before it asked to hear of that (see [`crate::run::reaper::prepare_helper`]).
pub const ENV_PARENT: &str = "PARLAB_HELPER_PARENT";

/// The helper: forks `sh -c command` from this small process, waits for it, ends whatever it
/// left behind (see [`crate::run::reaper`]), writes `exit CODE PEAK_KIB` or `signal N PEAK_KIB` to
/// its stdin (parlab's report file) and exits with the command's status. Asked to stop
/// (SIGTERM from parlab, or parlab's death), it ends the command's whole tree first.
pub fn helper_main(command: &OsStr) -> ExitCode {
    let parent = std::env::var(ENV_PARENT).ok().and_then(|p| p.parse().ok());
    if !crate::run::reaper::prepare_helper(parent) {
        return ExitCode::from(128 + libc::SIGTERM as u8);
    }
    // The command's stderr through a pipe read as it fills, only its end kept, when parlab
    // quotes it; else straight to the helper's own.
    let mut tail = None;
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .env_remove(ENV_PARENT)
        .env_remove(ENV_TAIL)
        .stdin(Stdio::null());
    if std::env::var_os(ENV_TAIL).is_some() {
        match crate::run::tail::Tail::pipe() {
            Ok((t, write)) => {
                cmd.stderr(Stdio::from(write));
                tail = Some(t);
            }
            Err(e) => eprintln!("parlab: could not make a pipe for the command's stderr: {e}"),
        }
    }
    let child = cmd.spawn();
    // The helper's copy of the write end closes with `cmd`: the pipe ends with the command.
    drop(cmd);
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("parlab: could not start sh: {e}");
            return ExitCode::from(127);
        }
    };
    let pid = child.id() as i32;
    let mut shell: Option<(libc::c_int, libc::rusage)> = None;
    let pidfd = pidfd_open(pid);
    while !crate::run::reaper::stop_asked() {
        let mut status = 0;
        // SAFETY: rusage is plain data we own; wait4 fills it and the status.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: as above; our own child.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            shell = Some((status, ru));
            break;
        }
        if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return ExitCode::from(127);
        }
        // A stop signal interrupts the poll; the timeout only covers one that came just
        // before it. The stderr pipe is read as it fills, so the command never waits on it.
        if let Some(t) = &mut tail {
            t.read_ready();
        }
        let stderr_fd = tail.as_ref().map_or(-1, |t| t.poll_fd());
        match &pidfd {
            Some(fd) => {
                let mut p = [
                    libc::pollfd {
                        fd: fd.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    },
                    libc::pollfd {
                        fd: stderr_fd,
                        events: libc::POLLIN,
                        revents: 0,
                    },
                ];
                // SAFETY: two pollfds we own (poll ignores a negative descriptor).
                unsafe { libc::poll(p.as_mut_ptr(), 2, 100) };
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    // Whatever the command left behind, or the whole command when asked to stop.
    crate::run::reaper::end_tree(&mut |reaped, status, ru| {
        if reaped == pid {
            shell = Some((status, *ru));
        }
    });
    if let Some(t) = &mut tail {
        // Everyone who held the pipe has ended: what is left in it, then its end to parlab.
        t.read_ready();
        let _ = io::stderr().write_all(t.bytes());
    }
    let Some((status, ru)) = shell else {
        return ExitCode::from(127);
    };
    let (kind, value, code) = if libc::WIFSIGNALED(status) {
        let s = libc::WTERMSIG(status);
        ("signal", s, (128 + s).min(255) as u8)
    } else {
        let c = libc::WEXITSTATUS(status);
        ("exit", c, c as u8)
    };
    if let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() {
        let _ = writeln!(File::from(fd), "{kind} {value} {}", ru.ru_maxrss);
    }
    ExitCode::from(code)
}
