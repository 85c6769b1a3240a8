//! The plan's values as people write them: counts, numbers and durations, each refused with a
//! message that names the flag and what it accepts.

use std::time::Duration;

use crate::error::UsageError;

/// Parses a count of at most `max` that may be 0 (`--warmup`).
pub fn parse_at_most(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    if text.trim().replace('_', "").parse::<u64>() == Ok(0) {
        return Ok(0);
    }
    parse_count(flag, text, max).map_err(|e| match e {
        UsageError::BadValue { flag, problem, .. } => UsageError::bad(
            flag,
            problem,
            format!("give a whole number from 0 to {max}"),
        ),
        other => other,
    })
}

/// Parses `--number`.
pub fn parse_number(text: &str) -> Result<u64, UsageError> {
    let allowed = "give a whole number from 0 to 18446744073709551615";
    let t = text.trim().replace('_', "");
    if t.starts_with('-') {
        return Err(UsageError::bad(
            "--number",
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    t.parse::<u64>().map_err(|e| {
        let problem = match e.kind() {
            std::num::IntErrorKind::PosOverflow => format!("'{text}' is above u64's maximum"),
            std::num::IntErrorKind::Empty => "no number given".to_string(),
            _ => format!("'{text}' is not a whole number"),
        };
        UsageError::bad("--number", problem, allowed)
    })
}

/// Parses a positive count (`--tasks`, `--pool-size`) of at most `max`.
pub fn parse_count(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    let allowed = format!("give a whole number from 1 to {max}");
    let t = text.trim().replace('_', "");
    if t.starts_with('-') {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    match t.parse::<u64>() {
        Ok(0) => Err(UsageError::bad(flag, "0 is not allowed", allowed)),
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(UsageError::bad(
            flag,
            format!("'{text}' is too large"),
            allowed,
        )),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Err(UsageError::bad(
            flag,
            format!("'{text}' is too large"),
            allowed,
        )),
        Err(_) => Err(UsageError::bad(
            flag,
            format!("'{text}' is not a whole number"),
            allowed,
        )),
    }
}

/// Parses a duration such as `1s`, `250ms`, `1.5s`, `800us`, `2m`. A bare number other than 0
/// is refused: a person who types `250` may mean either unit.
///
/// ```
/// use std::time::Duration;
/// use parlab::plan::parse::parse_duration;
/// assert_eq!(parse_duration("--io-wait", "1.5s").unwrap(), Duration::from_millis(1500));
/// let err = parse_duration("--io-wait", "-1s").unwrap_err().to_string();
/// assert!(err.starts_with("--io-wait: '-1s' is negative"));
/// let err = parse_duration("--io-wait", "250").unwrap_err().to_string();
/// assert!(err.ends_with("did you mean 250ms or 250s?"), "{err}");
/// ```
pub fn parse_duration(flag: &'static str, text: &str) -> Result<Duration, UsageError> {
    let allowed = "give a duration such as 1s, 250ms, 1.5s, 800us or 2m (at most 1h)";
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (value, unit) = t.split_at(split);
    if value.is_empty() {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is not a duration"),
            allowed,
        ));
    }
    let scale = match unit.trim() {
        // A bare number could mean either: 250 is rarely 250 s, and a wrong guess costs minutes.
        "" if value.trim_start_matches(['0', '.', '+']).is_empty() => 1.0,
        "" => {
            return Err(UsageError::bad(
                flag,
                format!("'{t}' has no unit"),
                format!("did you mean {t}ms or {t}s?"),
            ));
        }
        "s" | "sec" | "secs" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        "h" | "hr" | "hour" => 3600.0,
        other => {
            return Err(UsageError::bad(
                flag,
                format!("unknown unit '{other}' in '{text}'"),
                allowed,
            ));
        }
    };
    let v: f64 = value
        .parse()
        .map_err(|_| UsageError::bad(flag, format!("'{text}' is not a duration"), allowed))?;
    if v < 0.0 || value.starts_with('-') {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is negative"),
            allowed,
        ));
    }
    let secs = v * scale;
    if !secs.is_finite() || secs > 3600.0 {
        return Err(UsageError::bad(
            flag,
            format!("'{text}' is too long"),
            allowed,
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::DEFAULT_NUMBER;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("x", "1s").unwrap(), Duration::from_secs(1));
        assert_eq!(
            parse_duration("x", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("x", "1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse_duration("x", "800us").unwrap(),
            Duration::from_micros(800)
        );
        assert_eq!(parse_duration("x", "0").unwrap(), Duration::ZERO);
        for bad in ["-1s", "abc", "1 parsec", "", "1e999s", "2h"] {
            assert!(parse_duration("--io-wait", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_counts() {
        assert_eq!(parse_number("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(parse_number("834_238_027_356_431").unwrap(), DEFAULT_NUMBER);
        let e = parse_number("18446744073709551616")
            .unwrap_err()
            .to_string();
        assert!(e.contains("above u64's maximum"), "{e}");
        assert!(
            parse_number("-5")
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert!(
            parse_count("--tasks", "0", 10)
                .unwrap_err()
                .to_string()
                .starts_with("--tasks: 0")
        );
        assert_eq!(parse_count("--tasks", "10", 10).unwrap(), 10);
        assert!(parse_count("--tasks", "11", 10).is_err());
    }
}
