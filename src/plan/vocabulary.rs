//! How the front end that built a plan names its settings, so that advice in a note or a
//! lesson names what its reader can change: a flag for a user of the command line, a builder
//! method for a user of `Lab`, and nothing at all where that front end has no such setting.

use std::fmt::Display;

/// The words a plan's front end uses for its settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Vocabulary {
    /// The command line's flags (`--runs 3`).
    #[default]
    Flags,
    /// `Lab`'s builder methods (`.runs(3)`).
    Methods,
}

/// A setting that advice may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Measured runs per approach.
    Runs,
    /// Warm-up runs per approach.
    Warmup,
    /// Workers of the pooled approaches.
    PoolSize,
    /// The number the `cpu` work tests.
    Number,
    /// The wait of the waiting work.
    IoWait,
    /// Waiting for an idle machine before each run.
    WaitIdle,
}

impl Vocabulary {
    /// The setting as this front end names it (`--runs`, `.runs(…)`); `None` where it has no
    /// such setting.
    pub fn name(self, setting: Setting) -> Option<&'static str> {
        use Setting::*;
        match self {
            Self::Flags => Some(match setting {
                Runs => "--runs",
                Warmup => "--warmup",
                PoolSize => "--pool-size",
                Number => "--number",
                IoWait => "--io-wait",
                WaitIdle => "--wait-idle",
            }),
            Self::Methods => match setting {
                Runs => Some(".runs(…)"),
                Warmup => Some(".warmup(…)"),
                PoolSize => Some(".pool_size(…)"),
                Number | IoWait | WaitIdle => None,
            },
        }
    }

    /// The setting with `value` (`--runs 3`, `.runs(3)`); `None` where it has no such setting.
    pub fn with(self, setting: Setting, value: impl Display) -> Option<String> {
        let name = self.name(setting)?;
        Some(match self {
            Self::Flags => format!("{name} {value}"),
            Self::Methods => format!("{}({value})", name.trim_end_matches("(…)")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_front_end_names_its_own_settings() {
        assert_eq!(
            Vocabulary::Flags.with(Setting::Runs, 3).as_deref(),
            Some("--runs 3")
        );
        assert_eq!(
            Vocabulary::Methods.with(Setting::Runs, 3).as_deref(),
            Some(".runs(3)")
        );
        assert_eq!(
            Vocabulary::Methods.name(Setting::PoolSize),
            Some(".pool_size(…)")
        );
        assert_eq!(Vocabulary::Methods.name(Setting::WaitIdle), None);
        assert_eq!(Vocabulary::Methods.with(Setting::Number, 7), None);
    }
}
