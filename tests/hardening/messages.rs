//! Issue 15 item 9: messages that suggest what is accepted, name the flag, and an empty fault
//! variable that means no fault.

use super::guard::{parlab, run};

#[test]
fn an_hour_is_a_unit_and_an_unknown_unit_suggests_accepted_ones() {
    let ran = parlab(&[
        "run",
        "-w",
        "io",
        "--io-wait",
        "1h",
        "-t",
        "1",
        "--mock",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--no-baseline",
        "-a",
        "async",
    ]);
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    let ran = parlab(&["run", "-w", "io", "--io-wait", "3d", "--mock"]);
    assert_eq!(ran.code(), 2, "{}", ran.stderr);
    let line = ran.stderr.trim();
    assert!(
        line.starts_with("error: --io-wait: unknown unit 'd'"),
        "{line}"
    );
    // Every unit the message names is one that is accepted.
    for unit in ["1s", "250ms", "1.5s", "800us", "2m", "1h"] {
        assert!(line.contains(unit), "{line}");
    }
}

#[test]
fn a_negative_pool_size_names_the_flag() {
    for list in ["-1", "2,-1"] {
        let ran = parlab(&["sweep", "--pool-sizes", list, "-w", "noop", "--mock"]);
        assert_eq!(ran.code(), 2, "{}", ran.stderr);
        assert!(
            ran.stderr.starts_with("error: --pool-sizes: '-1'"),
            "{}",
            ran.stderr
        );
    }
}

#[test]
fn an_empty_fault_variable_means_no_fault() {
    // `run` removes the variable from its command; `env` sets it again, empty, for parlab.
    let mut cmd = std::process::Command::new("env");
    cmd.arg("PARLAB_WORKER_FAIL=")
        .arg(crate::common::PARLAB)
        .args([
            "run",
            "-a",
            "process,process-pool",
            "-w",
            "noop",
            "-t",
            "4",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--no-baseline",
            "--no-progress",
        ]);
    let ran = run(cmd);
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    assert_eq!(ran.stderr.matches("verified").count(), 2, "{}", ran.stderr);
}
