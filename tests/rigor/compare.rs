//! `--compare FILE.json`.

use std::path::{Path, PathBuf};

use super::{mock_args, run};

/// Saves a mock run (the `MOCK` settings plus `extra`) as JSON in `dir`.
fn saved(dir: &Path, extra: &[&str]) -> PathBuf {
    let path = dir.join("saved.json");
    let mut args = mock_args(&["--export-json", path.to_str().unwrap()]);
    args.extend(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    path
}

/// Writes `text` to `dir/name` and returns the path as a string.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs the mock comparing with `path`; returns (status, stdout, stderr).
fn compare(path: &str) -> (i32, String, String) {
    run(&mock_args(&["--compare", path]))
}

#[test]
fn the_same_run_is_within_noise() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path(), &[]);
    let (code, out, err) = compare(path.to_str().unwrap());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("+0.0% within noise").count(), 3, "{out}");
    let out = out.replace(path.to_str().unwrap(), "SAVED.json");
    insta::assert_snapshot!(out);
}

#[test]
fn verdicts_use_the_spread() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path(), &[]);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for r in v["results"].as_array_mut().unwrap() {
        // The saved threads took 30% longer, thread-pool 20% less, sequential 1% longer (well
        // inside the mock's spread).
        let scale = match r["approach"].as_str().unwrap() {
            "threads" => 1.3,
            "thread-pool" => 0.8,
            _ => 1.01,
        };
        r["wall_s"] = (r["wall_s"].as_f64().unwrap() * scale).into();
    }
    let edited = file(dir.path(), "edited.json", &v.to_string());
    let (code, out, err) = compare(&edited);
    assert_eq!(code, 0, "{err}");
    let row = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("│ {id} ")))
            .unwrap_or_else(|| panic!("no row for {id}: {out}"))
            .to_string()
    };
    assert!(row("threads").contains("faster"), "{out}");
    assert!(row("thread-pool").contains("slower"), "{out}");
    assert!(row("sequential").contains("within noise"), "{out}");
}

#[test]
fn other_work_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path(), &["--workload", "noop"]);
    let p = path.to_str().unwrap();
    let (code, out, err) = compare(p);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err.trim_end(),
        format!(
            "error: --compare: '{p}' measured noop work, this run is cpu work; compare runs of \
             the same work: use the saved run's --workload, --number, --tasks and --io-wait"
        )
    );
    let path = saved(dir.path(), &["--number", "1000000007"]);
    let (code, _, err) = compare(path.to_str().unwrap());
    assert_eq!(code, 2);
    assert!(
        err.contains("tested number 1000000007, this run tests 834238027356431"),
        "{err}"
    );
    let path = saved(dir.path(), &["--tasks", "6"]);
    let (code, _, err) = compare(path.to_str().unwrap());
    assert_eq!(code, 2);
    assert!(err.contains("ran 6 tasks, this run runs 4"), "{err}");
}

/// Compares with a file holding `text`, expecting exit status 2 and `problem` after its name.
fn bad_file(text: &str, problem: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "bad.json", text);
    let (code, out, err) = compare(&p);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.starts_with(&format!("error: --compare: '{p}' {problem}")),
        "{err}"
    );
    assert!(err.contains("--export-json"), "says what to give: {err}");
    assert!(!err.contains("run 1/"), "nothing was measured: {err}");
}

#[test]
fn malformed_json() {
    bad_file(
        "{\"format_version\": 1, results: []}",
        "is not valid JSON: key must be a string at line 1",
    );
}

#[test]
fn truncated_json() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(saved(dir.path(), &[])).unwrap();
    bad_file(&full[..full.len() / 2], "ends early (cut short?) at line");
}

#[test]
fn wrong_version() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(saved(dir.path(), &[])).unwrap();
    let newer = full.replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    bad_file(&newer, "has format_version 2, this parlab reads version 1");
    let older = full.replacen("\"format_version\": 1,", "", 1);
    bad_file(&older, "has no format_version");
}

#[test]
fn not_a_report() {
    bad_file("[]", "is JSON but not a parlab report");
    bad_file(
        "{\"format_version\": 1, \"results\": []}",
        "is not a complete parlab report: missing field",
    );
}

#[test]
fn a_missing_file() {
    let (code, _, err) = compare("/no/such/saved.json");
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: --compare: cannot read '/no/such/saved.json': No such file"),
        "{err}"
    );
}
