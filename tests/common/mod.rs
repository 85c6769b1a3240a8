//! Helpers every integration test shares: the one way to run the real binary.
//!
//! Every test target includes this file (`mod common;`, or with `#[path = "../common/mod.rs"]`
//! from a folder target) and starts parlab through it, so that all of them run the same binary
//! the same way; each target adds only the environment its checks depend on.

#![allow(dead_code)]

use assert_cmd::Command;

/// The path of the parlab binary that cargo built for the tests.
pub const PARLAB: &str = env!("CARGO_BIN_EXE_parlab");

/// The parlab binary as an `assert_cmd` command, with the environment untouched.
pub fn parlab_plain() -> Command {
    Command::new(PARLAB)
}

/// The parlab binary as a `std::process::Command` (for a child to signal, a pty or pipes),
/// with the environment untouched.
pub fn parlab_std() -> std::process::Command {
    std::process::Command::new(PARLAB)
}

/// The parlab binary, with colour and terminal-dependent output off.
pub fn parlab() -> Command {
    let mut cmd = parlab_plain();
    cmd.env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Small, quick work: a prime whose trial division takes well under a millisecond.
pub const SMALL_PRIME: &str = "1000000007";

/// How many approaches `--approach all` runs: every Rust one (the Python ones are asked for by
/// name).
pub fn all_count() -> usize {
    parlab::approach::REGISTRY
        .iter()
        .filter(|a| !parlab::approach::python::is_python(a.info()))
        .count()
}
