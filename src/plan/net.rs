//! The settings of `net` work: `--requests` and `--payload`, and the check that the open-file
//! limit can hold every connection an approach keeps open at once.

use crate::error::UsageError;
use crate::plan::approaches::ApproachInfo;
use crate::plan::workload::NetSpec;

/// The most requests a task may make.
const MAX_REQUESTS: u64 = 10_000;
/// The largest reply.
const MAX_PAYLOAD: u64 = 16 << 20;

/// Parses `--requests` and `--payload`.
pub fn parse_net(requests: &str, payload: &str) -> Result<NetSpec, UsageError> {
    Ok(NetSpec {
        requests: crate::plan::parse::parse_count("--requests", requests, MAX_REQUESTS)? as u32,
        payload: parse_bytes("--payload", payload, MAX_PAYLOAD)? as u32,
        port: 0,
    })
}

/// Parses a byte count: `16384`, `16KiB`, `16K`, `1MiB`, `1M` (binary units), 0 to `max`.
pub fn parse_bytes(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    let allowed = format!("give bytes from 0 to {max}, e.g. 16384, 16KiB or 1MiB");
    let t = text.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    let (digits, scale) = [
        ("kib", 1u64 << 10),
        ("k", 1 << 10),
        ("mib", 1 << 20),
        ("m", 1 << 20),
        ("b", 1),
    ]
    .iter()
    .find_map(|&(unit, scale)| {
        lower
            .strip_suffix(unit)
            .map(|d| (d.trim().to_string(), scale))
    })
    .unwrap_or((lower.clone(), 1));
    match digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
    {
        Some(n) if n <= max => Ok(n),
        Some(_) => Err(UsageError::bad(
            flag,
            format!("'{text}' is too large"),
            allowed,
        )),
        None => Err(UsageError::bad(
            flag,
            format!("'{text}' is not a byte count"),
            allowed,
        )),
    }
}

/// Refuses `tasks` net tasks where an approach would keep more connections open at once than
/// the open-file limit holds (in parlab, and in the local server, which holds the other end
/// of every connection). `open_files` is the soft limit after parlab raised it to the hard one.
pub fn check_connections(
    approaches: &[&'static ApproachInfo],
    tasks: u32,
    pool_size: usize,
    open_files: u64,
) -> Result<(), UsageError> {
    for a in approaches {
        let info = a;
        let open = info.wait_width.resolve(pool_size, tasks as usize) as u64;
        if open.saturating_add(crate::machine::limits::SPARE_FILES) > open_files {
            return Err(UsageError::bad(
                "--tasks",
                format!(
                    "{tasks} net tasks keep {open} connections open at once with approach {}, \
                     and the open-file limit (ulimit -n, RLIMIT_NOFILE) holds {open_files} \
                     files per process, {} of them kept spare",
                    info.id,
                    crate::machine::limits::SPARE_FILES
                ),
                format!(
                    "use at most {} tasks, a pooled approach, or raise the hard open-file limit",
                    open_files.saturating_sub(crate::machine::limits::SPARE_FILES)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_parse_with_units() {
        assert_eq!(parse_bytes("--payload", "16KiB", MAX_PAYLOAD), Ok(16384));
        assert_eq!(parse_bytes("--payload", "1M", MAX_PAYLOAD), Ok(1 << 20));
        assert_eq!(parse_bytes("--payload", "100", MAX_PAYLOAD), Ok(100));
        let e = parse_bytes("--payload", "lots", MAX_PAYLOAD)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--payload: 'lots' is not a byte count"),
            "{e}"
        );
        let e = parse_bytes("--payload", "17MiB", MAX_PAYLOAD)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too large"), "{e}");
    }

    #[test]
    fn too_many_connections_are_refused_naming_the_limit() {
        let asyncs = [crate::plan::approaches::find("async").unwrap()];
        let e = check_connections(&asyncs, 10_000, 4, 1024)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--tasks: 10000 net tasks keep 10000 connections"),
            "{e}"
        );
        assert!(e.contains("open-file limit (ulimit -n"), "{e}");
        assert!(check_connections(&asyncs, 900, 4, 1024).is_ok());
        // A pool keeps only its size in flight.
        let pool = [crate::plan::approaches::find("thread-pool").unwrap()];
        assert!(check_connections(&pool, 10_000, 8, 1024).is_ok());
    }
}
