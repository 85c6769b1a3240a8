//! Ctrl-C during a real run: the export holds every run measured before it.

use std::time::{Duration, Instant};

#[test]
fn ctrl_c_keeps_the_runs_already_exported() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mut child = super::common::parlab_std()
        .args([
            "run",
            "--workload",
            "io",
            "--io-wait",
            "20ms",
            "--tasks",
            "2",
            "--approach",
            "threads",
            "--runs",
            "1000",
            "--export-json",
        ])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the file holds a few measured runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let runs = |v: &serde_json::Value| {
        v["results"].as_array().map_or(0, |r| {
            r.iter()
                .map(|a| a["runs"].as_array().map_or(0, Vec::len))
                .sum()
        })
    };
    loop {
        assert!(Instant::now() < deadline, "no runs exported in time");
        if let Ok(text) = std::fs::read_to_string(&json)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && runs(&v) >= 4
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill sends a signal to the child we started and still own.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).expect("complete JSON");
    assert!(runs(&v) >= 4);
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verified"] == true)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
}
