//! Colour for the run's text on stdout (`--color`): the bars in their family's colour and the
//! lesson's label in bold. Applied to text already laid out, so the layout (measured without
//! escape codes) is the same with colour and without.

use super::bars::Bar;
use crate::run::approach::Family;

/// Resets every attribute.
const RESET: &str = "\x1b[0m";

/// The ANSI colour of a family's bars (the terminal's palette: green, cyan, magenta; the
/// baseline in the default colour).
fn family_code(family: Family) -> Option<&'static str> {
    match family {
        Family::Sequential => None,
        Family::Thread => Some("\x1b[32m"),
        Family::Async => Some("\x1b[36m"),
        Family::Process => Some("\x1b[35m"),
    }
}

/// Whether `c` draws part of a bar.
fn is_bar(c: char) -> bool {
    c == '#' || ('\u{2588}'..='\u{258F}').contains(&c)
}

/// `chart` (one line per bar of `bars`, as [`super::bars::render`] draws them) with each bar
/// in its family's colour.
pub fn bars(chart: &str, bars: &[Bar]) -> String {
    let mut out = String::with_capacity(chart.len() + bars.len() * 10);
    for (i, line) in chart.lines().enumerate() {
        let code = bars.get(i).and_then(|b| family_code(b.family));
        // The bar starts after the label, which never holds a bar character.
        let label = bars.get(i).map_or(0, |b| b.label.len());
        match (code, line.get(label..).and_then(|rest| rest.find(is_bar))) {
            (Some(code), Some(at)) => {
                let start = label + at;
                let end = line[start..]
                    .find(|c| !is_bar(c))
                    .map_or(line.len(), |n| start + n);
                out.push_str(&line[..start]);
                out.push_str(code);
                out.push_str(&line[start..end]);
                out.push_str(RESET);
                out.push_str(&line[end..]);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `text` (the lesson, as [`super::table::lesson_text`] lays it out) with `Lesson:` in bold.
pub fn lesson(text: &str) -> String {
    match text.strip_prefix("Lesson:") {
        Some(rest) => format!("\x1b[1mLesson:{RESET}{rest}"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, family: Family) -> Bar {
        Bar {
            label: label.into(),
            seconds: 1.0,
            speedup: None,
            family,
        }
    }

    #[test]
    fn only_the_bars_are_coloured_and_the_text_is_unchanged() {
        let bars = [
            bar("threads", Family::Thread),
            bar("sequential", Family::Sequential),
            bar("process", Family::Process),
        ];
        let chart = super::super::bars::render(&bars, 40, false);
        let painted = super::bars(&chart, &bars);
        assert!(
            painted
                .lines()
                .next()
                .unwrap()
                .starts_with("threads    \x1b[32m█")
        );
        assert!(!painted.lines().nth(1).unwrap().contains('\x1b'));
        assert!(painted.lines().nth(2).unwrap().contains("\x1b[35m█"));
        let plain: String = painted.replace("\x1b[32m", "").replace("\x1b[35m", "");
        assert_eq!(plain.replace(RESET, ""), chart);
        let ascii = super::super::bars::render(&bars, 40, true);
        assert!(super::bars(&ascii, &bars).contains("\x1b[32m#"));
        assert_eq!(lesson("Lesson: x\n"), "\x1b[1mLesson:\x1b[0m x\n");
    }
}
