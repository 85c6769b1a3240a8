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

/// Parses a byte count: `16384`, `16KiB`, `16K`, `1MiB`, `1M`, `1GiB`, `1G` (binary units,
/// any case, `B` optional), 0 to `max`.
pub fn parse_bytes(flag: &'static str, text: &str, max: u64) -> Result<u64, UsageError> {
    let allowed = format!(
        "give whole bytes from 0 to {max} ({}), plain or with a binary unit: K or KiB, M or MiB, \
         G or GiB (1K = 1024), e.g. 16384, 16KiB or 1MiB",
        crate::format::format_kib(max / 1024)
    );
    let t = text.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    let (digits, scale) = [
        ("kib", 1u64 << 10),
        ("kb", 1 << 10),
        ("k", 1 << 10),
        ("mib", 1 << 20),
        ("mb", 1 << 20),
        ("m", 1 << 20),
        ("gib", 1 << 30),
        ("gb", 1 << 30),
        ("g", 1 << 30),
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
/// The message names what to change: the limit itself when it leaves no room for even one
/// connection, the pool size for a pooled approach, else the tasks.
pub fn check_connections(
    approaches: &[&'static ApproachInfo],
    tasks: u32,
    pool_size: usize,
    open_files: u64,
) -> Result<(), UsageError> {
    let spare = crate::machine::limits::SPARE_FILES;
    let room = open_files.saturating_sub(spare);
    for info in approaches {
        let open = info.wait_width.resolve(pool_size, tasks as usize) as u64;
        if open <= room {
            continue;
        }
        let limit = format!(
            "the open-file limit (ulimit -n, RLIMIT_NOFILE) holds {open_files} files per \
             process, and parlab keeps {spare} of them for itself"
        );
        if room == 0 {
            return Err(UsageError::bad(
                "--workload",
                format!(
                    "net work needs at least one connection open with approach {}, but {limit}, \
                     which leaves none",
                    info.id
                ),
                format!(
                    "raise the open-file limit to at least {} (ulimit -n; the hard limit is \
                     the ceiling), or choose work other than net",
                    spare + 1
                ),
            ));
        }
        let (flag, fix) = if matches!(info.wait_width, crate::plan::approaches::Width::Pool) {
            (
                "--pool-size",
                format!(
                    "use --pool-size {room} or less, or raise the hard open-file limit (ulimit -Hn)"
                ),
            )
        } else {
            (
                "--tasks",
                format!(
                    "use at most {room} tasks, a pooled approach with --pool-size {room} or less \
                     (thread-pool, process-pool), or raise the hard open-file limit (ulimit -Hn)"
                ),
            )
        };
        return Err(UsageError::bad(
            flag,
            format!(
                "{tasks} net tasks keep {open} connection{} open at once with approach {}, and \
                 {limit}",
                if open == 1 { "" } else { "s" },
                info.id
            ),
            fix,
        ));
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
        // Gibibytes are a unit too: too large here, not "not a byte count".
        for big in ["1GiB", "1g", "2 GB"] {
            let e = parse_bytes("--payload", big, MAX_PAYLOAD)
                .unwrap_err()
                .to_string();
            assert!(e.contains("is too large"), "{e}");
            assert!(e.contains("G or GiB"), "{e}");
        }
        assert_eq!(parse_bytes("--payload", "1gib", 2 << 30), Ok(1 << 30));
        assert_eq!(parse_bytes("--payload", "3kb", MAX_PAYLOAD), Ok(3072));
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
        // A pool too large names the pool size, not tasks or "a pooled approach".
        let e = check_connections(&pool, 10_000, 2000, 1024)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--pool-size: 10000 net tasks keep 2000"),
            "{e}"
        );
        assert!(e.contains("use --pool-size 960 or less"), "{e}");
        // A limit that leaves no room for one connection refuses even sequential, naming the
        // limit, never "at most 0 tasks".
        let seq = [crate::plan::approaches::find("sequential").unwrap()];
        let e = check_connections(&seq, 4, 1, 64).unwrap_err().to_string();
        assert!(
            e.starts_with("--workload: net work needs at least one connection"),
            "{e}"
        );
        assert!(
            e.contains("raise the open-file limit to at least 65"),
            "{e}"
        );
        assert!(!e.contains("at most 0"), "{e}");
    }
}
