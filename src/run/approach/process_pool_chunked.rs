//! `process-pool-chunked`: the same persistent workers as `process-pool`, but the tasks are cut
//! up front into chunks (`--chunk-size`, by default Python's `Pool.starmap` rule) and each
//! worker takes the next chunk when it has finished the last, as Pool's workers take chunks off
//! its shared queue. One round trip per chunk instead of per task.

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::plan::approaches::catalogue::PROCESS_POOL_CHUNKED as INFO;
use crate::run::worker::parent::{self, Dispatch};

/// Persistent workers, a chunk of tasks at a time each.
pub struct ProcessPoolChunked;

/// `Pool.starmap`'s default chunk size: the tasks over four chunks per worker, rounded up.
pub fn default_chunk_size(tasks: u32, workers: usize) -> u32 {
    let per_round = (4 * workers.max(1)).min(u32::MAX as usize) as u32;
    tasks.div_ceil(per_round).max(1)
}

impl Approach for ProcessPoolChunked {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let chunk = ctx
            .chunk_size
            .unwrap_or_else(|| default_chunk_size(ctx.tasks, ctx.pool_size));
        let dispatch = Dispatch::Pool {
            workers: ctx.pool_size,
            chunk,
        };
        parent::run(INFO.id, ctx, dispatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_as_python_cuts_them() {
        // divmod(len(iterable), len(pool) * 4), plus one if anything is left over.
        assert_eq!(default_chunk_size(2000, 2), 250);
        assert_eq!(default_chunk_size(16, 2), 2);
        assert_eq!(default_chunk_size(17, 2), 3);
        assert_eq!(default_chunk_size(7, 3), 1);
        assert_eq!(default_chunk_size(1, 8), 1);
        assert_eq!(default_chunk_size(u32::MAX, 1), u32::MAX.div_ceil(4));
    }
}
