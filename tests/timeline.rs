//! `--timeline` and `--html` from the command line: the files are written in the format asked
//! for, and a bad file name is a usage error (exit 2, naming the flag) before anything runs.

use assert_cmd::Command;

fn parlab() -> Command {
    Command::cargo_bin("parlab").unwrap()
}

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
