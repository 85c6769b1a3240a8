//! Approaches the user implied (`--approach all`) rather than named: one the settings rule out
//! is skipped with a note saying why, instead of refusing the whole run. A named approach is
//! still refused with its error (exit status 2).

use crate::error::UsageError;
use crate::run::approach::Approach;

/// Whether `id` was named in the `--approach` text (not only implied by `all`).
pub fn named(text: &str, id: &str) -> bool {
    text.split(',').map(str::trim).any(|t| t == id)
}

/// Keeps the approaches `check` accepts. One it refuses is an error when named in `text`, and
/// otherwise skipped with a note, returned in the second list.
pub fn screen(
    text: &str,
    approaches: Vec<&'static dyn Approach>,
    check: impl Fn(&dyn Approach) -> Result<(), UsageError>,
) -> Result<(Vec<&'static dyn Approach>, Vec<String>), UsageError> {
    let mut kept = Vec::with_capacity(approaches.len());
    let mut notes = Vec::new();
    for a in approaches {
        let id = a.info().id;
        match check(a) {
            Ok(()) => kept.push(a),
            Err(e) if named(text, id) => return Err(e),
            Err(e) => notes.push(format!("{id} skipped: {e}")),
        }
    }
    Ok((kept, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implied_ones_are_skipped_named_ones_refused() {
        let all = crate::plan::config::parse_approaches("all").unwrap();
        let refuse_threads = |a: &dyn Approach| {
            if a.info().id == "threads" {
                Err(UsageError::bad("--tasks", "too many", "fewer"))
            } else {
                Ok(())
            }
        };
        let (kept, notes) = screen("all", all.clone(), refuse_threads).unwrap();
        assert_eq!(kept.len(), all.len() - 1);
        assert_eq!(
            notes,
            vec!["threads skipped: --tasks: too many; fewer".to_string()]
        );
        assert!(screen("all,threads", all.clone(), refuse_threads).is_err());
        assert!(screen("threads", vec![all[2]], refuse_threads).is_err());
    }
}
