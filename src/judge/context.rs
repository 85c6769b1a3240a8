//! Where and how a report was made: the date and time, the command line, the kernel, the rustc
//! that built parlab and parlab's version. Every export carries it, so a saved file says what
//! produced it. Under `--mock` the volatile parts are fixed, like [`crate::machine::Machine::mock`].

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The context of a report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// When parlab started, UTC, RFC 3339 (`2026-12-02T03:04:05Z`).
    pub date_time: String,
    /// The command line, words joined by spaces (the program named by its file name).
    pub command_line: String,
    /// The kernel: `uname -srm`'s fields (`Linux 6.8.0 x86_64`).
    pub kernel: String,
    /// The rustc that built parlab (`rustc 1.95.0 (…)`).
    pub rustc: String,
    /// parlab's version.
    pub parlab_version: String,
}

impl Context {
    /// The context of this process (the date is when it was first asked for, at start-up).
    pub fn detect() -> Self {
        static STARTED: OnceLock<SystemTime> = OnceLock::new();
        let started = *STARTED.get_or_init(SystemTime::now);
        Self {
            date_time: rfc3339(started),
            command_line: command_line(std::env::args()),
            kernel: kernel(),
            rustc: env!("PARLAB_RUSTC_VERSION").to_string(),
            parlab_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// A fixed context for deterministic tests and snapshots.
    pub fn mock() -> Self {
        Self {
            date_time: "2000-01-01T00:00:00Z".into(),
            command_line: "parlab --mock".into(),
            kernel: "Mock 1.0 mock64".into(),
            rustc: "rustc (mock)".into(),
            parlab_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The context of a real run, or the fixed one under `--mock`.
    pub fn for_run(mock: bool) -> Self {
        if mock { Self::mock() } else { Self::detect() }
    }
}

/// `args` as one line: the program by its file name, each word quoted as a POSIX shell needs
/// (`shlex`), so that the line reads back word for word (`shlex::split`) and runs again.
pub fn command_line(args: impl IntoIterator<Item = String>) -> String {
    let words: Vec<String> = args
        .into_iter()
        .enumerate()
        .map(|(i, a)| match i {
            0 => std::path::Path::new(&a)
                .file_name()
                .map_or(a.clone(), |f| f.to_string_lossy().into_owned()),
            _ => a,
        })
        .collect();
    // Only a NUL byte cannot be quoted, and no argument holds one.
    shlex::try_join(words.iter().map(String::as_str))
        .unwrap_or_else(|_| words.join(" ").replace('\0', ""))
}

/// The kernel's name, release and machine, from uname(2).
fn kernel() -> String {
    let u = rustix::system::uname();
    format!(
        "{} {} {}",
        u.sysname().to_string_lossy(),
        u.release().to_string_lossy(),
        u.machine().to_string_lossy()
    )
}

/// `t` as an RFC 3339 UTC date-time, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc3339_utc() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn the_command_line_names_the_program_and_quotes_spaces() {
        let args = [
            "/usr/local/bin/parlab",
            "run",
            "--html",
            "my report.html",
            "",
        ];
        assert_eq!(
            command_line(args.map(String::from)),
            "parlab run --html 'my report.html' ''"
        );
        // A shell's special characters are quoted too, and the line reads back word for word.
        let args = [
            "parlab",
            "run",
            "--command",
            "true;true",
            "-w",
            "command",
            "$HOME",
            "a'b",
        ];
        let line = command_line(args.map(String::from));
        assert_eq!(
            line,
            r#"parlab run --command 'true;true' -w command '$HOME' "a'b""#
        );
        let back = shlex::split(&line).unwrap();
        assert_eq!(back, args);
    }

    #[test]
    fn the_real_context_is_filled_in() {
        let c = Context::detect();
        assert!(c.rustc.starts_with("rustc "), "{}", c.rustc);
        assert!(c.kernel.starts_with("Linux "), "{}", c.kernel);
        assert_eq!(c.date_time.len(), 20, "{}", c.date_time);
        assert_eq!(c, Context::detect(), "the date is the start's");
    }
}
