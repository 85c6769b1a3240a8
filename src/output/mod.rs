//! What parlab prints on the terminal: the comparison table, the bar chart under it, the text
//! Gantt and live progress while approaches run. Number formats live in [`crate::format`].

pub mod bars;
pub mod colour;
pub mod gantt;
pub mod progress;
pub mod sweep;
pub mod table;

/// The width of the terminal stdout writes to, if it is one (else `$COLUMNS` if set).
pub fn terminal_width() -> Option<u16> {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(std::io::stdout())
        && w > 0
    {
        return Some(w);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &u16| c > 0)
}
