//! The bar chart under the table.

use super::{parlab, text};

fn mock_run(extra: &[&str]) -> String {
    let out = parlab()
        .args(["run", "--mock", "--tasks", "4"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    text(&out.stdout)
}

/// The chart: the lines after the table's notes.
fn chart(stdout: &str) -> String {
    stdout
        .split("\n\n")
        .nth(1)
        .expect("a blank line, then the chart")
        .to_string()
}

#[test]
fn unicode_chart_under_the_table() {
    insta::assert_snapshot!(chart(&mock_run(&[])));
}

#[test]
fn ascii_chart_when_asked() {
    let stdout = mock_run(&["--ascii"]);
    insta::assert_snapshot!(chart(&stdout));
    assert!(!chart(&stdout).contains('█'));
}

#[test]
fn ascii_chart_when_the_locale_is_not_utf8() {
    let out = parlab()
        .env("LANG", "C")
        .args(["run", "--mock", "--tasks", "4"])
        .output()
        .unwrap();
    let c = chart(&text(&out.stdout));
    assert!(c.contains('#') && !c.contains('█'), "{c}");
}

#[test]
fn the_chart_fits_narrow_terminals() {
    let out = parlab()
        .env("COLUMNS", "60")
        .args(["run", "--mock", "--workload", "io", "--tasks", "4"])
        .output()
        .unwrap();
    let c = chart(&text(&out.stdout));
    assert_eq!(c.lines().count(), crate::common::all_count(), "{c}");
    for line in c.lines() {
        assert!(line.chars().count() <= 60, "{line}");
    }
}

#[test]
fn no_chart_in_json() {
    let out = parlab()
        .args(["run", "--mock", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("only JSON on stdout");
    assert!(v["results"].is_array());
}
