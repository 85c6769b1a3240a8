//! Numbers and text as people read them: seconds, memory, speedups and spreads, and whether
//! the locale can show Unicode. A leaf that the terminal output, the exports, the notes and the
//! configuration all use, so none of them needs another for its formats.

/// `text` without its control characters (escape sequences lose their ESC and cannot drive
/// the terminal): for every text that comes from a file, a command or a child.
pub fn plain(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// `bytes` as text safe to print, nothing hidden: control characters as escapes (`\0`, `\t`,
/// `\x1b`, `\u{85}`) and bytes that are not UTF-8 as `\xff`; for what a command or a child
/// wrote, which may be anything.
pub fn escape_bytes(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\0' => out.push_str("\\0"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() && (c as u32) < 0x80 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// The most seconds [`format_seconds`] writes in hours and minutes: a million hours.
const MAX_HOURS_S: f64 = 3600.0 * 1e6;

/// Seconds in the unit that reads best: `1.23 s`, `45.6 ms`, `789 µs`, `12 ns`, `2h 46m`;
/// `-` for what is not a number, a negative time with its sign, and beyond a million hours in
/// powers of ten (`1.0e308 s`), never a wrapped count.
pub fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    if s < 0.0 {
        return format!("-{}", format_seconds(-s));
    }
    if s >= MAX_HOURS_S {
        return format!("{s:.1e} s");
    }
    if s >= 3600.0 {
        format!(
            "{}h {:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    } else if s >= 100.0 {
        format!("{}m {:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// KiB in the unit that reads best: `812 KiB`, `12.3 MiB`, `1.20 GiB`.
pub fn format_kib(kib: u64) -> String {
    let k = kib as f64;
    if k >= 1024.0 * 1024.0 {
        format!("{:.2} GiB", k / 1024.0 / 1024.0)
    } else if k >= 1024.0 {
        format!("{:.1} MiB", k / 1024.0)
    } else {
        format!("{kib} KiB")
    }
}

/// Peak memory as tables show it: parlab's own, and the largest child's beside it for process
/// approaches (`5.9 MiB (+3.8 MiB /child)`); `sep` goes before the child's figure.
pub fn format_peak(peak_kib: u64, child_kib: Option<u64>, sep: &str) -> String {
    match child_kib {
        Some(child) => format!(
            "{}{sep}(+{} /child)",
            format_kib(peak_kib),
            format_kib(child)
        ),
        None => format_kib(peak_kib),
    }
}

/// Whether the locale says text is UTF-8: the first of `LC_ALL`, `LC_CTYPE` and `LANG` that is
/// set and not empty decides, as POSIX has it. Unset everywhere means the "C" locale: ASCII.
pub fn locale_is_utf8() -> bool {
    utf8_locale_in(|name| std::env::var(name).ok())
}

fn utf8_locale_in(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| var(name).filter(|v| !v.is_empty()))
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

/// A median and its spread: `201.3 ms ± 1.2 ms`, or just the median for a single run.
pub fn format_spread(median_s: f64, spread_s: f64, runs: usize) -> String {
    if runs < 2 {
        format_seconds(median_s)
    } else {
        format!(
            "{} ± {}",
            format_seconds(median_s),
            format_seconds(spread_s)
        )
    }
}

/// A median and its relative spread (the coefficient of variation): `201.3 ms ± 0.6%`, or just
/// the median for a single run.
pub fn format_relative_spread(median_s: f64, cv: f64, runs: usize) -> String {
    if runs < 2 {
        format_seconds(median_s)
    } else {
        format!("{} ± {:.1}%", format_seconds(median_s), cv * 100.0)
    }
}

/// A speedup and the range of its pair-wise values: `1.98x (1.95–2.01)`, without the range
/// when it is too narrow to show; `-` without a speedup.
pub fn format_speedup(speedup: Option<f64>, min: Option<f64>, max: Option<f64>) -> String {
    match (speedup, min, max) {
        (Some(s), Some(lo), Some(hi)) if hi - lo >= 0.005 => {
            format!("{s:.2}x ({lo:.2}–{hi:.2})")
        }
        (Some(s), _, _) => format!("{s:.2}x"),
        _ => "-".into(),
    }
}

/// `text` in lines of at most `width` columns of display width (a wide character counts two;
/// a longer word gets a line of its own), the first starting with `first`, the rest with
/// `rest`. Runs of whitespace become one space.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return vec![first.to_string()];
    }
    let options = textwrap::Options::new(width.max(1))
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(&words.join(" "), options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// Notes as bullets (`• `), each wrapped to `width` columns with a hanging indent when a
/// width is given, one line each otherwise.
pub fn bullets<'a>(notes: impl IntoIterator<Item = &'a String>, width: Option<usize>) -> String {
    let mut out = String::new();
    for note in notes {
        match width {
            Some(w) => {
                for line in wrap(note, w, "• ", "  ") {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            None => {
                out.push_str("• ");
                out.push_str(note);
                out.push('\n');
            }
        }
    }
    out
}

/// The first `shown` of `items` joined with commas, and "and N more" for the rest, so a note
/// about many approaches stays a sentence.
pub fn first_few(items: &[String], shown: usize) -> String {
    if items.len() <= shown {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..shown].join(", "),
        items.len() - shown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_and_short_lists() {
        let lines = wrap("ab cd ef", 5, "", "");
        assert_eq!(lines, ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh ij", 4, "", ""), ["abcdefgh", "ij"]);
        // By display width: each of these characters takes two columns.
        assert_eq!(wrap("日本 語", 5, "", ""), ["日本", "語"]);
        assert_eq!(
            wrap("ab-cd ef", 5, "", ""),
            ["ab-cd", "ef"],
            "no hyphenation"
        );
        assert_eq!(wrap("", 5, "• ", "  "), ["• "]);
        let text = bullets(&["one two three four".to_string()], Some(10));
        assert_eq!(text, "• one two\n  three\n  four\n");
        let items: Vec<String> = (1..=7).map(|i| format!("a{i}")).collect();
        assert_eq!(first_few(&items, 3), "a1, a2, a3 and 4 more");
        assert_eq!(first_few(&items[..2], 3), "a1, a2");
    }

    #[test]
    fn units() {
        assert_eq!(format_seconds(1.23456), "1.235 s");
        assert_eq!(format_seconds(0.0456), "45.6 ms");
        assert_eq!(format_seconds(789e-6), "789.0 µs");
        assert_eq!(format_seconds(12e-9), "12 ns");
        assert_eq!(format_seconds(10_000.0), "2h 46m");
        assert_eq!(format_seconds(f64::NAN), "-");
        assert_eq!(format_seconds(f64::INFINITY), "-");
        assert_eq!(format_seconds(1e308), "1.0e308 s");
        assert_eq!(format_seconds(-1.5), "-1.500 s");
        assert_eq!(format_seconds(3599.0 * 1e6), "999722h 13m");
        assert_eq!(
            escape_bytes(b"a\0b\tc\x1b[1m\xff\xfe\xc3\xa9"),
            "a\\0b\\tc\\x1b[1m\\xff\\xfeé"
        );
        assert_eq!(escape_bytes("\u{85}x".as_bytes()), "\\u{85}x");
        assert_eq!(format_kib(812), "812 KiB");
        assert_eq!(format_kib(12 * 1024 + 300), "12.3 MiB");
    }

    #[test]
    fn locales() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(utf8_locale_in(env(&[("LANG", "en_US.UTF-8")])));
        assert!(utf8_locale_in(env(&[
            ("LC_CTYPE", "C.utf8"),
            ("LANG", "C")
        ])));
        assert!(!utf8_locale_in(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(utf8_locale_in(env(&[
            ("LC_ALL", ""),
            ("LANG", "de_DE.utf8")
        ])));
        assert!(!utf8_locale_in(env(&[])));
        assert!(!utf8_locale_in(env(&[("LANG", "POSIX")])));
    }
}
