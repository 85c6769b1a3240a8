//! Whether `parlab demos` shows each pair's Python line, checked before any pair runs: off with
//! `--no-python`, on when an interpreter answers, and otherwise skipped with one line saying why
//! (the demos still run). An interpreter named with `--python` that cannot run is refused.

use std::path::PathBuf;

use crate::app::cli::DemosArgs;
use crate::error::UsageError;
use crate::run::approach::python;

/// The Python lines of `parlab demos`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemosPython {
    /// Shown: the interpreter answered (or the mock executor stands in for it).
    On,
    /// Left out on purpose (`--no-python`).
    Off,
    /// Left out because no usable interpreter was found: why, in one sentence.
    Skipped(String),
}

/// What `args` ask for, the interpreter probed (not under `mock`, where none is needed). The
/// interpreter found is named for the Python approaches.
pub fn check(args: &DemosArgs) -> Result<DemosPython, UsageError> {
    let hint = "give the path of a Python 3.8+ interpreter, e.g. --python /usr/bin/python3, \
                or leave the Python lines out with --no-python";
    if let Some(p) = &args.python
        && p.as_os_str().is_empty()
    {
        return Err(UsageError::bad("--python", "no interpreter given", hint));
    }
    if args.no_python {
        return Ok(DemosPython::Off);
    }
    if args.mock {
        return Ok(DemosPython::On);
    }
    let path = args
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    match python::probe(&path) {
        Ok(_) => Ok(DemosPython::On),
        Err(problem) if args.python.is_some() => Err(UsageError::bad("--python", problem, hint)),
        Err(problem) => Ok(DemosPython::Skipped(problem)),
    }
}

impl DemosPython {
    /// The one line saying the Python lines are skipped and why, when they are.
    pub fn skipped_line(&self) -> Option<String> {
        match self {
            Self::Skipped(why) => Some(format!(
                "note: the Python lines are skipped: {why} (install Python 3.8 or later, or \
                 name one with --python PATH)"
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn demos_args(extra: &[&str]) -> DemosArgs {
        let mut argv = vec!["parlab", "demos"];
        argv.extend_from_slice(extra);
        match crate::app::cli::Cli::parse_from(argv).command {
            Some(crate::app::cli::Command::Demos(a)) => a,
            other => panic!("not demos: {other:?}"),
        }
    }

    #[test]
    fn no_python_turns_the_lines_off_and_mock_needs_no_interpreter() {
        assert_eq!(check(&demos_args(&["--no-python"])), Ok(DemosPython::Off));
        assert_eq!(check(&demos_args(&["--mock"])), Ok(DemosPython::On));
    }

    #[test]
    fn a_named_interpreter_that_cannot_run_is_refused_naming_the_flag() {
        let e = check(&demos_args(&["--python", "/nonexistent/python3"])).unwrap_err();
        assert!(e.to_string().contains("--python"), "{e}");
        assert!(e.to_string().contains("/nonexistent/python3"), "{e}");
    }

    #[test]
    fn a_skip_says_why_in_one_line() {
        let line = DemosPython::Skipped("no Python interpreter found at 'python3'".into())
            .skipped_line()
            .unwrap();
        assert!(
            line.contains("Python lines are skipped: no Python"),
            "{line}"
        );
        assert!(!line.contains('\n'));
        assert_eq!(DemosPython::On.skipped_line(), None);
        assert_eq!(DemosPython::Off.skipped_line(), None);
    }
}
