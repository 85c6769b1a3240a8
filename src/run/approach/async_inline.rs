//! `async-inline`: tokio's single-threaded runtime with CPU work run on the event loop itself,
//! the classic asyncio mistake: while one task computes, no other task can even finish a wait.

use crate::plan::approaches::catalogue::ASYNC_INLINE as INFO;
use std::time::Duration;

use super::{Approach, ApproachError, ApproachInfo, Outcome, RunContext};
use crate::run::exec::{self, CpuPlacement};

/// A current-thread runtime that computes inline.
pub struct AsyncInline;

impl Approach for AsyncInline {
    fn info(&self) -> &'static ApproachInfo {
        &INFO
    }

    fn run(&self, ctx: &RunContext) -> Result<Outcome, ApproachError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| super::runtime_error(INFO.id, e))?;
        spawn_all_and_wait(&runtime, ctx, CpuPlacement::Inline)
    }
}

/// How often the runtime looks at the cancel flag while tasks wait.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Spawns one tokio task per parlab task and waits for all, or for the cancel flag. Shared by
/// every tokio approach: only the runtime and where computation runs differ.
pub(super) fn spawn_all_and_wait(
    runtime: &tokio::runtime::Runtime,
    ctx: &RunContext,
    placement: CpuPlacement,
) -> Result<Outcome, ApproachError> {
    runtime.block_on(async {
        let mut handles = Vec::with_capacity(ctx.tasks as usize);
        for task in 0..ctx.tasks {
            let fut = exec::run_async(
                ctx.recorder.clone(),
                ctx.cancel.clone(),
                ctx.work,
                task,
                placement,
            );
            handles.push(tokio::spawn(fut));
        }
        let all = async {
            let mut outcome = Ok(());
            for h in handles {
                match h.await {
                    Ok(Ok(_)) => {}
                    Ok(Err(exec::Cancelled)) => outcome = Err(ApproachError::Cancelled),
                    Err(e) if e.is_panic() => {
                        return Err(ApproachError::Failed("a tokio task panicked".into()));
                    }
                    Err(_) => outcome = Err(ApproachError::Cancelled),
                }
            }
            outcome
        };
        let cancelled = async {
            while !ctx.cancel.is_cancelled() {
                tokio::time::sleep(CANCEL_POLL).await;
            }
        };
        tokio::select! {
            r = all => r,
            () = cancelled => Err(ApproachError::Cancelled),
        }
    })?;
    Ok(Outcome::default())
}
