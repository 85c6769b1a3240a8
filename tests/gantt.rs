//! `--timeline-term`: the text Gantt after the table, snapshotted on the deterministic mock
//! executor at a fixed width.

use crate::common;

/// The text Gantt part of `parlab run --mock ARGS --timeline-term` at `columns` wide.
fn gantt(args: &[&str], columns: u16) -> String {
    let out = common::parlab_plain()
        .env("COLUMNS", columns.to_string())
        .args(["run", "--mock", "--timeline-term"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let at = stdout
        .find("Timeline:")
        .expect("a timeline after the table");
    stdout[at..].to_string()
}

#[test]
fn mixed_work_every_approach() {
    let text = gantt(
        &["--workload", "mixed", "--tasks", "4", "--pool-size", "2"],
        80,
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn many_workers_are_capped() {
    let text = gantt(
        &[
            "--workload",
            "io",
            "--io-wait",
            "10ms",
            "--tasks",
            "12",
            "--approach",
            "threads,async-inline",
        ],
        60,
    );
    assert!(
        text.contains("(8 of 12 workers shown, evenly spaced)"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn goes_to_stderr_under_json() {
    let out = common::parlab_plain()
        .args([
            "run",
            "--mock",
            "--tasks",
            "2",
            "--format",
            "json",
            "--timeline-term",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is only JSON");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Timeline:"));
}
