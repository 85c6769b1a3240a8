//! Running out of memory ends parlab with a message, not an abort.
//!
//! Rust's default answer to a refused allocation is `memory allocation of N bytes failed`
//! and SIGABRT (a core dump, exit status 134), which names no cause. Under an address-space
//! limit (`ulimit -v`) a large run hits it easily: 100,000 tasks of `async-mt` need more than
//! 200 MB of address space. The binary installs [`Guarded`] as its global allocator: the
//! system allocator, checked, which on a refusal writes one line naming the limit and what
//! to change, and exits with status 1.
//!
//! Nothing can be allocated at that point, so the line is formatted into a buffer on the
//! stack and written with `write(2)`; the process ends with `_exit`, as an abort would, and
//! what it started ends as it does when parlab is killed (workers read the end of their pipe,
//! command helpers and the local server are told of their parent's death).

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, which reports a refused allocation and exits instead of aborting.
pub struct Guarded;

// SAFETY: every call is passed to `System` unchanged; only a null result is acted on.
unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// A line on the stack: what [`out_of_memory`] writes, without allocating.
struct Line {
    buf: [u8; 512],
    len: usize,
}

impl std::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The line for a refused allocation of `bytes`, under address-space limit `limit` (bytes,
/// None when unlimited).
fn describe(out: &mut impl std::fmt::Write, bytes: usize, limit: Option<u64>) {
    let _ = match limit {
        Some(limit) => writeln!(
            out,
            "error: out of memory: the system refused parlab {bytes} more bytes under the \
             address-space limit (ulimit -v) of {} MiB; use fewer --tasks or a smaller \
             --pool-size, or raise the limit",
            limit >> 20
        ),
        None => writeln!(
            out,
            "error: out of memory: the system refused parlab {bytes} more bytes; use fewer \
             --tasks or a smaller --pool-size, or free memory"
        ),
    };
}

/// Set by the first thread refused an allocation: it alone writes the line.
static REPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes why, and ends the process with status 1. When several threads are refused at once,
/// the first writes the one line and ends the process; the others wait for that.
fn out_of_memory(bytes: usize) -> ! {
    if REPORTING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        loop {
            // SAFETY: pause only waits; the reporting thread's _exit ends this one too.
            unsafe { libc::pause() };
        }
    }
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let limited = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut rl) } == 0
        && rl.rlim_cur != libc::RLIM_INFINITY;
    let mut line = Line {
        buf: [0; 512],
        len: 0,
    };
    describe(&mut line, bytes, limited.then_some(rl.rlim_cur));
    // SAFETY: write(2) from a buffer we own, then _exit: nothing here allocates.
    unsafe {
        libc::write(2, line.buf.as_ptr().cast(), line.len);
        libc::_exit(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_limit_and_fits() {
        let mut line = Line {
            buf: [0; 512],
            len: 0,
        };
        describe(&mut line, 384, Some(200_000 << 10));
        let text = std::str::from_utf8(&line.buf[..line.len]).unwrap();
        assert!(text.starts_with("error: out of memory:"), "{text}");
        assert!(text.contains("(ulimit -v) of 195 MiB"), "{text}");
        assert!(text.contains("--tasks") && text.ends_with('\n'), "{text}");
        let mut s = String::new();
        describe(&mut s, 1, None);
        assert!(s.contains("free memory"), "{s}");
    }
}
