//! `--timeline` and `--html` from the command line: the files are written in the format asked
//! for, and a bad file name is a usage error (exit 2, naming the flag) before anything runs.

use crate::common::parlab_plain as parlab;

#[test]
fn writes_svg_png_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png, html) = (
        dir.path().join("t.svg"),
        dir.path().join("t.PNG"),
        dir.path().join("r.html"),
    );
    parlab()
        .args([
            "run",
            "--mock",
            "--workload",
            "mixed",
            "--tasks",
            "3",
            "--timeline",
        ])
        .arg(&svg)
        .arg("--html")
        .arg(&html)
        .assert()
        .success();
    parlab()
        .args([
            "run",
            "--mock",
            "--tasks",
            "3",
            "--approach",
            "threads",
            "--timeline",
        ])
        .arg(&png)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(svg.contains("async-inline:"), "a panel per approach");
    let img = image::open(&png).expect("a PNG");
    assert!(img.width() >= 1000 && img.height() > 100);
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("id=\"comparison\""));
}

#[test]
fn bad_output_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "--timeline",
            dir.path().join("t.jpg"),
            "neither .svg nor .png",
        ),
        (
            "--timeline",
            dir.path().join("none/t.svg"),
            "does not exist",
        ),
        ("--html", dir.path().join("none/r.html"), "does not exist"),
        ("--html", dir.path().to_path_buf(), "is a directory"),
    ];
    for (flag, path, problem) in cases {
        let out = parlab()
            .args(["run", "--mock", flag])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {path:?}: {err}");
        assert!(err.contains(flag) && err.contains(problem), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(out.stdout.is_empty(), "nothing ran");
    }
}

#[test]
fn a_sweep_report_has_the_sweep_chart_and_fits_and_a_run_report_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let (sweep_html, run_html, trace) = (
        dir.path().join("sweep.html"),
        dir.path().join("run.html"),
        dir.path().join("sweep-trace.json"),
    );
    parlab()
        .args([
            "sweep",
            "--mock",
            "--pool-sizes",
            "1,2",
            "--approach",
            "thread-pool,rayon",
        ])
        .arg("--html")
        .arg(&sweep_html)
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let html = std::fs::read_to_string(&sweep_html).unwrap();
    let start = html
        .find("<section id=\"sweep\">")
        .expect("a sweep section");
    let section = &html[start..html[start..].find("</section>").unwrap() + start];
    assert!(section.contains("<svg"), "the chart is inline SVG");
    assert!(
        section.contains("thread-pool: p = ") && section.contains("rayon: p = "),
        "{section}"
    );
    let trace: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    assert!(
        trace["traceEvents"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );

    parlab()
        .args([
            "run",
            "--mock",
            "--tasks",
            "2",
            "--approach",
            "threads",
            "--html",
        ])
        .arg(&run_html)
        .assert()
        .success();
    assert!(
        !std::fs::read_to_string(&run_html)
            .unwrap()
            .contains("id=\"sweep\"")
    );
}
