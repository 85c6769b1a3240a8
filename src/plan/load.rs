//! `--wait-idle` and the hidden `--mock-load`: how parlab deals with other programs on the
//! machine (see [`crate::run::record::load`]).

use std::time::Duration;

use crate::error::UsageError;
use crate::plan::parse::parse_duration;

/// How long `--wait-idle` waits in all when no limit is given.
pub const DEFAULT_WAIT_IDLE: Duration = Duration::from_secs(60);

/// What to do about other programs' load.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadSettings {
    /// `--wait-idle`: before each run wait for the machine to be idle, at most this long in all,
    /// and measure again a run that others disturbed.
    pub wait_idle: Option<Duration>,
    /// `--mock-load`: the cores other programs keep busy on the mock machine.
    pub mock_load: Option<f64>,
}

/// Parses `--wait-idle[=LIMIT]` and `--mock-load CORES` (which needs `--mock`).
pub fn parse(
    wait_idle: Option<&str>,
    mock_load: Option<&str>,
    mock: bool,
) -> Result<LoadSettings, UsageError> {
    let wait_idle = match wait_idle.map(str::trim) {
        None => None,
        Some("") => Some(DEFAULT_WAIT_IDLE),
        Some(t) => Some(parse_duration("--wait-idle", t)?),
    };
    let mock_load = match mock_load {
        None => None,
        Some(_) if !mock => {
            return Err(UsageError::bad(
                "--mock-load",
                "it models a busy machine for the mock executor only",
                "add --mock, or leave --mock-load out",
            ));
        }
        Some(t) => match t.trim().parse::<f64>() {
            Ok(c) if c.is_finite() && (0.0..=1024.0).contains(&c) => Some(c),
            _ => {
                return Err(UsageError::bad(
                    "--mock-load",
                    format!("'{t}' is not a number of cores"),
                    "use a number of busy cores from 0 to 1024, e.g. 1.5",
                ));
            }
        },
    };
    Ok(LoadSettings {
        wait_idle,
        mock_load,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_idle_takes_an_optional_limit_and_mock_load_needs_the_mock() {
        let s = parse(Some(""), None, false).unwrap();
        assert_eq!(s.wait_idle, Some(DEFAULT_WAIT_IDLE));
        let s = parse(Some("5s"), Some("1.5"), true).unwrap();
        assert_eq!(s.wait_idle, Some(Duration::from_secs(5)));
        assert_eq!(s.mock_load, Some(1.5));
        assert_eq!(parse(None, None, false).unwrap(), LoadSettings::default());
        assert!(parse(Some("soon"), None, false).is_err());
        assert!(parse(None, Some("1"), false).is_err());
        assert!(parse(None, Some("-1"), true).is_err());
        assert!(parse(None, Some("lots"), true).is_err());
    }
}
