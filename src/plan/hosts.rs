//! `--hosts FILE`: the cluster's processes on several machines, one `host:port` a line, in
//! process order; the first line is this machine's process 0 (parlab itself).
//!
//! parlab listens on its own line's address for the others to join (see `crate::run::cluster`); every
//! other process listens on its own line's port for the timely mesh.

pub use crate::plan::settings::Hosts;

/// Parses a hosts file: one `host:port` a line (blank lines and `#` comments skipped), at
/// least two. The error names the line, e.g. `line 3: 'a:b' has no port number`.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        check_line(line).map_err(|why| format!("line {}: '{line}' {why}", n + 1))?;
        if lines.iter().any(|l| l == line) {
            return Err(format!("line {}: '{line}' is listed twice", n + 1));
        }
        lines.push(line.to_owned());
    }
    if lines.len() < 2 {
        return Err(format!(
            "has {} host line(s); a cluster across machines needs at least 2 \
             (the first is this machine's process 0)",
            lines.len()
        ));
    }
    Ok(lines)
}

/// Why one line is not a `host:port`.
fn check_line(line: &str) -> Result<(), &'static str> {
    if line.chars().any(char::is_whitespace) {
        return Err("holds a space: give one host:port a line");
    }
    let Some((host, port)) = line.rsplit_once(':') else {
        return Err("is not host:port");
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err("has no host");
    }
    if host.contains(':') && !line.starts_with('[') {
        return Err("is an IPv6 address without brackets: write [addr]:port");
    }
    match port.parse::<u16>() {
        Ok(0) => Err("has port 0: every process needs a fixed port others can reach"),
        Ok(_) => Ok(()),
        Err(_) => Err("has no port number (1 to 65535) after the last ':'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hosts_file_is_two_or_more_host_port_lines() {
        let ok = parse("# cluster\n10.0.0.1:7000\n\n  node-b:7001 \n[::1]:7002\n").unwrap();
        assert_eq!(ok, ["10.0.0.1:7000", "node-b:7001", "[::1]:7002"]);
        let err = |t: &str| parse(t).unwrap_err();
        assert!(err("a:1\nb\n").starts_with("line 2: 'b' is not host:port"));
        assert!(err("a:1\nb:x\n").contains("line 2: 'b:x' has no port number"));
        assert!(err("a:1\nb:0\n").contains("port 0"));
        assert!(err("a:1\n:5\n").contains("has no host"));
        assert!(err("a:1\na:1\n").contains("listed twice"));
        assert!(err("::1:5\nb:1\n").contains("IPv6"));
        assert!(err("a:1\n").contains("at least 2"));
        assert!(err("a:1 b:2\nc:3\n").contains("space"));
    }
}
