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

/// Tasks spawned between two yields to the runtime. Spawned all at once, a run's tasks each
/// took their first step (a connect, say) before any took its second: on one thread the
/// runtime polls tasks in the order they were woken, so a connection made at once still waited
/// behind every task not yet started before it could send its request. Started in small
/// batches, each task carries on as soon as its step is done: 10,000 connections' requests went
/// out 0.13–0.21 s into the run, now 0–0.18 s (`-w net --tasks 10000 --requests 1 --io-wait
/// 1s -a async`: 1.27 s → 1.18 s). Tasks that only wait or compute lose nothing by it (`noop`
/// cost per task the same or lower, `io` memory the same).
const SPAWN_BATCH: u32 = 16;

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
            if (task + 1) % SPAWN_BATCH == 0 {
                tokio::task::yield_now().await;
                if ctx.cancel.is_cancelled() {
                    return Err(ApproachError::Cancelled);
                }
            }
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
