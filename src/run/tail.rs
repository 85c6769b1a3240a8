//! The end of a command's stderr, and nothing more: what a failure message quotes.
//!
//! A command may write without end to its stderr (`head -c 1G /dev/zero >&2`). The helper that
//! starts it (see [`crate::run::shell`]) gives it a pipe and reads the pipe as it fills, so
//! the command never blocks, keeping only the last [`KEEP`] bytes in a [`Tail`]; when the
//! command ends it writes them to its own stderr, the small in-memory file parlab quotes from.
//! [`quote`] turns those bytes into text safe to print: control bytes and invalid UTF-8 shown as
//! escapes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The most bytes of a command's stderr kept while it runs.
pub const KEEP: usize = 4096;
/// How many lines of a failed command's stderr its message quotes.
const LINES: usize = 5;
/// The most characters of those lines a message quotes (escapes can make bytes longer).
const QUOTED_CHARS: usize = 400;

/// The last [`KEEP`] bytes written through a pipe.
pub struct Tail {
    /// The pipe's read end (non-blocking).
    read: File,
    /// False once every writer has closed the pipe.
    open: bool,
    /// Up to `2 × KEEP` bytes, cut back to the last `KEEP` when full.
    kept: Vec<u8>,
}

impl Tail {
    /// A pipe: the [`Tail`] reading it, and the write end to give a child as its stderr.
    pub fn pipe() -> io::Result<(Tail, OwnedFd)> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two new descriptors into the array we own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors are new and ours alone.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // The writer blocks as a pipe's writer does: only the reading end is non-blocking.
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(write.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(write.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
        let tail = Tail {
            read: File::from(read),
            open: true,
            kept: Vec::with_capacity(2 * KEEP),
        };
        Ok((tail, write))
    }

    /// The descriptor to poll for more, while a writer may still write (else -1, which poll
    /// ignores).
    pub fn poll_fd(&self) -> i32 {
        if self.open { self.read.as_raw_fd() } else { -1 }
    }

    /// Reads whatever the pipe holds now, keeping the last [`KEEP`] bytes; never blocks.
    pub fn read_ready(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        while self.open {
            match self.read.read(&mut buf) {
                Ok(0) => self.open = false,
                Ok(n) => self.keep(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => self.open = false,
            }
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(KEEP)..];
        if self.kept.len() + bytes.len() > 2 * KEEP {
            let cut = self.kept.len().saturating_sub(KEEP - bytes.len());
            self.kept.drain(..cut);
        }
        self.kept.extend_from_slice(bytes);
    }

    /// The last [`KEEP`] bytes read.
    pub fn bytes(&self) -> &[u8] {
        &self.kept[self.kept.len().saturating_sub(KEEP)..]
    }
}

/// The last lines of the in-memory file `f` (a command's stderr), escaped and joined with
/// ` | `, at most about 400 characters (the end kept).
pub fn quote(mut f: File) -> String {
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if f.seek(SeekFrom::Start(len.saturating_sub(KEEP as u64)))
        .is_err()
    {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = f.take(KEEP as u64).read_to_end(&mut bytes);
    quote_bytes(&bytes)
}

/// [`quote`] on bytes already read.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let lines: Vec<String> = bytes
        .split(|&b| b == b'\n')
        .map(|l| crate::format::escape_bytes(l.trim_ascii()))
        .filter(|l| !l.is_empty())
        .collect();
    let text = lines[lines.len().saturating_sub(LINES)..].join(" | ");
    let chars = text.chars().count();
    if chars <= QUOTED_CHARS {
        return text;
    }
    let rest: String = text.chars().skip(chars - QUOTED_CHARS).collect();
    format!("…{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn only_the_end_is_kept_and_read_as_it_comes() {
        let (mut tail, write) = Tail::pipe().unwrap();
        let mut w = File::from(write);
        for i in 0..100u8 {
            w.write_all(&[i; 1000]).unwrap();
            tail.read_ready();
            assert!(tail.kept.len() <= 2 * KEEP);
        }
        drop(w);
        tail.read_ready();
        assert!(!tail.open);
        assert_eq!(tail.poll_fd(), -1);
        let b = tail.bytes();
        assert_eq!(b.len(), KEEP);
        assert_eq!(b[KEEP - 1], 99);
        assert_eq!(
            b[0], 95,
            "the last 4096 of 1000-byte runs start in the fifth last"
        );
    }

    #[test]
    fn quotes_escape_and_stay_short() {
        assert_eq!(
            quote_bytes(b"one\n\ntwo\0\x1b[31m\xff\n"),
            "one | two\\0\\x1b[31m\\xff"
        );
        let q = quote_bytes(&[0u8; KEEP]);
        assert!(
            q.starts_with('…') && q.chars().count() == QUOTED_CHARS + 1,
            "{q}"
        );
        let many: Vec<u8> = (0..9)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        assert_eq!(
            quote_bytes(&many),
            "line 4 | line 5 | line 6 | line 7 | line 8"
        );
    }
}
