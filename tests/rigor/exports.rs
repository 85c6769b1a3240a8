//! `--export-json`, `--export-csv`, `--export-markdown`.

use super::{mock_args, run};

#[test]
fn csv_export() {
    let (code, out, err) = run(&mock_args(&["--export-csv", "-"]));
    assert_eq!(code, 0, "{err}");
    // The table moved to stderr so that stdout is exactly the export.
    assert!(err.contains("wall (median ± CV)"), "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(rows.records().count(), 3);
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_export() {
    let (code, out, err) = run(&mock_args(&["--export-markdown", "-"]));
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn json_export() {
    let (code, out, err) = run(&mock_args(&["--export-json", "-", "--tasks", "2"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 1);
    let threads = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["approach"] == "threads")
        .unwrap();
    assert_eq!(threads["runs"].as_array().unwrap().len(), 8);
    for key in [
        "wall_s",
        "wall_s_min",
        "wall_s_max",
        "wall_s_stddev",
        "speedup_min",
        "speedup_max",
    ] {
        assert!(threads[key].is_number(), "{key}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn the_json_file_matches_stdout_and_every_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let csv = dir.path().join("r.csv");
    let md = dir.path().join("r.md");
    let (code, _, err) = run(&mock_args(&[
        "--export-json",
        json.to_str().unwrap(),
        "--export-csv",
        csv.to_str().unwrap(),
        "--export-markdown",
        md.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    let (_, stdout_json, _) = run(&mock_args(&["--format", "json"]));
    assert_eq!(std::fs::read_to_string(&json).unwrap(), stdout_json);
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("command,mean,stddev,median,user,system,min,max,approach,")
    );
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("| `threads` |")
    );
    // Only the three files: no temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn an_unwritable_export_fails_before_measuring() {
    let (code, out, err) = run(&mock_args(&["--export-csv", "/no/such/dir/r.csv"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: --export-csv: cannot write '/no/such/dir/r.csv'"),
        "{err}"
    );
    assert!(!err.contains("run 1/"), "nothing was measured: {err}");
}
