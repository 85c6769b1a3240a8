//! Every output path is checked before anything is measured (exit 2, the message names the
//! flag, nothing run), and a device or FIFO is written in place rather than replaced.
//!
//! Tests run as root in CI, so an unwritable folder is made without permissions: a path under a
//! missing folder, under a file, or in `/proc`, where no file can be created even by root.

use std::path::Path;

use crate::common;

/// Runs `parlab ARGS…` and returns (exit status, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::parlab().args(args).output().expect("parlab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn every_bad_output_path_is_refused_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| s(&dir.path().join(name));
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "x").unwrap();
    let baseline = dir.path().join("b.json");
    std::fs::write(&baseline, "{\"saved\": true}").unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("s.svg")).unwrap();
    let under_file = s(&file.join("c.svg"));
    let dotted_baseline = s(&dir.path().join(".").join("b.json"));
    let run_ = ["run", "--mock", "--approach", "threads"];
    let sweep = ["sweep", "--mock", "--pool-sizes", "1,2"];
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["--html".into(), d("none/r.html")],
            "--html",
            "does not exist",
        ),
        (
            vec!["--html".into(), "/proc/parlab-r.html".into()],
            "--html",
            "does not take new files",
        ),
        (
            vec!["--chart".into(), under_file.clone()],
            "--chart",
            "does not exist",
        ),
        (
            vec!["--trace".into(), s(dir.path())],
            "--trace",
            "is a directory",
        ),
        (
            vec!["--timeline".into(), d("s.svg")],
            "--timeline",
            "a socket",
        ),
        (
            vec!["--export-csv".into(), "/proc/parlab-r.csv".into()],
            "--export-csv",
            "cannot write",
        ),
        (
            vec![
                "--export-json".into(),
                d("a.json"),
                "--html".into(),
                d("a.json"),
            ],
            "--html",
            "also the --export-json file",
        ),
        (
            vec![
                "--timeline".into(),
                d("t.svg"),
                "--chart".into(),
                d("./t.svg"),
            ],
            "--chart",
            "also the --timeline file",
        ),
        (
            vec![
                "--compare".into(),
                s(&baseline),
                "--export-json".into(),
                dotted_baseline,
            ],
            "--export-json",
            "is the --compare file",
        ),
    ];
    let sweep_cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["--chart".into(), "/proc/parlab-c.svg".into()],
            "--chart",
            "does not take new files",
        ),
        (
            vec![
                "--chart".into(),
                d("w.svg"),
                "--timeline".into(),
                d("w.svg"),
            ],
            "--chart",
            "also the --timeline file",
        ),
    ];
    let all = cases
        .into_iter()
        .map(|c| (&run_[..], c))
        .chain(sweep_cases.into_iter().map(|c| (&sweep[..], c)));
    for (command, (flags, flag, problem)) in all {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(flags.iter().map(String::as_str))
            .collect();
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("error: {flag}: ")) && err.contains(problem),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{args:?}: nothing printed on stdout: {out}");
        assert!(
            !err.contains("warm-up") && !err.contains("run 1/"),
            "{args:?}: nothing was measured: {err}"
        );
    }
    // Nothing was written: the baseline is intact and no output or temporary file appeared.
    assert_eq!(
        std::fs::read_to_string(&baseline).unwrap(),
        "{\"saved\": true}"
    );
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["b.json", "plain.txt", "s.svg"]);
}

#[test]
fn a_fifo_gets_one_whole_export_and_stays_a_fifo() {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: mkfifo reads a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, out, err) = run(&[
        "run",
        "--mock",
        "--approach",
        "threads",
        "--export-json",
        &s(&fifo),
    ]);
    // Should parlab not have opened the FIFO, free the reader rather than hang.
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo);
    let got = reader.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("threads"), "the table is printed: {out}");
    let v: serde_json::Value = serde_json::from_str(&got).expect("one whole JSON document");
    assert_eq!(v["results"].as_array().map(Vec::len), Some(2));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO is still a FIFO, not a file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Old files for every output of a run, each holding "old": (the flags and paths, the paths).
fn old_outputs(dir: &Path) -> (Vec<String>, Vec<std::path::PathBuf>) {
    let mut args = Vec::new();
    let mut paths = Vec::new();
    for (flag, name) in [
        ("--export-json", "r.json"),
        ("--export-csv", "r.csv"),
        ("--export-markdown", "r.md"),
        ("--trace", "t.json"),
        ("--timeline", "t.svg"),
        ("--html", "r.html"),
        ("--chart", "c.svg"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, "old").unwrap();
        args.extend([flag.to_string(), s(&path)]);
        paths.push(path);
    }
    (args, paths)
}

/// Every file is still "old", and nothing else is in `dir`.
fn all_old(dir: &Path, paths: &[std::path::PathBuf]) {
    for path in paths {
        assert_eq!(
            std::fs::read(path).unwrap(),
            b"old",
            "{} was replaced",
            path.display()
        );
    }
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        paths.len(),
        "no temporary left"
    );
}

#[test]
fn existing_files_stay_as_they_were_when_a_run_fails_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let (outputs, paths) = old_outputs(dir.path());
    let out = common::parlab()
        .args([
            "run",
            "-w",
            "net",
            "--tasks",
            "2",
            "--io-wait",
            "1ms",
            "-a",
            "threads",
        ])
        .args(["--runs", "1", "--warmup", "0", "--no-progress"])
        .args(&outputs)
        .env("PARLAB_SERVE_FAIL", "start")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the local server could not start"), "{err}");
    all_old(dir.path(), &paths);
}

/// True once `pid` catches SIGINT (its handler is installed: /proc's SigCgt has bit 2 set).
fn catches_sigint(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (libc::SIGINT - 1)) != 0)
}

#[test]
fn ctrl_c_before_the_first_run_ends_leaves_existing_files_as_they_were() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (outputs, paths) = old_outputs(dir.path());
    // Its first run waits 2 × 20 s: the signal comes long before it ends.
    let since = Instant::now();
    let child = common::parlab_std()
        .args([
            "run",
            "-w",
            "io",
            "--io-wait",
            "20s",
            "--tasks",
            "2",
            "-a",
            "sequential",
        ])
        .args(["--runs", "1", "--warmup", "0", "--no-progress"])
        .args(&outputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !catches_sigint(pid) {
        assert!(
            Instant::now() < deadline,
            "parlab never set up its signal handler"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Into the run: the files are checked, the first wait has begun.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill sends a signal to the child we started and still own.
    unsafe { libc::kill(pid as i32, libc::SIGINT) };
    let ran = common::wait_capturing(child, since, Duration::from_secs(60), |_| {});
    assert_eq!(ran.code(), 130, "{}", ran.stderr);
    all_old(dir.path(), &paths);
}

#[test]
fn a_normal_run_and_sweep_replace_every_output_with_their_results() {
    for sub in [
        &["run", "--runs", "2"][..],
        &["sweep", "--pool-sizes", "1,2"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (outputs, paths) = old_outputs(dir.path());
        let out = common::parlab()
            .args(sub)
            .args([
                "--mock",
                "--tasks",
                "4",
                "-a",
                "thread-pool,rayon",
                "--no-progress",
            ])
            .args(&outputs)
            .output()
            .unwrap();
        assert!(out.status.success(), "{sub:?}: {out:?}");
        for path in &paths {
            let bytes = std::fs::read(path).unwrap();
            assert!(
                bytes.len() > 3 && bytes != b"old",
                "{sub:?}: {}",
                path.display()
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&paths[0]).unwrap())
            .expect("a whole JSON document");
        assert!(!v["results"].as_array().unwrap().is_empty(), "{sub:?}: {v}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), paths.len());
    }
}
