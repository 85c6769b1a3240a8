//! Thread stacks under an address-space limit (`ulimit -v`): each thread an approach starts
//! maps its stack, and under a small limit a large run's stacks cannot all fit. Such a run is
//! refused before anything is measured, naming the limit, instead of failing part-way: a
//! thread the system refuses, a runtime that panics, or a new thread whose signal stack cannot
//! be mapped (the standard library panics then).
//!
//! The stack sizes are declared here, where the check reads them, and the approaches start
//! their threads with them.

use crate::error::UsageError;

/// The stack of each task's thread under `threads`, bytes: the work needs little, and a small
/// stack lets the machine hold many waiting threads (the default is 2 MiB of address space).
pub const TASK_THREAD: usize = 256 * 1024;

/// The stack of each thread of a pool or runtime (`thread-pool`, `rayon`, `async-mt`), bytes:
/// the standard library's and tokio's default, set explicitly where the approach starts them.
pub const POOL_THREAD: usize = 2 << 20;

/// What each thread maps besides its stack, bytes, at least: the stack's guard page, and the
/// signal stack the standard library maps for every thread with a guard page of its own.
const PER_THREAD_EXTRA: u64 = 16 * 1024;

/// Refuses `threads` threads of `stack` bytes each for approach `id` when the address space
/// left under the limit cannot hold even their stacks; `flag` is the setting to change and
/// `smaller` how to change it (e.g. "use fewer --tasks").
pub fn check(
    flag: &'static str,
    id: &str,
    threads: u64,
    stack: usize,
    smaller: &str,
) -> Result<(), UsageError> {
    check_within(
        crate::machine::limits::address_space_left(),
        flag,
        id,
        threads,
        stack,
        smaller,
    )
}

/// [`check`] against `left` bytes of address space (None: no limit).
fn check_within(
    left: Option<u64>,
    flag: &'static str,
    id: &str,
    threads: u64,
    stack: usize,
    smaller: &str,
) -> Result<(), UsageError> {
    let Some(left) = left else {
        return Ok(());
    };
    let need = threads.saturating_mul(stack as u64 + PER_THREAD_EXTRA);
    if need <= left {
        return Ok(());
    }
    let mib = |bytes: u64| bytes.div_ceil(1 << 20);
    Err(UsageError::bad(
        flag,
        format!(
            "approach {id} needs {threads} threads, whose stacks alone take about {} MiB of \
             address space, but the address-space limit (ulimit -v) leaves about {} MiB",
            mib(need),
            left >> 20
        ),
        format!("{smaller}, or raise the limit (ulimit -v)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_beyond_the_limit_are_refused_naming_it() {
        assert!(check_within(None, "--tasks", "threads", 1_000_000, TASK_THREAD, "x").is_ok());
        let left = Some(100 << 20);
        assert!(check_within(left, "--tasks", "threads", 300, TASK_THREAD, "x").is_ok());
        let e = check_within(
            left,
            "--tasks",
            "threads",
            5000,
            TASK_THREAD,
            "use fewer --tasks",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("--tasks: approach threads needs 5000 threads")
                && e.contains("about 1329 MiB")
                && e.contains("leaves about 100 MiB")
                && e.ends_with("use fewer --tasks, or raise the limit (ulimit -v)"),
            "{e}"
        );
        let e = check_within(left, "--pool-size", "rayon", 64, POOL_THREAD, "x")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--pool-size: approach rayon needs 64 threads"),
            "{e}"
        );
    }
}
