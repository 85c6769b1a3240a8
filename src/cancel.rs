//! Stopping a run early: on Ctrl-C, on SIGTERM, or when an approach fails part-way.
//!
//! One shared flag, set from a signal handler or by code, read by tasks at coarse points (between
//! steps and every [`crate::plan::primes::PROGRESS_STEP`] divisions) so a check costs nothing
//! measurable. The flag holds why the run stopped: the signal number, or [`Cancel::FAILED`].
//!
//! A second SIGINT or SIGTERM ends parlab at once with 128 + its number, whatever state it is
//! in (a stuck runtime, a thread that never checks the flag): the first asks, the second tells.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The flag the signal handlers set, once installed: signals are the process's, so there is
/// one, and a wait outside any run (a probe while the settings are checked) can look at it.
static FROM_SIGNALS: OnceLock<Cancel> = OnceLock::new();

/// A cloneable handle on one cancel flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    state: Arc<AtomicUsize>,
    /// Set by the first signal: the next one exits at once.
    armed: Arc<AtomicBool>,
}

impl Cancel {
    /// The value the flag holds when code (not a signal) stopped the run.
    pub const FAILED: usize = usize::MAX;

    /// A fresh, unset flag.
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag that SIGINT and SIGTERM set to their signal number: the handlers are installed
    /// once, and every call gives the same flag.
    pub fn on_signals() -> std::io::Result<Self> {
        if let Some(cancel) = FROM_SIGNALS.get() {
            return Ok(cancel.clone());
        }
        let cancel = Self::new();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The exit goes first: on the first signal it is not armed yet, and the next
            // action arms it.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                i32::from(exit_status_for(signal)),
                Arc::clone(&cancel.armed),
            )?;
            signal_hook::flag::register(signal, Arc::clone(&cancel.armed))?;
            signal_hook::flag::register_usize(signal, Arc::clone(&cancel.state), signal as usize)?;
        }
        Ok(FROM_SIGNALS.get_or_init(|| cancel).clone())
    }

    /// The flag [`Cancel::on_signals`] installed, if it was: None in a process whose signals
    /// parlab does not handle (a library user's, a test's).
    pub fn from_signals() -> Option<Self> {
        FROM_SIGNALS.get().cloned()
    }

    /// True once anything asked the run to stop.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::Relaxed) != 0
    }

    /// Asks the run to stop because something failed (keeps a signal that came first).
    pub fn fail(&self) {
        let _ = self
            .state
            .compare_exchange(0, Self::FAILED, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.state.load(Ordering::Relaxed) {
            0 | Self::FAILED => None,
            s => Some(s as i32),
        }
    }

    /// Clears the flag, e.g. so an interactive session can go on after a Ctrl-C during a run
    /// (the next signal asks again instead of ending parlab at once).
    pub fn reset(&self) {
        self.state.store(0, Ordering::Relaxed);
        self.armed.store(false, Ordering::SeqCst);
    }

    /// Sets the flag as a signal would (for tests and for forwarding).
    pub fn raise(&self, signal: i32) {
        self.state.store(signal as usize, Ordering::Relaxed);
    }
}

/// The conventional exit status for a process stopped by `signal`: 128 + its number.
pub fn exit_status_for(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_does_not_hide_a_signal() {
        let c = Cancel::new();
        assert!(!c.is_cancelled());
        c.raise(2);
        c.fail();
        assert_eq!(c.signal(), Some(2));
        c.reset();
        c.fail();
        assert!(c.is_cancelled());
        assert_eq!(c.signal(), None);
        assert_eq!(exit_status_for(2), 130);
        assert_eq!(exit_status_for(15), 143);
    }
}
