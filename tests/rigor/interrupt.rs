//! Ctrl-C during a real run: the export holds every run measured before it, and every picture
//! and the HTML report is either the old file or a complete new one, never half of one.

use std::time::{Duration, Instant};

#[test]
fn ctrl_c_keeps_the_runs_already_exported() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    // Old files the run replaces: afterwards each is still the old one or a whole new one.
    let chart = dir.path().join("c.svg");
    let timeline = dir.path().join("t.png");
    let html = dir.path().join("r.html");
    for old in [&chart, &timeline, &html] {
        std::fs::write(old, "old").unwrap();
    }
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
        .arg("--chart")
        .arg(&chart)
        .arg("--timeline")
        .arg(&timeline)
        .arg("--html")
        .arg(&html)
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
    let whole_or_old = |path: &std::path::Path, whole: &dyn Fn(&[u8]) -> bool| {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            bytes == b"old" || whole(&bytes),
            "{} is neither the old file nor a complete new one",
            path.display()
        );
    };
    whole_or_old(&chart, &|b| {
        std::str::from_utf8(b).is_ok_and(|t| roxmltree::Document::parse(t).is_ok())
    });
    whole_or_old(&timeline, &|b| image::load_from_memory(b).is_ok());
    whole_or_old(&html, &|b| {
        std::str::from_utf8(b).is_ok_and(|t| t.trim_end().ends_with("</html>"))
    });
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        4,
        "no temporary left"
    );
}
