//! The note naming the kernel's accept backlog when it limited a `net` run: connections that
//! found the server's listen queue full had their SYN dropped and waited a second for its retry.
//!
//! The kernel counts such drops machine-wide (`ListenOverflows` in `/proc/net/netstat`); read
//! before and after the runs, on loopback, the difference is the local server's.

/// `ListenOverflows` from `/proc/net/netstat` now, if readable.
pub fn listen_overflows() -> Option<u64> {
    parse(&std::fs::read_to_string("/proc/net/netstat").ok()?)
}

/// `ListenOverflows` of `TcpExt` in the text of `/proc/net/netstat`.
fn parse(text: &str) -> Option<u64> {
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (lines.next()?, lines.next()?);
    let at = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(at)?.parse().ok()
}

/// The note for `overflows` connection attempts dropped at a full accept backlog during the
/// runs, `somaxconn` the kernel's cap on each listener's, `listeners` how many shared the port.
pub fn note(overflows: u64, somaxconn: Option<u32>, listeners: usize) -> Option<String> {
    if overflows == 0 {
        return None;
    }
    let cap = somaxconn.map_or("net.core.somaxconn".to_string(), |c| {
        format!("net.core.somaxconn {c}")
    });
    Some(format!(
        "the kernel's accept backlog limited this run: {overflows} connection attempts found the \
         server's listen queue full ({cap} per listener, {listeners} listener{}) and waited for \
         a SYN retry (1 s, then 3 s); fewer tasks connecting at once, or a larger \
         net.core.somaxconn, avoids it",
        if listeners == 1 { "" } else { "s" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_is_read_from_its_column() {
        let text = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\n\
                    TcpExt: 4 1234 1240\n\
                    IpExt: InNoRoutes\nIpExt: 0\n";
        assert_eq!(parse(text), Some(1234));
        assert_eq!(parse("IpExt: A\nIpExt: 1\n"), None);
        assert_eq!(parse("TcpExt: ListenDrops\nTcpExt: 3\n"), None);
    }

    #[test]
    fn a_note_only_when_connections_waited() {
        assert_eq!(note(0, Some(4096), 4), None);
        let n = note(5904, Some(4096), 1).unwrap();
        assert!(n.contains("5904 connection attempts"), "{n}");
        assert!(
            n.contains("net.core.somaxconn 4096 per listener, 1 listener)"),
            "{n}"
        );
    }
}
