//! The interactive menu, built from the approach registry so that every approach is offered.
//!
//! Each approach's place, seed-tool name and plain description live in its own
//! [`ApproachInfo::menu`](crate::plan::approaches::ApproachInfo::menu); this module only sorts them and
//! adds the two entries that are not approaches (every approach, and the way out). A line shows
//! both names, the Python one first ("Multiprocessing Pool — process-pool-chunked"), so the menu
//! and the table speak of the same thing.

use crate::plan::approaches::{self as approach, ApproachInfo};

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
    /// The user's own Python function under every py-* approach.
    PythonFunction,
    /// The session's bar graph, then exit.
    Finish,
}

impl MenuItem {
    /// The line's names without its number and description, as echoed once chosen.
    pub fn head(&self) -> &str {
        let text = self.text.get(NUMBER_WIDTH..).unwrap_or(&self.text);
        text.split("  ").next().unwrap_or(text).trim_end()
    }
}

impl std::fmt::Display for MenuItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Columns the menu's own cursor and margin take before each line.
const PROMPT_MARGIN: usize = 3;

/// Columns each line's number takes ("12. ").
const NUMBER_WIDTH: usize = 4;

/// Which items typed text keeps, as the seed tool's numbered menu: a number keeps exactly the
/// item it numbers (so typing 3 and Enter chooses the third); other text keeps the items that
/// contain it, as inquire does by default.
pub(super) fn score(input: &str, text: &str, index: usize) -> Option<i64> {
    let typed = input.trim();
    if !typed.is_empty() && typed.chars().all(|c| c.is_ascii_digit()) {
        return (typed.parse::<usize>().ok() == Some(index + 1)).then_some(0);
    }
    text.to_lowercase()
        .contains(&typed.to_lowercase())
        .then_some(0)
}

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
    let mut infos: Vec<&'static ApproachInfo> = approach::catalogue::ALL.to_vec();
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
        "Your own Python function".into(),
        "your FILE.py:NAME under each Python approach",
        Choice::PythonFunction,
    ));
    rows.push((
        "Show the bar graph and exit".into(),
        "the bar graph of every run, with an offer to save",
        Choice::Finish,
    ));
    let pad = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let room = width.saturating_sub(PROMPT_MARGIN + NUMBER_WIDTH).max(pad);
    rows.into_iter()
        .enumerate()
        .map(|(i, (head, plain, choice))| {
            let line = format!("{head:<pad$}  {plain}");
            let number = format!("{:>w$}. ", i + 1, w = NUMBER_WIDTH - 2);
            MenuItem {
                text: number + &fit(&line, room, ascii),
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
        for a in approach::catalogue::ALL {
            let id = a.id;
            let offered = menu
                .iter()
                .filter(|m| m.choice == Choice::Approach(id))
                .count();
            assert_eq!(offered, 1, "{id} is offered {offered} times");
        }
        assert_eq!(menu.len(), approach::catalogue::ALL.len() + 3);
        assert_eq!(menu[menu.len() - 3].choice, Choice::All);
        assert_eq!(menu[menu.len() - 2].choice, Choice::PythonFunction);
        assert_eq!(menu.last().unwrap().choice, Choice::Finish);
    }

    #[test]
    fn menu_orders_are_distinct() {
        let mut orders: Vec<u8> = approach::catalogue::ALL
            .iter()
            .map(|a| a.menu.order)
            .collect();
        orders.sort();
        orders.dedup();
        assert_eq!(orders.len(), approach::catalogue::ALL.len());
    }

    #[test]
    fn the_seed_tools_seven_come_first_in_its_order_with_both_names() {
        let menu = items(200, false);
        let heads: Vec<&str> = menu[..7]
            .iter()
            .map(|m| {
                m.text[NUMBER_WIDTH..]
                    .split("  ")
                    .next()
                    .unwrap()
                    .trim_end()
            })
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
        assert!(
            menu.iter()
                .any(|m| m.text[NUMBER_WIDTH..].starts_with("rayon "))
        );
        assert!(
            menu[0].text.starts_with(" 1. Threaded"),
            "{:?}",
            menu[0].text
        );
        assert!(
            items(200, true)[5].text[NUMBER_WIDTH..]
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
        // Descriptions are short enough that a 104-column terminal shows them whole.
        for m in items(104, false) {
            assert!(!m.text.ends_with('…'), "{:?} is cut at 104 columns", m.text);
        }
        let narrow = items(80, false);
        assert!(narrow.iter().any(|m| m.text.ends_with('…')));
        assert!(
            narrow[5].text[NUMBER_WIDTH..]
                .starts_with("Multiprocessing Pool — process-pool-chunked")
        );
    }

    #[test]
    fn a_typed_number_keeps_only_its_item_and_words_filter() {
        let menu = items(80, false);
        let kept = |typed: &str| -> Vec<usize> {
            (0..menu.len())
                .filter(|&i| score(typed, &menu[i].text, i).is_some())
                .collect()
        };
        assert_eq!(kept("3"), [2]);
        assert_eq!(kept(" 12 "), [11]);
        assert_eq!(
            kept("1"),
            [0],
            "1 is the first item, not every item with a 1"
        );
        assert!(kept("99").is_empty());
        assert_eq!(kept("rayon").len(), 1);
        assert_eq!(kept("").len(), menu.len());
    }

    #[test]
    fn fitting_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("short", 10, false), "short");
        assert_eq!(fit("a long line", 7, false), "a long…");
        assert_eq!(fit("a long line", 7, true), "a lo...");
    }
}
