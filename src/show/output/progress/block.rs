//! The lines that stand for the approaches still running, redrawn in place in a terminal: each
//! run replaces its approach's line instead of adding one, so that a run of many repetitions
//! leaves one line per approach above the table, not one per run.
//!
//! The block sits just above indicatif's bars, which are cleared before it is redrawn; it is
//! redrawn by moving the cursor up over its own lines and clearing to the end of the screen.

use std::io::Write;

/// The live lines of the approaches still running, and what is drawn of them.
#[derive(Default)]
pub(super) struct Block {
    /// (approach, its latest line), in the order the approaches first ran.
    entries: Vec<(String, String)>,
    /// Rows the block takes on screen now.
    drawn: usize,
}

impl Block {
    /// Rows the block takes on screen now (the bars get the rest).
    pub(super) fn height(&self) -> usize {
        self.drawn
    }

    /// Replaces `approach`'s live line (adding it if new) and redraws.
    pub(super) fn set(&mut self, approach: &str, line: String) {
        match self.entries.iter_mut().find(|e| e.0 == approach) {
            Some(e) => e.1 = line,
            None => self.entries.push((approach.to_string(), line)),
        }
        self.redraw(None);
    }

    /// Removes `approach`'s live line, prints `line` above the block for good, and redraws.
    pub(super) fn settle(&mut self, approach: &str, line: Option<String>) {
        self.entries.retain(|e| e.0 != approach);
        self.redraw(line);
    }

    /// Prints `line` for good above the block, which stays.
    pub(super) fn print(&mut self, line: String) {
        self.redraw(Some(line));
    }

    fn redraw(&mut self, above: Option<String>) {
        let (rows, cols) = super::terminal_size();
        let shown = visible(&self.entries, rows.saturating_sub(super::RESERVED_ROWS + 2));
        let text = frame(self.drawn, above.as_deref(), &shown, cols);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
        self.drawn = shown.len();
    }
}

/// The lines shown of `entries` in at most `room` rows (at least one): the first ones, and a
/// last line saying how many more are running when they do not all fit.
fn visible(entries: &[(String, String)], room: usize) -> Vec<String> {
    let room = room.max(1);
    if entries.len() <= room {
        return entries.iter().map(|e| e.1.clone()).collect();
    }
    let mut lines: Vec<String> = entries[..room - 1].iter().map(|e| e.1.clone()).collect();
    lines.push(format!("… and {} more running", entries.len() - (room - 1)));
    lines
}

/// The bytes that replace a block of `drawn` rows (the cursor just below it) by `above`, printed
/// for good, and then `lines`; each cut to `cols - 1` characters so that none wraps.
pub(super) fn frame(drawn: usize, above: Option<&str>, lines: &[String], cols: usize) -> String {
    let mut out = String::new();
    if drawn > 0 {
        out.push_str(&format!("\x1b[{drawn}A"));
    }
    out.push_str("\r\x1b[J");
    let cut = |l: &str| {
        l.chars()
            .take(cols.saturating_sub(1).max(1))
            .collect::<String>()
    };
    if let Some(line) = above {
        // Kept lines are not cut: they stay in the scrollback, where wrapping is harmless.
        out.push_str(line);
        out.push('\n');
    }
    for l in lines {
        out.push_str(&cut(l));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_moves_up_over_the_old_block_and_cuts_lines() {
        let lines = vec!["threads run 2/5".to_string(), "x".repeat(100)];
        let f = frame(2, Some("sequential 5 runs"), &lines, 40);
        assert!(f.starts_with("\x1b[2A\r\x1b[J"), "{f:?}");
        let rest: Vec<&str> = f["\x1b[2A\r\x1b[J".len()..].lines().collect();
        assert_eq!(rest[0], "sequential 5 runs");
        assert_eq!(rest[1], "threads run 2/5");
        assert_eq!(rest[2].chars().count(), 39);
        assert!(
            !frame(0, None, &[], 80).contains("A"),
            "nothing to move over"
        );
    }

    #[test]
    fn too_many_approaches_end_in_a_count() {
        let entries: Vec<(String, String)> = (0..5)
            .map(|i| (format!("a{i}"), format!("line {i}")))
            .collect();
        assert_eq!(visible(&entries, 5).len(), 5);
        let v = visible(&entries, 3);
        assert_eq!(v, ["line 0", "line 1", "… and 3 more running"]);
        assert_eq!(visible(&entries, 0), ["… and 5 more running"]);
    }
}
