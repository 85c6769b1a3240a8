//! Approaches the user implied (`--approach all`) rather than named: one the settings rule out
//! is skipped with a note saying why, instead of refusing the whole run. A named approach is
//! still refused with its error (exit status 2).

use crate::error::UsageError;
use crate::plan::approaches::ApproachInfo;

/// One approach of a selection, and whether it was named (refused with an error when it cannot
/// run) or only implied by `all` or `python` (skipped with a note).
#[derive(Debug, Clone, Copy)]
pub struct Chosen {
    /// The approach.
    pub info: &'static ApproachInfo,
    /// Whether it was named rather than implied.
    pub named: bool,
}

/// Keeps the approaches `check` accepts. One it refuses is an error when named, and otherwise
/// skipped with a note, returned in the second list.
pub fn screen(
    chosen: Vec<Chosen>,
    check: impl Fn(&ApproachInfo) -> Result<(), UsageError>,
) -> Result<(Vec<&'static ApproachInfo>, Vec<String>), UsageError> {
    let mut kept = Vec::with_capacity(chosen.len());
    let mut notes = Vec::new();
    for c in chosen {
        match check(c.info) {
            Ok(()) => kept.push(c.info),
            Err(e) if c.named => return Err(e),
            Err(e) => notes.push(format!("{} skipped: {e}", c.info.id)),
        }
    }
    Ok((kept, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::builder::parse_approaches;

    #[test]
    fn implied_ones_are_skipped_named_ones_refused() {
        let all = parse_approaches("all").unwrap();
        let refuse_threads = |a: &ApproachInfo| {
            if a.id == "threads" {
                Err(UsageError::bad("--tasks", "too many", "fewer"))
            } else {
                Ok(())
            }
        };
        let (kept, notes) = screen(all.clone(), refuse_threads).unwrap();
        assert_eq!(kept.len(), all.len() - 1);
        assert_eq!(
            notes,
            vec!["threads skipped: --tasks: too many; fewer".to_string()]
        );
        assert!(screen(parse_approaches("all,threads").unwrap(), refuse_threads).is_err());
        assert!(screen(parse_approaches("threads").unwrap(), refuse_threads).is_err());
    }
}
