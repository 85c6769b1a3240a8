//! `--html`: the report renders in a real browser. Headless Chromium takes a screenshot (which
//! must not be blank and must show the charts' colours) and dumps the DOM (which must hold a
//! table row and a bar per approach, and the timeline).
//!
//! Without Chromium the test is skipped with a reason, except under CI=true, where it fails:
//! `.ci/run` installs Debian's `chromium`.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

/// The longest one Chromium run may take before it is killed.
const BROWSER_LIMIT: Duration = Duration::from_secs(120);

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `extra` flags and a fresh profile; returns stdout.
/// The browser is killed if it outlives [`BROWSER_LIMIT`], and always reaped.
fn chromium(browser: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over {BROWSER_LIMIT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out.join().unwrap().unwrap_or_default();
    let stderr = err.join().unwrap().unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    stdout
}

#[test]
fn the_html_report_renders_in_chromium() {
    let Some(browser) = find_chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromium is not installed (apt-get install -y chromium)");
        }
        eprintln!("skipped: chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = common::parlab_plain()
        .args([
            "run",
            "--mock",
            "--workload",
            "mixed",
            "--tasks",
            "4",
            "--pool-size",
            "2",
        ])
        .args(["--format", "json", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let approaches: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["approach"].as_str().unwrap())
        .collect();
    assert!(approaches.len() >= 8, "{approaches:?}");

    // The DOM as the browser built it.
    let dom = chromium(&browser, &page, &["--dump-dom".into()]);
    for a in &approaches {
        assert!(
            dom.contains(&format!("<tr data-approach=\"{a}\"")),
            "no row for {a}"
        );
        assert!(
            dom.contains(&format!("<g class=\"bar\" data-approach=\"{a}\"")),
            "no bar for {a}"
        );
    }
    assert_eq!(dom.matches("<tr data-approach=").count(), approaches.len());
    assert!(dom.contains("<svg id=\"bar-chart\""), "no bar chart");
    // What the run shows comes first, under the headline: the lesson, then the notes.
    let at = |needle: &str| dom.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("class=\"headline\"") < at("What this run shows"));
    assert!(at("What this run shows") < at("id=\"notes\""));
    assert!(
        at("id=\"notes\"") < at("<tr data-approach="),
        "the lesson under the table"
    );
    let timeline = &dom[dom.find("id=\"timeline\"").expect("timeline section")..];
    assert!(timeline.contains("<svg"), "no timeline drawing");

    // What it looks like.
    let shot = dir.path().join("shot.png");
    chromium(
        &browser,
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,1600".into(),
        ],
    );
    let img = image::open(&shot).expect("a PNG screenshot").to_rgb8();
    assert_eq!(img.dimensions(), (1200, 1600));
    let total = img.pixels().len();
    let ink = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 235))
        .count();
    // Strongly blue pixels: the thread bars and the timeline's computation.
    let blue = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0;
            b as i32 - r as i32 > 80 && b as i32 - g as i32 > 40
        })
        .count();
    assert!(
        ink * 50 > total,
        "nearly blank: {ink} of {total} pixels inked"
    );
    assert!(blue > 500, "no chart colour on screen: {blue} blue pixels");
}
