//! End-to-end tests of repetitions, statistics, exports, `--compare` and `sweep`, through the
//! parlab binary. `--mock` makes every figure exact, so outputs are snapshots.
//!
//! Modules:
//! - `exports`: each `--export-*` format (snapshots), files rewritten whole, stdout rules;
//! - `compare`: verdicts against a saved run, and every way a saved file can be wrong;
//! - `sweep`: the sweep's table, JSON, and its SVG and PNG charts;
//! - `flags`: bad values of the new flags, one clear line and exit status 2;
//! - `interrupt`: Ctrl-C during a real run keeps every run already measured in the export.

mod compare;
mod exports;
mod flags;
mod interrupt;
mod sweep;

use crate::common;

use assert_cmd::Command;

/// `parlab ARGS…` with a clean environment: no terminal width, CI-like.
pub fn parlab(args: &[&str]) -> Command {
    let mut cmd = common::parlab_plain();
    cmd.args(args).env_remove("COLUMNS").env("CI", "true");
    cmd
}

/// Runs `parlab ARGS…` and returns (exit status, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = parlab(args).output().expect("parlab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// A mock run small enough for readable snapshots: two approaches and the baseline.
pub const MOCK: &[&str] = &[
    "run",
    "--mock",
    "--approach",
    "threads,thread-pool",
    "--runs",
    "8",
];

/// `MOCK` followed by `extra`.
pub fn mock_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    MOCK.iter().copied().chain(extra.iter().copied()).collect()
}
