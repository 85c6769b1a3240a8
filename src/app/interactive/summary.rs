//! What the interactive mode prints after each run: the session's running table, then what the
//! run shows in words, wrapped to the terminal so that a learner reads sentences, not a
//! 900-character line.
//!
//! This is the one place where words follow a run: the report's notes now, and the run's lesson
//! (issue "True verdicts", item 3) once reports carry one.

use super::Session;
use crate::judge::report::Report;
use crate::show::output;

/// Prints the session's table and, under it, the notes of the run just added.
///
/// The notes on the spread of repeated runs are left out: the interactive mode measures one run
/// on purpose (the session's table is the repetition), so they could only ask for a flag the
/// learner cannot give here.
pub(super) fn print_run_summary(session: &Session, report: &Report) {
    let width = output::terminal_width().unwrap_or(80) as usize;
    let spread = crate::judge::spread::notes(report, crate::plan::vocabulary::Vocabulary::Flags);
    let notes: Vec<String> = report
        .notes
        .iter()
        .filter(|n| !spread.contains(n))
        .map(|n| in_answers_words(n))
        .collect();
    let lesson = report.lesson.as_deref().map(in_answers_words);
    let text = run_summary(&session.table(width), &notes, lesson.as_deref(), width);
    let _ = crate::say::out_bytes(text.as_bytes());
}

/// `text` with each flag replaced by the question it stands for: the interactive user answered
/// questions and never saw a flag.
pub(super) fn in_answers_words(text: &str) -> String {
    let mut text = text.to_string();
    for (flag, words) in [
        ("; or raise --max-time (none: no limit)", ""),
        (", or raise --max-time (none: no limit)", ""),
        ("--max-time: ", ""),
        (
            "more than --max-time",
            "more than the longest a run may take here,",
        ),
        ("try --number", "try the number"),
        ("--tasks", "tasks"),
        ("--io-wait", "wait"),
        ("--pool-size", "pool size"),
        ("--number", "number"),
        ("--workload", "kind of work"),
        ("--approach", "approach"),
    ] {
        text = text.replace(flag, words);
    }
    text
}

/// The table, then each note as a bullet wrapped to `width` columns, then the lesson.
fn run_summary(table: &str, notes: &[String], lesson: Option<&str>, width: usize) -> String {
    let mut out = String::from(table);
    out.push('\n');
    out.push_str(&crate::format::bullets(notes, Some(width)));
    if let Some(lesson) = lesson {
        out.push_str(&crate::show::output::table::lesson_text(
            lesson,
            Some(width),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::wrap;

    #[test]
    fn long_notes_wrap_at_the_width_with_a_hanging_indent() {
        let note = "pool size 200 exceeds the 2 logical cores: at most 2 workers compute at once";
        let lines = wrap(note, 30, "• ", "  ");
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines[0].starts_with("• pool size"));
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.starts_with("  ") && !l.starts_with("   "))
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(words.join(" "), format!("• {note}"));
    }

    #[test]
    fn a_word_longer_than_the_width_gets_its_own_line() {
        assert_eq!(
            wrap("a verylongword b", 6, "", ""),
            ["a", "verylongword", "b"]
        );
        assert_eq!(wrap("short", 80, "• ", "  "), ["• short"]);
    }

    #[test]
    fn flags_become_the_questions_they_stand_for() {
        let said = in_answers_words(
            "--max-time: one run would take 2h, more than --max-time 10m; use fewer --tasks or a \
             shorter --io-wait, or raise --max-time (none: no limit); try --number 97",
        );
        assert!(!said.contains("--"), "{said}");
        assert!(said.contains("use fewer tasks or a shorter wait"), "{said}");
        assert!(said.ends_with("try the number 97"), "{said}");
    }

    #[test]
    fn notes_follow_the_table() {
        let notes = ["first note".to_string(), "second note".to_string()];
        let text = run_summary("TABLE", &notes, Some("a lesson"), 80);
        assert_eq!(
            text,
            "TABLE\n• first note\n• second note\nLesson: a lesson\n"
        );
    }
}
