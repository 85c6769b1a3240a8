//! Tests that drive parlab's internals in this process, through the library: the process
//! approaches with the real binary as their worker, and each approach's own peak memory.
//!
//! A target of their own, apart from `integration`: they look at this process itself (its
//! children in /proc, its peak memory), which another test's processes or allocations would
//! disturb. Every test here holds [`SERIAL`] for the same reason.
//!
//! - `process_approaches`: every task once, workers killed or cancelled, a child's peak memory;
//! - `memory`: a peak is the approach's own, not one measured earlier in the process.

use std::sync::{Mutex, MutexGuard};

mod common;

mod memory;
mod process_approaches;

/// Held by every test here: one at a time in this process.
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes [`SERIAL`] (a test that failed while holding it does not fail the others).
fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}
