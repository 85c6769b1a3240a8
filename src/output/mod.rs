//! What parlab prints on the terminal: the comparison table, the bar chart under it, the text
//! Gantt and live progress while approaches run. Number formats live in [`crate::format`].

pub mod bars;
pub mod gantt;
pub mod progress;
pub mod sweep;
pub mod table;

/// The width of the terminal stdout writes to, if it is one (else `$COLUMNS` if set).
pub fn terminal_width() -> Option<u16> {
    // SAFETY: TIOCGWINSZ writes a winsize into the struct we own; failure leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    if unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0
    {
        return Some(ws.ws_col);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &u16| c > 0)
}
