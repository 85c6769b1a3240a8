//! Bad values of the new flags: one line naming the flag, exit status 2, nothing measured.

use super::run;

fn fails_with(args: &[&str], start: &str) {
    let (code, out, err) = run(args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?}");
    assert!(
        err.starts_with(&format!("error: {start}")),
        "{args:?}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
}

#[test]
fn bad_repetitions() {
    fails_with(
        &["run", "--mock", "--runs", "0"],
        "--runs: 0 is not allowed",
    );
    fails_with(
        &["run", "--mock", "--runs", "-3"],
        "--runs: '-3' is negative",
    );
    fails_with(
        &["run", "--mock", "--runs", "many"],
        "--runs: 'many' is not",
    );
    fails_with(
        &["run", "--mock", "--warmup", "-1"],
        "--warmup: '-1' is negative",
    );
    fails_with(&["run", "--mock", "--warmup", "x"], "--warmup: 'x' is not");
}

#[test]
fn bad_exports() {
    fails_with(
        &["run", "--mock", "--export-json", "-", "--export-csv", "-"],
        "--export-csv: another export already goes to stdout",
    );
    fails_with(
        &["run", "--mock", "--format", "json", "--export-csv", "-"],
        "--export-csv: stdout already carries --format json",
    );
    fails_with(
        &["run", "--mock", "--export-json", "a", "--export-csv", "a"],
        "--export-csv: 'a' is already another export's file",
    );
    fails_with(
        &["run", "--mock", "--export-markdown", ""],
        "--export-markdown: no file given",
    );
}

#[test]
fn bad_sweeps() {
    fails_with(
        &["sweep", "--mock", "--pool-sizes", "1,0"],
        "--pool-sizes: 0 is not allowed",
    );
    fails_with(
        &["sweep", "--mock", "--pool-sizes", ","],
        "--pool-sizes: no pool size given",
    );
    fails_with(
        &["sweep", "--mock", "--approach", "threads"],
        "--approach: threads has no pool to size",
    );
    fails_with(
        &["sweep", "--mock", "--chart", "x.jpg"],
        "--chart: 'x.jpg' is neither",
    );
    // `run`'s own flags are clap's to refuse (exit 2; clap adds a tip and a usage line).
    for flag in [
        &["--pool-size", "2"][..],
        &["--no-baseline"],
        &["--compare", "a.json"],
    ] {
        let args: Vec<&str> = ["sweep", "--mock"].iter().chain(flag).copied().collect();
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(
            err.starts_with(&format!("error: unexpected argument '{}'", flag[0])),
            "{args:?}: {err}"
        );
    }
}
