//! Room for threads: approaches that start a fixed set of threads check, before anything is
//! measured, that the machine can hold them, and probe for them just before a runtime starts,
//! because a runtime that cannot start a thread panics (tokio does) instead of failing.

use super::ApproachError;

/// The stack of each thread a runtime starts, bytes: tokio's default, set on the runtime
/// explicitly so that [`probe`] asks for what the runtime will (under an address-space limit,
/// `ulimit -v`, a small stack fits where the runtime's would not).
pub(super) const RUNTIME_STACK: usize = crate::plan::approaches::stacks::POOL_THREAD;

/// Starts `threads` idle threads, each with a [`RUNTIME_STACK`], and ends them again: an error
/// naming approach `id` when the system refuses one, instead of a runtime's panic part-way
/// through starting (and a hang in its drop).
pub(super) fn probe(id: &str, threads: usize) -> Result<(), ApproachError> {
    let (release, wait) = crossbeam_channel::bounded::<()>(0);
    let mut started = Vec::with_capacity(threads);
    let mut refused = None;
    for i in 0..threads {
        let wait = wait.clone();
        match std::thread::Builder::new()
            .stack_size(RUNTIME_STACK)
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
             use a smaller --pool-size or raise the limits (ulimit -u, ulimit -v)",
            i + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_threads_start() {
        assert!(probe("x", 4).is_ok());
    }
}
