//! What parlab prints on the terminal: the comparison table, the bar chart under it, the text
//! Gantt and live progress while approaches run. Number formats live in `crate::format`.

pub mod bars;
pub mod colour;
pub mod gantt;
#[cfg(feature = "cli")]
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

/// The comparison table, its notes and the bar chart, as `parlab run` prints them (at the
/// terminal's width when stdout is one, else 80 columns): `println!("{report}")`.
impl std::fmt::Display for crate::judge::report::Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = terminal_width();
        f.write_str(&table::render(self, width))?;
        f.write_str("\n")?;
        f.write_str(&bars::render(
            &bars::from_report(self),
            width.map_or(80, usize::from),
            !crate::format::locale_is_utf8(),
        ))
    }
}
