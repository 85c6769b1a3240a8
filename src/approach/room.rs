//! Room for threads: approaches that start a fixed set of threads check, before anything is
//! measured, that the machine can hold them, and probe for them just before a runtime starts,
//! because a runtime that cannot start a thread panics (tokio does) instead of failing.

use super::ApproachError;
use crate::error::UsageError;

/// Refuses `threads` threads for approach `id` when the machine holds fewer (the pool size is
/// what the user can change).
pub(super) fn check_pool(id: &str, threads: usize) -> Result<(), UsageError> {
    let limit = crate::machine::thread_limit();
    if threads as u64 > limit {
        return Err(UsageError::bad(
            "--pool-size",
            format!(
                "approach {id} needs {threads} threads, but this machine (or its process \
                 limit, ulimit -u) holds at most about {limit} more"
            ),
            "use a smaller --pool-size or raise the limit",
        ));
    }
    Ok(())
}

/// Starts `threads` idle threads and ends them again: an error naming approach `id` when the
/// system refuses one, instead of a runtime's panic part-way through starting.
pub(super) fn probe(id: &str, threads: usize) -> Result<(), ApproachError> {
    let (release, wait) = crossbeam_channel::bounded::<()>(0);
    let mut started = Vec::with_capacity(threads);
    let mut refused = None;
    for i in 0..threads {
        let wait = wait.clone();
        match std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = wait.recv();
            }) {
            Ok(h) => started.push(h),
            Err(e) => {
                refused = Some((i, e));
                break;
            }
        }
    }
    drop(release); // every probe thread's recv ends
    for h in started {
        let _ = h.join();
    }
    match refused {
        None => Ok(()),
        Some((i, e)) => Err(ApproachError::Failed(format!(
            "approach {id}: the system refused thread {} of the {threads} it needs: {e}; \
             use a smaller --pool-size or raise the process limit (ulimit -u)",
            i + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_threads_fit_and_a_huge_pool_does_not() {
        assert!(probe("x", 4).is_ok());
        assert!(check_pool("x", 2).is_ok());
        let err = check_pool("x", usize::MAX / 2).unwrap_err().to_string();
        assert!(err.starts_with("--pool-size: approach x needs"), "{err}");
    }
}
