//! The one route for every file parlab writes: exports, charts, the timeline, the trace, the HTML
//! report, sweep charts and the interactive mode's saves.
//!
//! Two halves. [`check_all`] runs during configuration, before anything is measured, so a path
//! that cannot be written is a usage error (exit 2, naming the flag) instead of a surprise after a
//! long run: the folder exists and takes new files, the path is not a folder or socket, no two
//! outputs share a file, and no output overwrites the `--compare` baseline. [`write()`] then
//! writes a regular file atomically (a temporary file in the same folder, then a rename), so an
//! interruption leaves the old file or the complete new one, never half of one; a character
//! device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is written to directly, because
//! renaming over it would replace the node with a plain file.
//!
//! A leaf module: it knows paths and bytes (and the run's cancel flag, to stop waiting for a
//! FIFO's reader), not what the bytes mean.

use std::fs::{self, FileType};
use std::io::{self, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use crate::cancel::Cancel;
use crate::error::UsageError;

/// What to say after a path problem: the fix.
const GIVE_ANOTHER: &str = "give a file in a directory that exists and is writable";

/// A temporary name beside `path` that keeps its extension (some writers go by it).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!(".{name}.{}.tmp{ext}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path);
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.flush()
    });
    match written.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// True for the kinds of node that are written to in place: character devices and FIFOs.
fn is_stream_type(t: FileType) -> bool {
    t.is_char_device() || t.is_fifo()
}

/// True when `path` is a character device or FIFO (following links). Such a file takes one
/// complete document, at the end: it is not rewritten as runs finish, as a regular file is.
pub fn is_stream(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| is_stream_type(m.file_type()))
}

/// What kind of node `t` is, in words, for messages.
fn kind(t: FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// Writes `bytes` to `path`: a regular (or new) file atomically, a character device or FIFO
/// directly; anything else (a directory, a socket, a block device) is refused. A symbolic link is
/// followed, so the file it points to is replaced, not the link.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, None)
}

/// Writes `bytes` to `path` as [`write()`] does, except that a device or FIFO without a reader
/// is given up at once when `cancel` holds a signal, whenever it came: during the run, while
/// the document was being made, or during the wait itself. A flag of its own, armed only when
/// the wait begins, would miss a signal that came just before.
pub fn write_heeding(path: &Path, bytes: &[u8], cancel: &Cancel) -> io::Result<()> {
    write_with(path, bytes, Some(cancel))
}

/// [`write()`], heeding `cancel` if given.
fn write_with(path: &Path, bytes: &[u8], cancel: Option<&Cancel>) -> io::Result<()> {
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    match fs::metadata(&target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => write_atomically(&target, bytes),
        Err(e) => Err(e),
        Ok(m) if m.is_file() => write_atomically(&target, bytes),
        Ok(m) if is_stream_type(m.file_type()) => write_stream(&target, bytes, cancel),
        Ok(m) => Err(io::Error::other(format!(
            "it is {}; parlab writes regular files, character devices and FIFOs only",
            kind(m.file_type())
        ))),
    }
}

/// How long a FIFO may go without a reader, or a reader without reading, before the write is
/// given up.
const STREAM_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Writes `bytes` to a character device or FIFO without ever blocking for good: opened and
/// written non-blocking, waiting at most [`STREAM_PATIENCE`] for a reader to open it and for
/// each stretch of progress, and giving up at once on SIGINT or SIGTERM (the run's own handlers
/// still see the signal) or when `cancel` already holds one (a signal that came before this
/// call). Both are checked before every slice of waiting, so a signal that came at any moment
/// ends the wait within one slice.
fn write_stream(target: &Path, bytes: &[u8], cancel: Option<&Cancel>) -> io::Result<()> {
    let heard = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut ids = Vec::new();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Ok(id) = signal_hook::flag::register(signal, std::sync::Arc::clone(&heard)) {
            ids.push(id);
        }
    }
    // A signal that came before this wait began (during the run, under load) counts too.
    let signals = crate::cancel::Cancel::from_signals();
    let result = write_stream_until(target, bytes, &|| {
        heard.load(std::sync::atomic::Ordering::Relaxed)
            || signals.as_ref().is_some_and(|c| c.signal().is_some())
            || cancel.is_some_and(|c| c.signal().is_some())
    });
    for id in ids {
        signal_hook::low_level::unregister(id);
    }
    result
}

/// [`write_stream`]'s work, giving up when `stop` says so.
fn write_stream_until(target: &Path, bytes: &[u8], stop: &dyn Fn() -> bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    use std::time::{Duration, Instant};
    let step = Duration::from_millis(50);
    let interrupted = || {
        io::Error::new(
            io::ErrorKind::Interrupted,
            "a signal came while parlab waited to write it",
        )
    };
    let start = Instant::now();
    let mut f = loop {
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(target)
        {
            Ok(f) => break f,
            // A FIFO without a reader.
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {}
            Err(e) => return Err(e),
        }
        if stop() {
            return Err(interrupted());
        }
        if start.elapsed() >= STREAM_PATIENCE {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "no reader opened it within {} s (start the reader first, e.g. `cat FIFO &`)",
                    STREAM_PATIENCE.as_secs()
                ),
            ));
        }
        std::thread::sleep(step);
    };
    let mut rest = bytes;
    let mut progress = Instant::now();
    while !rest.is_empty() {
        match f.write(rest) {
            Ok(n) => {
                rest = &rest[n..];
                progress = Instant::now();
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        if stop() {
            return Err(interrupted());
        }
        if progress.elapsed() >= STREAM_PATIENCE {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "its reader took nothing for {} s",
                    STREAM_PATIENCE.as_secs()
                ),
            ));
        }
        let mut p = libc::pollfd {
            fd: f.as_raw_fd(),
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: one pollfd we own; a timeout or EINTR just loops.
        unsafe { libc::poll(&mut p, 1, step.as_millis() as i32) };
    }
    f.flush()
}

/// The folder `path` goes in (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Checks that `path` can be written by [`write()`], without writing it: a file name, in a
/// directory that exists and takes new files, and not a directory or socket. Nothing is left
/// behind (the probe file that tests the directory is removed).
pub fn check(flag: &'static str, path: &Path) -> Result<(), UsageError> {
    let cannot = |why: String| {
        UsageError::bad(
            flag,
            format!("cannot write '{}': {why}", path.display()),
            GIVE_ANOTHER,
        )
    };
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(UsageError::bad(
            flag,
            format!("'{}' is not a file name", path.display()),
            "give a file name, e.g. out/run.json",
        ));
    }
    let dir = folder(path);
    if !dir.is_dir() {
        return Err(cannot(format!(
            "the directory '{}' does not exist",
            dir.display()
        )));
    }
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(cannot("it is a directory".into())),
        Ok(m) if is_stream_type(m.file_type()) => {
            // Not opened: opening and closing a FIFO would end its reader's document.
            return if writable(path) {
                Ok(())
            } else {
                Err(cannot(std::io::Error::last_os_error().to_string()))
            };
        }
        Ok(m) if !m.is_file() => {
            return Err(cannot(format!(
                "it is {}; parlab writes regular files, character devices and FIFOs only",
                kind(m.file_type())
            )));
        }
        _ => {}
    }
    // The rename needs a directory that takes new files: try one.
    let probe = temp_path(path);
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(f) => {
            drop(f);
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(cannot(format!(
            "the directory '{}' does not take new files ({e})",
            dir.display()
        ))),
    }
}

/// True when this process may write `path` (`access(2)` with `W_OK`), without opening it.
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access reads a valid, NUL-terminated path and changes nothing.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// The identity of an output file for comparing two paths: the file itself when it exists
/// (so links and `./` spellings meet), else its canonical folder and its name.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    let dir = fs::canonicalize(folder(path)).unwrap_or_else(|_| folder(path).to_path_buf());
    match path.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    }
}

/// Checks every output of a run before anything is measured: each with [`check`], no two the
/// same file, and none the `compare` file (the baseline a run is read against).
pub fn check_all(
    outputs: &[(&'static str, &Path)],
    compare: Option<&Path>,
) -> Result<(), UsageError> {
    let compare = compare.map(|c| (c, identity(c)));
    let mut seen: Vec<(&'static str, PathBuf)> = Vec::new();
    for &(flag, path) in outputs {
        check(flag, path)?;
        let id = identity(path);
        // Two outputs to one character device (e.g. both to /dev/null) lose nothing.
        let shared = !fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device());
        if let Some((other, _)) = seen.iter().find(|(_, s)| shared && *s == id) {
            return Err(UsageError::bad(
                flag,
                format!("'{}' is also the {other} file", path.display()),
                "give each output its own file",
            ));
        }
        if let Some((c, _)) = compare.as_ref().filter(|(_, cid)| *cid == id) {
            return Err(UsageError::bad(
                flag,
                format!(
                    "'{}' is the --compare file; writing it would replace the baseline",
                    c.display()
                ),
                "give the output another file name",
            ));
        }
        seen.push((flag, id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::OpenOptionsExt;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomically(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
        assert!(temp_path(&path).to_string_lossy().ends_with(".tmp.json"));
        let missing = dir.path().join("no-such-dir").join("out.json");
        assert!(write(&missing, b"x").is_err());
    }

    #[test]
    fn a_link_is_followed_and_a_directory_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        let e = write(dir.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("a directory"), "{e}");
    }

    #[test]
    fn checks_name_the_flag_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        let msg = |r: Result<(), UsageError>| r.unwrap_err().to_string();
        assert!(check_all(&[("--html", &a)], None).is_ok());
        assert!(!a.exists(), "a check writes nothing");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let e = msg(check_all(&[("--export-json", &a), ("--html", &a)], None));
        assert!(
            e.starts_with("--html: ") && e.contains("also the --export-json"),
            "{e}"
        );
        let dotted = dir.path().join(".").join("a.json");
        assert!(check_all(&[("--trace", &a), ("--chart", &dotted)], None).is_err());
        let e = msg(check_all(&[("--export-json", &a)], Some(&dotted)));
        assert!(
            e.starts_with("--export-json: ") && e.contains("--compare"),
            "{e}"
        );
        let e = msg(check("--trace", &dir.path().join("none/t.json")));
        assert!(e.contains("does not exist"), "{e}");
        let e = msg(check("--trace", dir.path()));
        assert!(
            e.contains("is a directory") || e.contains("not a file name"),
            "{e}"
        );
        let e = msg(check("--html", Path::new("/proc/parlab-x.html")));
        assert!(e.starts_with("--html: cannot write"), "{e}");
    }

    #[test]
    fn a_fifo_is_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(is_stream(&fifo));
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        // Checking does not open the FIFO, which would end the reader's document early.
        check("--export-json", &fifo).unwrap();
        write(&fifo, b"whole").unwrap();
        assert_eq!(reader.join().unwrap(), b"whole");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
        // One reader takes one document: two outputs may not share a FIFO, but a sink may.
        assert!(check_all(&[("--trace", &fifo), ("--html", &fifo)], None).is_err());
        let null = Path::new("/dev/null");
        assert!(check_all(&[("--trace", null), ("--html", null)], None).is_ok());
    }

    #[test]
    fn a_fifo_without_a_reader_is_given_up_on_a_signal() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let stop = || asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 3;
        let e = write_stream_until(&fifo, b"x", &stop).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}");
        // A reader that opens but never reads: the write stops when asked, not when the pipe
        // is full.
        let reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        asked.store(0, std::sync::atomic::Ordering::Relaxed);
        let big = vec![b'x'; 1 << 20];
        let e = write_stream_until(&fifo, &big, &stop).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}");
        drop(reader);
    }

    #[test]
    fn a_signal_that_came_before_the_wait_ends_it_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // The run's flag was set (by a signal during the run) before the write began.
        let cancel = Cancel::new();
        cancel.raise(libc::SIGINT);
        let since = std::time::Instant::now();
        let e = write_heeding(&fifo, b"x", &cancel).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}");
        assert!(since.elapsed() < STREAM_PATIENCE / 2, "waited for a reader");
        // A failure (not a signal) still waits for the reader, who gets the document.
        let failed = Cancel::new();
        failed.fail();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_heeding(&fifo, b"whole", &failed).unwrap();
        assert_eq!(reader.join().unwrap(), b"whole");
    }
}
