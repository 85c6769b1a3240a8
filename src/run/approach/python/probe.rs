//! Finding out whether an interpreter can run the Python approaches, before anything is measured.
//!
//! The probe is a one-line program any Python 3 runs, so that an old interpreter is told apart
//! from a missing one and the message can say which.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::MIN_VERSION;
use crate::cancel::Cancel;

/// The interpreter the Python approaches ran on (machine facts for the header, JSON and HTML).
pub use crate::machine::PythonFacts;

/// Prints the facts as one JSON object; runs on any Python 3.
const PROBE: &str = "import sys, json, platform\n\
g = getattr(sys, '_is_gil_enabled', None)\n\
print(json.dumps({'version': platform.python_version(), 'implementation': \
platform.python_implementation(), 'executable': sys.executable, \
'major': sys.version_info[0], 'minor': sys.version_info[1], \
'gil': bool(g()) if g else (True if platform.python_implementation() == 'CPython' else None)}))";

#[derive(Deserialize, Serialize)]
struct Probed {
    version: String,
    implementation: String,
    executable: String,
    major: u32,
    minor: u32,
    gil: Option<bool>,
}

/// Runs `interpreter` once and returns its facts, or why it cannot run the Python approaches
/// (one sentence, without a hint: the caller knows which flag to name).
pub fn probe(interpreter: &Path) -> Result<PythonFacts, String> {
    probe_within(interpreter, PROBE_LIMIT)
}

/// How long the interpreter has to answer (a cold start on a busy machine takes a second or
/// two).
const PROBE_LIMIT: Duration = Duration::from_secs(15);
/// The most of the probe's stdout or stderr read back.
const PROBE_OUTPUT_BYTES: u64 = 64 * 1024;

/// [`probe`] with its time limit: the interpreter (and its process group) is killed once it
/// has had `limit`, and dies with parlab (`PR_SET_PDEATHSIG`), however parlab ends.
fn probe_within(interpreter: &Path, limit: Duration) -> Result<PythonFacts, String> {
    let shown = interpreter.display();
    let (status, out_text, err_text) = run_limited(interpreter, &["-c", PROBE], limit, &[])?;
    let text = out_text;
    let probed: Probed = match serde_json::from_str(text.trim()) {
        Ok(p) if status.success() => p,
        _ => {
            let said = err_text;
            let said = said
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map_or(String::new(), |l| format!(" ({})", l.trim()));
            return Err(format!("'{shown}' did not run as Python 3{said}"));
        }
    };
    if (probed.major, probed.minor) < MIN_VERSION {
        return Err(format!(
            "'{shown}' is Python {}, older than {}.{} which the Python approaches need",
            probed.version, MIN_VERSION.0, MIN_VERSION.1
        ));
    }
    Ok(PythonFacts {
        version: probed.version,
        implementation: probed.implementation,
        executable: probed.executable,
        gil: probed.gil,
    })
}

/// Why the user's Python function cannot be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionProblem {
    /// Its module (or the check's) did not import: the exception's last line.
    Import(String),
    /// The module has no such function: which name, and what it has.
    Name(String),
}

/// Imports `func` (and its check) in `interpreter` with the driver, as a run would, and says
/// whether it is an `async def`; or why it cannot be called, before anything is measured. A
/// module that takes longer than `limit` to import is a problem too.
pub fn probe_function(
    interpreter: &Path,
    func: &crate::plan::py_func::PyFunction,
    limit: Duration,
) -> Result<bool, FunctionProblem> {
    let spec = serde_json::json!({ "func": func.func, "check": func.check }).to_string();
    let seed = if std::env::var_os("PYTHONHASHSEED").is_none() {
        vec![("PYTHONHASHSEED", "0")]
    } else {
        Vec::new()
    };
    let (_, out, err) = run_limited(
        interpreter,
        &["-c", super::DRIVER, "--probe-func", &spec],
        limit,
        &seed,
    )
    .map_err(FunctionProblem::Import)?;
    #[derive(Deserialize)]
    struct Said {
        func: Option<FuncSaid>,
        error: Option<String>,
        kind: Option<String>,
    }
    #[derive(Deserialize)]
    struct FuncSaid {
        #[serde(rename = "async")]
        is_async: bool,
    }
    let last = |t: &str| {
        t.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(str::to_string)
    };
    match last(&out).and_then(|l| serde_json::from_str::<Said>(&l).ok()) {
        Some(Said { func: Some(f), .. }) => Ok(f.is_async),
        Some(Said {
            error: Some(e),
            kind,
            ..
        }) => Err(if kind.as_deref() == Some("name") {
            FunctionProblem::Name(e)
        } else {
            FunctionProblem::Import(e)
        }),
        _ => Err(FunctionProblem::Import(last(&err).unwrap_or_else(|| {
            "the interpreter ended without a word".to_string()
        }))),
    }
}

/// Times a bare function call in `interpreter`, with the driver (`--floor-call`), for about
/// `budget`: per call, the median and the fastest batch (s), and the calls made; None when the
/// interpreter cannot run it.
pub fn time_calls(interpreter: &Path, budget: Duration) -> Option<(f64, f64, u64)> {
    let ns = budget.as_nanos().to_string();
    let args = ["-c", super::DRIVER, "--floor-call", &ns];
    let (status, out, _) = run_limited(interpreter, &args, PROBE_LIMIT, &[]).ok()?;
    #[derive(Deserialize)]
    struct Said {
        floor: Timed,
    }
    #[derive(Deserialize)]
    struct Timed {
        median_ns: f64,
        min_ns: f64,
        calls: u64,
    }
    let line = out.lines().rev().find(|l| !l.trim().is_empty())?;
    let said: Said = serde_json::from_str(line)
        .ok()
        .filter(|_| status.success())?;
    let Timed {
        median_ns,
        min_ns,
        calls,
    } = said.floor;
    (median_ns > 0.0 && min_ns > 0.0).then_some((median_ns / 1e9, min_ns / 1e9, calls))
}

/// Runs `interpreter` with `args` for at most `limit`, in its own process group and dying with
/// parlab; gives its exit status, stdout and stderr (each at most [`PROBE_OUTPUT_BYTES`]).
/// Once parlab's signal handlers are installed ([`Cancel::from_signals`]), SIGINT or SIGTERM
/// ends the wait at once (the group killed and reaped): a probe runs while the settings are
/// checked, before any run could hear the signal, and the command then ends as it asks.
fn run_limited(
    interpreter: &Path,
    args: &[&str],
    limit: Duration,
    env: &[(&str, &str)],
) -> Result<(std::process::ExitStatus, String, String), String> {
    let shown = interpreter.display();
    let outputs = (memfd(), memfd());
    let (Ok(stdout), Ok(stderr)) = outputs else {
        return Err(format!("could not start '{shown}': no in-memory file"));
    };
    let files = (stdout.try_clone(), stderr.try_clone());
    let (Ok(out_w), Ok(err_w)) = files else {
        return Err(format!("could not start '{shown}': no in-memory file"));
    };
    let mut cmd = Command::new(interpreter);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(out_w)
        .stderr(err_w)
        .process_group(0);
    // SAFETY: the closure only calls prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            Ok(())
        });
    }
    let mut child = crate::run::spawn::spawn(&mut cmd).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("no Python interpreter found at '{shown}'"),
        _ => format!("could not start '{shown}': {e}"),
    })?;
    let start = Instant::now();
    let signals = Cancel::from_signals();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if signals.as_ref().is_some_and(|c| c.signal().is_some()) => {
                // SAFETY: kill takes plain integers; the child leads its group, not reaped.
                unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                let _ = child.wait();
                return Err(format!("'{shown}' was stopped by a signal"));
            }
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                // SAFETY: kill takes plain integers; the child leads its group, not reaped.
                unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                let _ = child.wait();
                return Err(format!(
                    "'{shown}' did not answer within {} s",
                    limit.as_secs_f64()
                ));
            }
        }
    };
    // Whatever it started in its group goes with it.
    // SAFETY: as above; the group may be empty now, which is harmless.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let read = |f: std::fs::File| {
        let mut bytes = Vec::new();
        let mut f = f;
        let _ = f.seek(SeekFrom::Start(0));
        let _ = f.take(PROBE_OUTPUT_BYTES).read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Ok((status, read(stdout), read(stderr)))
}

/// An anonymous in-memory file for the probe's output (closed on exec: the child gets the
/// duplicates made for it).
fn memfd() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create takes a C string and flags; it returns a new descriptor or -1.
    let fd = unsafe { libc::memfd_create(c"parlab-probe".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the descriptor is new and ours alone.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_named() {
        let e = probe(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(
            e.contains("no Python interpreter found at '/nonexistent/python3'"),
            "{e}"
        );
    }

    #[test]
    fn an_interpreter_that_does_not_answer_is_killed_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let slow = dir.path().join("python3");
        let marker = dir.path().join("pid");
        std::fs::write(
            &slow,
            format!(
                "#!/bin/sh\necho $$ > {}\nexec sleep 300\n",
                marker.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let start = Instant::now();
        let e = probe_within(&slow, Duration::from_millis(500)).unwrap_err();
        assert!(e.contains("did not answer within 0.5 s"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(60));
        let pid = std::fs::read_to_string(&marker).unwrap();
        assert!(
            !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "the probe was left running"
        );
    }

    #[test]
    fn something_that_is_not_python_is_refused() {
        let e = probe(Path::new("/bin/false")).unwrap_err();
        assert!(e.contains("did not run as Python 3"), "{e}");
    }
}
