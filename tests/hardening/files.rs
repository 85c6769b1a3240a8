//! Issue 15 items 7 and 8: a `--compare` file's text cannot drive the terminal, and only a
//! regular file of bounded size is read (no growing on /dev/zero, no blocking on a FIFO).

use super::guard::{parlab, sh};

const RUN: [&str; 9] = [
    "run",
    "-w",
    "noop",
    "-t",
    "4",
    "--mock",
    "-a",
    "threads",
    "--no-progress",
];

#[test]
fn escapes_in_a_compare_file_do_not_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.json");
    let p = path.to_str().unwrap();
    let ran = parlab(&[&RUN[..], &["--export-json", p]].concat());
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    report["machine"]["cpu_model"] = "\u{1b}[2J\u{1b}]0;owned\u{7}EVIL CPU\u{9b}31m".into();
    report["parlab_version"] = "9\u{1b}[31m".into();
    std::fs::write(&path, serde_json::to_string(&report).unwrap()).unwrap();
    let ran = parlab(&[&RUN[..], &["--compare", p]].concat());
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("EVIL CPU"), "{}", ran.stdout);
    for out in [&ran.stdout, &ran.stderr] {
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reached the terminal: {out:?}"
        );
    }
}

#[test]
fn a_compare_file_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut cases = vec![("/dev/zero".to_string(), "character device")];
    if made {
        // No writer ever opens it: reading it would block for ever.
        cases.push((fifo.to_str().unwrap().to_string(), "named pipe"));
    } else {
        println!("skipped the FIFO case: mkfifo is not available");
    }
    for (path, kind) in cases {
        let ran = parlab(&[&RUN[..], &["--compare", &path]].concat());
        assert_eq!(ran.code(), 2, "{path}: {}", ran.stderr);
        assert!(
            ran.stderr.starts_with("error: --compare:"),
            "{}",
            ran.stderr
        );
        assert!(ran.stderr.contains(kind), "{}", ran.stderr);
        assert!(ran.took.as_secs() < 30, "{path} took {:?}", ran.took);
    }
    // Larger than the cap: refused from its size, not read into memory.
    let big = dir.path().join("big.json");
    let ran = sh(&format!(
        "truncate -s 65M '{0}' && exec \"$PARLAB\" {1} --compare '{0}'",
        big.display(),
        RUN.join(" ")
    ));
    assert_eq!(ran.code(), 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("larger than 64 MiB"), "{}", ran.stderr);
}
