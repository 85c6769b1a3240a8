//! The open-file limit: raised to its hard ceiling at start-up (every connection and pipe is a
//! file), and read to refuse work the limits cannot hold.

/// The soft and hard open-file limits (`ulimit -n`, `ulimit -Hn`); `u64::MAX` for unlimited.
pub fn open_files() -> (u64, u64) {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0 {
        return (u64::MAX, u64::MAX);
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every platform
    let val = |v: libc::rlim_t| {
        if v == libc::RLIM_INFINITY {
            u64::MAX
        } else {
            v as u64
        }
    };
    (val(rl.rlim_cur), val(rl.rlim_max))
}

/// Raises the soft open-file limit to the hard one (children inherit it); returns the soft
/// limit in force afterwards.
pub fn raise_open_files() -> u64 {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 && rl.rlim_cur < rl.rlim_max {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
    open_files().0
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
}
