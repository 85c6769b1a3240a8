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
