//! The one route for every file parlab reads back (a `--compare` baseline): a regular file only,
//! up to a size cap, read without ever blocking on a FIFO or filling memory from a device.
//!
//! A leaf module, the reading counterpart of [`crate::show::outfile`].

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most a file parlab reads back may hold: far more than any report it writes.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// The system refused (no such file, no permission…).
    Io(std::io::Error),
    /// What it is not: "is a named pipe (FIFO), not a regular file", "is larger than 64 MiB…",
    /// "is not UTF-8 text" (words that follow the path).
    Not(String),
}

/// What kind of node a non-regular path is, in words.
fn kind(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Reads `path` as UTF-8 text when it is a regular file of at most `max` bytes; otherwise says
/// what is wrong, in words that follow the path (e.g. "is a named pipe (FIFO)").
pub fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Not(format!(
            "is {}, not a regular file",
            kind(meta.file_type())
        )));
    }
    // Non-blocking, in case the path became a FIFO since: opening one would wait for a writer.
    let file: File = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Not(format!(
            "is {}, not a regular file",
            kind(meta.file_type())
        )));
    }
    let too_big = || {
        ReadError::Not(format!(
            "is larger than {} MiB, the most parlab reads from this file",
            max / (1024 * 1024)
        ))
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| ReadError::Not("is not UTF-8 text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, "{}").unwrap();
        let not = |p: &Path, max| match read_text(p, max) {
            Err(ReadError::Not(why)) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(read_text(&file, 10).unwrap(), "{}");
        assert!(not(&file, 1).contains("larger"));
        assert!(not(dir.path(), 10).contains("folder"));
        assert!(not(Path::new("/dev/zero"), 10).contains("character device"));
        assert!(matches!(
            read_text(&dir.path().join("none"), 10),
            Err(ReadError::Io(_))
        ));
    }
}
