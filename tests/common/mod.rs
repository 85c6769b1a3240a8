//! Helpers every integration test shares: running the real binary.

#![allow(dead_code)]

use assert_cmd::Command;

/// The parlab binary, with colour and terminal-dependent output off.
pub fn parlab() -> Command {
    let mut cmd = Command::cargo_bin("parlab").expect("the parlab binary is built");
    cmd.env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Small, quick work: a prime whose trial division takes well under a millisecond.
pub const SMALL_PRIME: &str = "1000000007";
