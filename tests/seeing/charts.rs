//! `--chart FILE.svg|png` through the binary (the renderer's own tests are beside it, in
//! src/show/export/chart.rs).

use super::{parlab, text};

#[test]
fn run_writes_the_chart_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["c.svg", "c.png"] {
        let path = dir.path().join(name);
        let out = parlab()
            .args(["run", "--mock", "--tasks", "4", "--chart"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with("svg") {
            let svg = String::from_utf8(bytes).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let title = "cpu: is 834238027356431 prime? × 4 tasks, pool size 2";
            assert!(
                doc.descendants()
                    .any(|n| n.text().map(str::trim) == Some(title)),
                "{svg}"
            );
        } else {
            // A bar of 48 px per approach under the 164 px of title, legend and axis.
            let img = image::load_from_memory(&bytes).unwrap();
            let bars = crate::common::all_count() as u32;
            assert_eq!((img.width(), img.height()), (1000, 164 + 48 * bars));
        }
    }
}

#[test]
fn a_bad_chart_path_is_a_usage_error() {
    for (path, says) in [
        ("c.jpg", "neither .svg nor .png"),
        ("/no/such/dir/c.svg", "does not exist"),
    ] {
        let out = parlab()
            .args(["run", "--mock", "--chart", path])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: --chart: ") && err.contains(says),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
