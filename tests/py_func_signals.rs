//! Ctrl-C (SIGINT) during a `--py-func` run, at each phase where parlab waits on Python: while
//! the function's module is imported (before anything is measured), during the unmeasured
//! reference run of py-sequential, and while the tasks run.
//! Each case is run twice: with SIGINT as a terminal gives it, and with SIGINT ignored on
//! entry, as a background job of a non-interactive shell (a CI script, `cmd &`) inherits it;
//! there a signal that came before parlab's handlers were installed would be lost, and the
//! whole plan run. Each must end with status 130 and leave no Python process behind.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, PARLAB};
use crate::py_func::{QUICK, TIMEOUT, assert_none_left, drivers, new_tag, tagged};

/// A module whose import announces itself (a file beside it), then takes ten minutes: far
/// longer than any test waits, and than parlab's 60 s limit on an import.
const SLOW_IMPORT: &str = r#"
import os, time
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "importing"), "w").close()
time.sleep(600)

def nap(task):
    return task

def yes(task, value):
    return True
"#;

/// A function that sleeps a minute a task, and a check that takes anything.
const NAP: &str = r#"
import time

def nap(task):
    time.sleep(60)
    return task

def yes(task, value):
    return True
"#;

/// `parlab run --py-func FILE:nap ... -a py-process-pool`, tagged, SIGINT ignored on entry if
/// `ignoring` (as the default disposition a program starts with). With `checked`, `FILE:yes`
/// checks the values; without, they are compared with an unmeasured run of py-sequential's.
fn start(file: &Path, checked: bool, ignoring: bool, tag: &str) -> Child {
    let target = format!("{}:nap", file.display());
    let check = format!("{}:yes", file.display());
    let mut cmd = Command::new(PARLAB);
    cmd.args(["run", "--py-func", &target])
        .args(if checked {
            vec!["--py-check", &check]
        } else {
            vec![]
        })
        .args(["--approach", "py-process-pool", "--no-baseline"])
        .args(QUICK)
        .env_remove("PARLAB_PY_FAULT")
        .env("PARLAB_TEST_TAG", tag)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if ignoring {
        // SAFETY: signal(2) is async-signal-safe; the disposition is inherited across exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    cmd.spawn().unwrap()
}

/// Sends SIGINT to `child` and checks it ends with 130, saying so, and leaves nothing of `tag`.
fn interrupt(child: Child, tag: &str, what: &str) {
    // SAFETY: kill takes plain integers; the pid is our own unreaped child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let ran = common::wait_capturing(child, Instant::now(), TIMEOUT, |_| {});
    assert_eq!(ran.code(), 130, "{what}: {}", ran.stderr);
    assert!(
        ran.stderr.contains("interrupted by signal 2"),
        "{what}: {}",
        ran.stderr
    );
    assert_none_left(tag);
}

#[test]
fn ctrl_c_while_the_module_is_imported_stops_the_import_and_exits_130() {
    for ignoring in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("slow_import.py");
        std::fs::write(&file, SLOW_IMPORT).unwrap();
        let tag = new_tag();
        let child = start(&file, true, ignoring, &tag);
        let since = Instant::now();
        while !dir.path().join("importing").exists() {
            assert!(since.elapsed() < TIMEOUT, "the import never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!tagged(&tag).is_empty());
        interrupt(
            child,
            &tag,
            &format!("during the import, SIGINT ignored on entry: {ignoring}"),
        );
    }
}

#[test]
fn ctrl_c_while_the_tasks_run_exits_130_with_no_python_left() {
    for ignoring in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nap.py");
        std::fs::write(&file, NAP).unwrap();
        let tag = new_tag();
        let child = start(&file, true, ignoring, &tag);
        // The interpreter and its two pool workers.
        let since = Instant::now();
        while drivers(&tag).len() < 3 {
            assert!(since.elapsed() < TIMEOUT, "never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        interrupt(
            child,
            &tag,
            &format!("while running, SIGINT ignored on entry: {ignoring}"),
        );
    }
}

#[test]
fn ctrl_c_during_the_reference_run_of_py_sequential_exits_130_with_no_python_left() {
    for ignoring in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nap.py");
        std::fs::write(&file, NAP).unwrap();
        let tag = new_tag();
        // No check: py-sequential runs first, unmeasured, one task after another.
        let child = start(&file, false, ignoring, &tag);
        // The reference run's interpreter (not the import probe's, which is a driver too).
        let running = |pid: &u32| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            !cmdline.split(|&b| b == 0).any(|arg| arg == b"--probe-func")
        };
        let since = Instant::now();
        while !drivers(&tag).iter().any(running) {
            assert!(since.elapsed() < TIMEOUT, "never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        interrupt(
            child,
            &tag,
            &format!("during the reference run, SIGINT ignored on entry: {ignoring}"),
        );
    }
}
