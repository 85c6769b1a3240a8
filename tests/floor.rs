//! End-to-end tests of `parlab floor`: the floors it prints, and the regression check it makes
//! of saved reports against committed figures (exit status 0, 1, or 2 for a flag missing).

use crate::common::parlab;
use predicates::prelude::*;

#[test]
fn floor_prints_every_primitive_with_a_positive_time() {
    let out = parlab()
        .args(["floor", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let floors = doc["floors"].as_array().unwrap();
    for id in [
        "thread-spawn",
        "thread-burst",
        "channel-round-trip",
        "queue-drain",
        "pipe-round-trip",
        "pipe-pool",
        "tokio-spawn-mt",
    ] {
        let f = floors.iter().find(|f| f["id"] == id).expect(id);
        assert!(f["per_op_s"].as_f64().unwrap() > 0.0, "{f}");
    }
}

/// Writes `text` to `name` in `dir`, giving its path as a string.
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn check_passes_a_steady_ratio_and_fails_a_grown_one() {
    let dir = tempfile::tempdir().unwrap();
    let committed = file(
        &dir,
        "committed.json",
        r#"{"machine": "test", "ratio_margin": 0.3, "memory_margin": 0.1,
            "figures": {"process-pool cost/floor": 1.2}}"#,
    );
    let report = |wall_s: f64| {
        format!(
            r#"{{"config": {{"workload": "noop", "tasks": 1000}},
                "floors": [{{"id": "pipe-pool", "what": "", "per_op_s": 1e-5, "ops": 9}}],
                "results": [{{"approach": "process-pool", "wall_s": {wall_s}, "verified": true}}]}}"#
        )
    };
    let steady = file(&dir, "steady.json", &report(0.0125));
    parlab()
        .args(["floor", "--check", &committed, "--noop", &steady])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok   process-pool cost/floor"));
    let grown = file(&dir, "grown.json", &report(0.0204));
    parlab()
        .args(["floor", "--check", &committed, "--noop", &grown])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL process-pool cost/floor"))
        .stderr(predicate::str::contains("--write"));
    // --write records the figures measured now, keeping the margins.
    parlab()
        .args(["floor", "--check", &committed, "--noop", &grown, "--write"])
        .assert()
        .success();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&committed).unwrap()).unwrap();
    assert!(
        (written["figures"]["process-pool cost/floor"]
            .as_f64()
            .unwrap()
            - 2.04)
            .abs()
            < 1e-9
    );
    assert_eq!(written["ratio_margin"], 0.3);
    // --check without a report to check is a usage error.
    parlab()
        .args(["floor", "--check", &committed])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--noop"));
}

#[test]
fn check_fails_only_when_every_attempt_is_past_the_margin() {
    let dir = tempfile::tempdir().unwrap();
    let committed = file(
        &dir,
        "committed.json",
        r#"{"machine": "test", "ratio_margin": 0.3, "memory_margin": 0.1,
            "figures": {"process-pool cost/floor": 1.2}}"#,
    );
    // Two noop runs of one attempt: the fastest run over the fastest floor batch, 12 µs / 10 µs.
    let report = |wall_s: f64, floor_s: f64| {
        format!(
            r#"{{"config": {{"workload": "noop", "tasks": 1000}},
                "floors": [{{"id": "pipe-pool", "what": "", "per_op_s": {floor_s}, "ops": 9}}],
                "results": [{{"approach": "process-pool", "wall_s": {wall_s}, "verified": true}}]}}"#
        )
    };
    let (a, b) = (
        file(&dir, "a.json", &report(0.012, 2e-5)),
        file(&dir, "b.json", &report(0.030, 1e-5)),
    );
    parlab()
        .args(["floor", "--check", &committed, "--noop", &a, "--noop", &b])
        .assert()
        .success()
        .stdout(predicate::str::contains("now     1.20"));
    // A first attempt past the margin fails and saves its figures; a second within it passes.
    let grown = file(&dir, "grown.json", &report(0.0204, 1e-5));
    let first = dir.path().join("first.json").display().to_string();
    parlab()
        .args([
            "floor", "--check", &committed, "--noop", &grown, "--save", &first,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("in this attempt"));
    parlab()
        .args([
            "floor",
            "--check",
            &committed,
            "--noop",
            &a,
            "--earlier",
            &first,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("attempt 2"));
    // Past it in both: fails, saying so; within it only in the first: passes, and says why.
    parlab()
        .args([
            "floor",
            "--check",
            &committed,
            "--noop",
            &grown,
            "--earlier",
            &first,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("all 2 attempts"));
    let steady = dir.path().join("steady.json").display().to_string();
    parlab()
        .args([
            "floor", "--check", &committed, "--noop", &a, "--save", &steady,
        ])
        .assert()
        .success();
    parlab()
        .args([
            "floor",
            "--check",
            &committed,
            "--noop",
            &grown,
            "--earlier",
            &steady,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("within it in an earlier attempt"));
    // --write with earlier attempts records each figure's median over them all.
    parlab()
        .args(["floor", "--check", &committed, "--noop", &grown])
        .args(["--earlier", &first, "--earlier", &steady, "--write"])
        .assert()
        .success();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&committed).unwrap()).unwrap();
    let median = written["figures"]["process-pool cost/floor"]
        .as_f64()
        .unwrap();
    assert!((median - 2.04).abs() < 1e-9, "{written}");
}

/// A file the check cannot read, or one that is not its JSON, is a usage error naming the flag.
#[test]
fn check_names_the_flag_of_a_missing_or_garbled_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbled = file(&dir, "garbled.json", "{\"figures\": [");
    let missing = dir.path().join("missing.json").display().to_string();
    parlab()
        .args(["floor", "--check", &garbled, "--noop", &garbled])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--check:").and(predicate::str::contains("garbled.json")));
    let committed = file(
        &dir,
        "committed.json",
        r#"{"machine": "m", "ratio_margin": 0.3, "memory_margin": 0.1, "figures": {}}"#,
    );
    parlab()
        .args(["floor", "--check", &committed, "--noop", &missing])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--noop: cannot read")
                .and(predicate::str::contains("missing.json")),
        );
}
