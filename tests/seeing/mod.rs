//! End-to-end tests of what parlab shows: progress on stderr, the bar chart, SVG/PNG charts and
//! `parlab demos`. One test target; each module covers one thing:
//!
//! - `progress`: no escape codes on a stderr that is not a terminal; bars in a terminal (pty).
//! - `bars`: the terminal bar chart under the table, exact via the mock executor.
//! - `charts`: `--chart FILE.svg|png` parses/decodes and shows every bar and label.
//! - `demos`: `parlab demos` in the Python demos' format, exact via the mock executor.

mod bars;
mod charts;
mod demos;
mod progress;

use crate::common;

use assert_cmd::Command;

/// `parlab` with a fixed, UTF-8, colourless environment and a 100-column `COLUMNS`.
pub fn parlab() -> Command {
    let mut cmd = common::parlab_plain();
    cmd.env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env("LANG", "C.UTF-8")
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR");
    cmd
}

/// The output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("parlab prints UTF-8")
}
