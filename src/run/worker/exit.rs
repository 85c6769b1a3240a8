//! How a process ended, in words, for every message that names a child's end.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// How a process ended, in words: "killed by signal 9 (SIGKILL)", "exited with status 3".
pub fn describe(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGKILL => " (SIGKILL)",
            libc::SIGTERM => " (SIGTERM)",
            libc::SIGINT => " (SIGINT)",
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGABRT => " (SIGABRT)",
            libc::SIGBUS => " (SIGBUS)",
            libc::SIGPIPE => " (SIGPIPE)",
            libc::SIGHUP => " (SIGHUP)",
            _ => "",
        };
        format!("killed by signal {signal}{name}")
    } else {
        match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("ended ({status})"),
        }
    }
}
