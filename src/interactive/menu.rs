//! The interactive menu, built from the approach registry so that every approach is offered.
//!
//! Each approach's place, seed-tool name and plain description live in its own
//! [`ApproachInfo::menu`](crate::approach::ApproachInfo::menu); this module only sorts them and
//! adds the two entries that are not approaches (every approach, and the way out). A line shows
//! both names, the Python one first ("Multiprocessing Pool — process-pool-chunked"), so the menu
//! and the table speak of the same thing.

use crate::approach::{self, ApproachInfo};

/// One entry of the menu.
#[derive(Debug, Clone)]
pub(super) struct MenuItem {
    /// The line shown, already fitted to the terminal.
    pub text: String,
    /// What choosing it runs.
    pub choice: Choice,
}

/// What a menu entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Choice {
    /// One approach, by id.
    Approach(&'static str),
    /// Every approach.
    All,
    /// The session's bar graph, then exit.
    Finish,
}

impl std::fmt::Display for MenuItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Columns the menu's own cursor and margin take before each line.
const PROMPT_MARGIN: usize = 3;

/// Both names of an approach: the menu name, a dash, the id (just the id when they are the same
/// word, as for `rayon`).
pub(super) fn names(info: &ApproachInfo, ascii: bool) -> String {
    if info.menu.name.eq_ignore_ascii_case(info.id) {
        info.id.to_string()
    } else {
        let dash = if ascii { "-" } else { "—" };
        format!("{} {dash} {}", info.menu.name, info.id)
    }
}

/// The menu: every registered approach in its menu order, then "all", then the way out; each line
/// at most `width` columns (the description is shortened with an ellipsis where it must be).
pub(super) fn items(width: usize, ascii: bool) -> Vec<MenuItem> {
    let mut infos: Vec<&'static ApproachInfo> =
        approach::REGISTRY.iter().map(|a| a.info()).collect();
    infos.sort_by_key(|i| i.menu.order);
    let mut rows: Vec<(String, &str, Choice)> = infos
        .iter()
        .map(|i| (names(i, ascii), i.menu.plain, Choice::Approach(i.id)))
        .collect();
    rows.push((
        "All approaches".into(),
        "every Rust approach in turn, on the same work",
        Choice::All,
    ));
    rows.push((
        "Show the bar graph and exit".into(),
        "the bar graph of every run, with an offer to save",
        Choice::Finish,
    ));
    let pad = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let room = width.saturating_sub(PROMPT_MARGIN).max(pad);
    rows.into_iter()
        .map(|(head, plain, choice)| {
            let line = format!("{head:<pad$}  {plain}");
            MenuItem {
                text: fit(&line, room, ascii),
                choice,
            }
        })
        .collect()
}

/// `line` cut to `width` characters, ending in an ellipsis when cut.
fn fit(line: &str, width: usize, ascii: bool) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let ellipsis = if ascii { "..." } else { "…" };
    let keep = width.saturating_sub(ellipsis.chars().count());
    let mut out: String = line.chars().take(keep).collect();
    out.truncate(out.trim_end().len());
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_approach_is_offered_exactly_once() {
        let menu = items(200, false);
        for a in approach::REGISTRY {
            let id = a.info().id;
            let offered = menu
                .iter()
                .filter(|m| m.choice == Choice::Approach(id))
                .count();
            assert_eq!(offered, 1, "{id} is offered {offered} times");
        }
        assert_eq!(menu.len(), approach::REGISTRY.len() + 2);
        assert_eq!(menu[menu.len() - 2].choice, Choice::All);
        assert_eq!(menu.last().unwrap().choice, Choice::Finish);
    }

    #[test]
    fn menu_orders_are_distinct() {
        let mut orders: Vec<u8> = approach::REGISTRY
            .iter()
            .map(|a| a.info().menu.order)
            .collect();
        orders.sort();
        orders.dedup();
        assert_eq!(orders.len(), approach::REGISTRY.len());
    }

    #[test]
    fn the_seed_tools_seven_come_first_in_its_order_with_both_names() {
        let menu = items(200, false);
        let heads: Vec<&str> = menu[..7]
            .iter()
            .map(|m| m.text.split("  ").next().unwrap().trim_end())
            .collect();
        assert_eq!(
            heads,
            [
                "Threaded — threads",
                "Threaded sequential — threaded-sequential",
                "ThreadPool — thread-pool",
                "Asyncio — async",
                "Multiprocessing — process",
                "Multiprocessing Pool — process-pool-chunked",
                "ProcessPoolExecutor — process-pool",
            ]
        );
        assert!(menu.iter().any(|m| m.text.starts_with("rayon ")));
        assert!(
            items(200, true)[5]
                .text
                .starts_with("Multiprocessing Pool - process-pool")
        );
    }

    #[test]
    fn descriptions_speak_plainly_and_lines_fit_the_terminal() {
        for m in items(200, false) {
            assert!(!m.text.contains("--"), "a flag name in {:?}", m.text);
        }
        for m in items(80, false) {
            assert!(m.text.chars().count() <= 77, "{:?} is too wide", m.text);
        }
        // Descriptions are short enough that a 100-column terminal shows them whole.
        for m in items(100, false) {
            assert!(!m.text.ends_with('…'), "{:?} is cut at 100 columns", m.text);
        }
        let narrow = items(80, false);
        assert!(narrow.iter().any(|m| m.text.ends_with('…')));
        assert!(
            narrow[5]
                .text
                .starts_with("Multiprocessing Pool — process-pool-chunked")
        );
    }

    #[test]
    fn fitting_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("short", 10, false), "short");
        assert_eq!(fit("a long line", 7, false), "a long…");
        assert_eq!(fit("a long line", 7, true), "a lo...");
    }
}
