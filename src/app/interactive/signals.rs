//! Signals sent to an interactive session from outside (`kill -INT`, `kill -TERM`, a closing
//! terminal's supervisor): the menu's prompt reads the terminal in raw mode, where a signal
//! does not end the read, so a small thread watches the run's cancel flag while a prompt is
//! shown and ends the session itself: the terminal's mode restored, the cursor shown, exit
//! 128 + the signal's number. During a run the flag is the run's: SIGINT stops that run, and
//! SIGTERM stops it and then ends the session (see [`ends_session`]).

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cancel::{Cancel, exit_status_for};

/// How often the watcher looks at the flag.
const EVERY: Duration = Duration::from_millis(50);

/// Ends the session on a signal while a prompt is shown; see the module docs.
pub struct PromptGuard {
    at_prompt: Arc<AtomicBool>,
}

impl PromptGuard {
    /// Starts the watcher of `cancel` (it lives as long as the process: the session is the
    /// whole of parlab's life).
    pub fn start(cancel: &Cancel) -> Self {
        let at_prompt = Arc::new(AtomicBool::new(true));
        let saved = saved_terminal();
        let (flag, cancel) = (Arc::clone(&at_prompt), cancel.clone());
        let spawned = std::thread::Builder::new()
            .name("parlab-prompt-signals".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(EVERY);
                    if !flag.load(Ordering::SeqCst) {
                        continue;
                    }
                    if let Some(signal) = cancel.signal() {
                        restore_terminal(saved.as_ref());
                        eprintln!("\nparlab: ended by signal {signal}");
                        std::process::exit(i32::from(exit_status_for(signal)));
                    }
                }
            });
        // Without the thread (no room for one), a second signal still ends parlab at once.
        drop(spawned);
        Self { at_prompt }
    }

    /// Marks the prompts as shown (true) or a run as going on (false).
    pub fn at_prompt(&self, shown: bool) {
        self.at_prompt.store(shown, Ordering::SeqCst);
    }
}

/// True when `signal`, having stopped a run, ends the whole session (SIGTERM asks parlab to
/// end; SIGINT, Ctrl-C, stops only the run).
pub fn ends_session(signal: i32) -> bool {
    signal != libc::SIGINT
}

/// The terminal's settings at the start, to restore on the way out.
fn saved_terminal() -> Option<libc::termios> {
    let fd = std::io::stdin().as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it or fails on a non-terminal.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t)
}

/// Restores `saved` on stdin and shows the cursor again (a prompt hides it).
fn restore_terminal(saved: Option<&libc::termios>) {
    if let Some(t) = saved {
        // SAFETY: tcsetattr reads the termios we saved.
        unsafe { libc::tcsetattr(std::io::stdin().as_raw_fd(), libc::TCSANOW, t) };
    }
    eprint!("\x1b[?25h");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sigint_leaves_the_session_going() {
        assert!(!ends_session(libc::SIGINT));
        assert!(ends_session(libc::SIGTERM));
        assert!(ends_session(libc::SIGHUP));
    }
}
