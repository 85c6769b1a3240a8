//! Notes for `net` work (real requests to parlab's local server), kept apart so they can be
//! wired in wherever the notes are gathered.

use crate::judge::report::Report;
use crate::plan::Plan;
use crate::plan::approaches::catalogue;

/// Why async-inline is not wrong on `net` work, when it ran and was verified.
///
/// On work that computes, async-inline is asyncio done wrong: computing on the event loop
/// stalls every other task. `net` work has no computation: each request is a write, a wait on
/// a socket and a read, and the loop watches every socket without being held by any of them.
/// So running the requests on the event loop is exactly what an event loop is for.
pub fn async_inline_is_right(report: &Report, cfg: &Plan) -> Option<String> {
    if !cfg.work.workload.needs_server() || cfg.work.workload.computes() {
        return None;
    }
    report
        .result(catalogue::ASYNC_INLINE.id)
        .filter(|r| r.verified)?;
    Some(
        "async-inline made its requests on the event loop, and that is right here: net work has \
         no computation to stall the loop, and the loop waits on every socket at once"
            .to_string(),
    )
}

/// Every note for `net` work.
pub fn notes(report: &Report, cfg: &Plan) -> Vec<String> {
    async_inline_is_right(report, cfg).into_iter().collect()
}
