//! The open-file limit: raised to its hard ceiling at start-up (every connection and pipe is a
//! file), and read to refuse work the limits cannot hold; and the address space left under
//! `ulimit -v`, which every thread's stack takes from.

/// The soft and hard open-file limits (`ulimit -n`, `ulimit -Hn`); `u64::MAX` for unlimited.
pub fn open_files() -> (u64, u64) {
    // rlimit::INFINITY is RLIM_INFINITY, which is u64::MAX on Linux but not everywhere.
    let val = |v: u64| if v == rlimit::INFINITY { u64::MAX } else { v };
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .map_or((u64::MAX, u64::MAX), |(soft, hard)| (val(soft), val(hard)))
}

/// Raises the soft open-file limit to the hard one (children inherit it); returns the soft
/// limit in force afterwards.
pub fn raise_open_files() -> u64 {
    // At most the hard limit (and, on macOS, the kernel's own cap); a failure leaves it as is.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    open_files().0
}

/// The address space this process may still map under its limit (`ulimit -v`), bytes: the soft
/// RLIMIT_AS less what is mapped now (VmSize); None when there is no limit.
pub fn address_space_left() -> Option<u64> {
    let (soft, _) = rlimit::getrlimit(rlimit::Resource::AS).ok()?;
    if soft == rlimit::INFINITY {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mapped_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    Some(soft.saturating_sub(mapped_kib << 10))
}

/// Files a process keeps open besides its connections: standard streams, pipes to workers,
/// the runtime's own descriptors.
pub const SPARE_FILES: u64 = 64;

/// The kernel's cap on a listening socket's backlog (`net.core.somaxconn`), if readable.
pub fn somaxconn() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_never_lowers_the_limit() {
        let (soft, hard) = open_files();
        let raised = raise_open_files();
        assert!(raised >= soft && raised <= hard, "{soft} {raised} {hard}");
    }

    #[test]
    fn the_address_space_left_is_below_the_limit() {
        match rlimit::getrlimit(rlimit::Resource::AS).unwrap().0 {
            rlimit::INFINITY => assert_eq!(address_space_left(), None),
            soft => assert!(address_space_left().is_some_and(|left| left < soft)),
        }
    }
}
