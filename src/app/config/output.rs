//! `--quiet` and `--color`, checked: how much parlab says, and whether in colour.

use crate::app::cli::{ColorArg, OutputArgs};

/// When to colour what parlab writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// When the stream is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Colour {
    /// Whether to colour a stream that is (`is_terminal`) or is not a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// The checked `--quiet` and `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputChoice {
    /// The results and errors only.
    pub quiet: bool,
    /// When to colour.
    pub colour: Colour,
}

impl OutputChoice {
    /// The choice `args` make.
    pub fn from_args(args: &OutputArgs) -> Self {
        Self {
            quiet: args.quiet,
            colour: match args.color {
                ColorArg::Auto => Colour::Auto,
                ColorArg::Always => Colour::Always,
                ColorArg::Never => Colour::Never,
            },
        }
    }

    /// Tells the progress bars (indicatif, through `console`) whether to colour stderr:
    /// `--color always` or `never` overrides console's own terminal and `NO_COLOR` check.
    pub fn apply_to_progress_bars(self) {
        match self.colour {
            Colour::Auto => {}
            Colour::Always => console::set_colors_enabled_stderr(true),
            Colour::Never => console::set_colors_enabled_stderr(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_and_never_override_the_terminal() {
        assert!(Colour::Always.enabled(false));
        assert!(!Colour::Never.enabled(true));
        assert!(!Colour::Auto.enabled(false));
    }
}
