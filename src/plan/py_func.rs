//! `--py-func FILE.py:NAME` and `--py-check FILE.py:NAME`: the user's own Python function, as a
//! setting of the run ([`crate::plan::settings::ApproachSettings::python_function`]).
//!
//! Parsing here only checks the text (a file that exists, or a dotted module name, and a
//! Python name); whether the module imports and has the name is found out by the interpreter
//! before anything is measured (`crate::run::approach::python::probe_function`).
//!
//! Every task's value is checked. With `--py-check`, the user's `check(task, value)` says; without
//! it, each task's value must equal py-sequential's: the first run of py-sequential (the
//! baseline, run first) fills [`PyFunction::reference`], or, when py-sequential is not in the
//! run, an unmeasured run of it made before the first Python approach.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::error::UsageError;

/// Where a Python function is: a file or a module on `PYTHONPATH`, and its name in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PyTarget {
    /// The file's absolute path, or the module's dotted name.
    pub module: String,
    /// True when `module` is a file (imported by path), false for a module name.
    pub file: bool,
    /// The function's name in it.
    pub name: String,
    /// As the user gave it, for messages.
    #[serde(skip)]
    pub given: String,
}

impl PyTarget {
    /// Parses `FILE.py:NAME` or `package.module:NAME` for `flag`.
    pub fn parse(flag: &'static str, text: &str) -> Result<Self, UsageError> {
        let fix = "give FILE.py:NAME or package.module:NAME, e.g. examples/python/cpu_loop.py:work";
        let text = text.trim();
        let Some((module, name)) = text.rsplit_once(':') else {
            return Err(UsageError::bad(
                flag,
                format!("'{text}' names no function"),
                fix,
            ));
        };
        if !is_identifier(name) {
            return Err(UsageError::bad(
                flag,
                format!("'{name}' is not a Python function name"),
                fix,
            ));
        }
        let is_file = module.ends_with(".py") || module.contains('/');
        if is_file {
            let path = Path::new(module);
            let absolute = std::fs::canonicalize(path)
                .map_err(|e| UsageError::bad(flag, format!("cannot open '{module}': {e}"), fix))?;
            if !absolute.is_file() {
                return Err(UsageError::bad(
                    flag,
                    format!("'{module}' is not a file"),
                    fix,
                ));
            }
            let Some(shown) = absolute.to_str() else {
                return Err(UsageError::bad(
                    flag,
                    format!("'{module}': its path is not UTF-8"),
                    "move the file to a path in UTF-8",
                ));
            };
            return Ok(Self {
                module: shown.to_string(),
                file: true,
                name: name.to_string(),
                given: text.to_string(),
            });
        }
        if module.is_empty() || !module.split('.').all(is_identifier) {
            return Err(UsageError::bad(
                flag,
                format!("'{module}' is neither a .py file nor a module name"),
                fix,
            ));
        }
        Ok(Self {
            module: module.to_string(),
            file: false,
            name: name.to_string(),
            given: text.to_string(),
        })
    }
}

/// Whether `s` is a Python identifier (ASCII letters, digits and `_`; not starting with a
/// digit). Non-ASCII names are valid Python but rare; they are refused rather than guessed.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One task's value as the driver reported it: a digest of its canonical `repr` and the start of
/// that `repr`, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyValue {
    /// A hash of the value's canonical repr (hex).
    pub digest: String,
    /// The repr's first characters.
    pub shown: String,
}

/// The user's Python function for a run, and how its values are checked.
#[derive(Debug, Clone)]
pub struct PyFunction {
    /// The function each task calls with its index (`--py-func`).
    pub func: PyTarget,
    /// The function that checks each value (`--py-check`), if any.
    pub check: Option<PyTarget>,
    /// True when the function is an `async def` (the interpreter said so before the run).
    pub is_async: bool,
    /// py-sequential's value for each task, once a run of it has finished: what every other
    /// run is compared with when there is no `--py-check`. Shared by every clone of the plan.
    pub reference: Arc<OnceLock<Vec<PyValue>>>,
}

impl PyFunction {
    /// A function not yet looked at by the interpreter.
    pub fn new(func: PyTarget, check: Option<PyTarget>) -> Self {
        Self {
            func,
            check,
            is_async: false,
            reference: Arc::new(OnceLock::new()),
        }
    }

    /// True when values are compared with py-sequential's (no `--py-check`).
    pub fn needs_reference(&self) -> bool {
        self.check.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_files_or_modules_with_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.py");
        std::fs::write(&file, "def work(t):\n    return t\n").unwrap();
        let t = PyTarget::parse("--py-func", &format!("{}:work", file.display())).unwrap();
        assert!(
            t.file && t.module.ends_with("f.py") && t.name == "work",
            "{t:?}"
        );
        let m = PyTarget::parse("--py-func", "pkg.mod:fn_1").unwrap();
        assert!(!m.file && m.module == "pkg.mod" && m.name == "fn_1");
        for bad in [
            "work",
            "pkg.mod:",
            "pkg.mod:1x",
            "/no/such/file.py:work",
            ":work",
            "a..b:f",
        ] {
            let e = PyTarget::parse("--py-func", bad).unwrap_err().to_string();
            assert!(e.starts_with("--py-func: "), "{bad}: {e}");
        }
        let e = PyTarget::parse("--py-check", dir.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--py-check: "), "{e}");
    }
}
