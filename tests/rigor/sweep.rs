//! `parlab sweep`.

use super::run;

const SWEEP: &[&str] = &["sweep", "--mock", "--runs", "3", "--pool-sizes", "1,2,4"];

/// The Rust approaches `--pool-size` applies to: the ones `all` sweeps.
const POOLED: [&str; 7] = [
    "thread-pool",
    "rayon",
    "async",
    "async-mt",
    "process-pool",
    "process-pool-chunked",
    "cluster",
];

fn sweep(extra: &[&str]) -> (i32, String, String) {
    run(&SWEEP.iter().chain(extra).copied().collect::<Vec<_>>())
}

#[test]
fn the_table_chart_and_fits() {
    let (code, out, err) = sweep(&["--approach", "thread-pool,rayon"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("— pool size 4 (3 of 3)"), "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn the_json_document() {
    let (code, out, err) = sweep(&["--format", "json", "--approach", "all"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pool_sizes"], serde_json::json!([1, 2, 4]));
    // The mock machine has 2 cores: the work–span ideal of a pool grows up to 2 workers
    // (about 1x, then about 2x) and is flat after.
    let ideal: Vec<f64> = v["ideal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(ideal.len(), 3, "{ideal:?}");
    assert!((ideal[0] - 1.0).abs() < 0.05, "{ideal:?}");
    assert!((ideal[1] - 2.0).abs() < 0.1, "{ideal:?}");
    assert_eq!(ideal[1], ideal[2], "{ideal:?}");
    // `all` means every pooled Rust approach, each at every size (Python ones are named).
    let points = v["points"].as_array().unwrap();
    let mut swept: Vec<&str> = points
        .iter()
        .map(|p| p["approach"].as_str().unwrap())
        .collect();
    swept.sort();
    swept.dedup();
    let mut pooled = POOLED.to_vec();
    pooled.sort();
    assert_eq!(swept, pooled);
    assert_eq!(points.len(), 3 * pooled.len());
    for fit in v["fits"].as_array().unwrap() {
        let p = fit["parallel_fraction"].as_f64().unwrap();
        assert!((0.95..=1.0).contains(&p), "{fit}");
    }
    // Default tasks: enough for twice the largest pool.
    assert_eq!(v["config"]["tasks"], 8);
}

#[test]
fn svg_and_png_charts() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("s.svg");
    let png = dir.path().join("s.png");
    for path in [&svg, &png] {
        let (code, _, err) = sweep(&[
            "--approach",
            "thread-pool,async-mt",
            "--chart",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for expected in [
        "pool size",
        "thread-pool",
        "async-mt",
        "ideal (work–span bound of the pool)",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected} in {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("thread-pool: Amdahl fit, p = ")),
        "{texts:?}"
    );
    let img = image::open(&png).expect("a readable PNG").to_rgb8();
    assert_eq!(img.dimensions(), (960, 600));
    // Text and lines were drawn: many pixels are neither white nor one flat colour.
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 100))
        .count();
    assert!(dark > 2000, "only {dark} dark pixels");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary left"
    );
}
