//! `--py-func` and `--py-check`: the user's Python function as the run's work, checked as
//! text here and by the interpreter before anything is measured.
//!
//! `--py-func` means the `pyfunc` workload, which only the py-* approaches run: without
//! `--approach` (or with `all`) it runs all seven; a Rust approach named with it is refused by
//! the approaches' one check ([`crate::plan::approaches::refusal`]).

use std::time::Duration;

use crate::app::cli::RunArgs;
use crate::error::UsageError;
use crate::plan::Plan;
use crate::plan::py_func::{PyFunction, PyTarget};
use crate::plan::workload::WorkloadKind;
use crate::run::approach::python::{FunctionProblem, probe_function};

/// How long importing the user's module may take before parlab gives up on it.
const IMPORT_LIMIT: Duration = Duration::from_secs(60);

/// `--py-func`, `--py-check` and `--workload` together: the function means the `pyfunc`
/// workload, and that workload needs a function.
pub(super) fn parse(
    args: &RunArgs,
    workload: WorkloadKind,
) -> Result<(WorkloadKind, Option<PyFunction>), UsageError> {
    let kind = WorkloadKind::parse("pyfunc").expect("the pyfunc workload is registered");
    let c = &args.common;
    let Some(text) = &args.py_func else {
        if args.py_check.is_some() {
            return Err(UsageError::bad(
                "--py-check",
                "there is no --py-func whose values to check",
                "give the function with --py-func FILE.py:NAME",
            ));
        }
        if workload == kind {
            return Err(UsageError::bad(
                "--workload",
                "the pyfunc workload needs a Python function",
                "give it with --py-func FILE.py:NAME, e.g. \
                 --py-func examples/python/cpu_loop.py:work",
            ));
        }
        return Ok((workload, None));
    };
    if c.command.is_some() {
        return Err(UsageError::bad(
            "--py-func",
            "a task runs either a command or a Python function",
            "leave out --command or --py-func",
        ));
    }
    if workload != kind && c.workload.trim() != "cpu" {
        return Err(UsageError::bad(
            "--py-func",
            format!("--py-func runs the pyfunc workload, not '{}'", c.workload),
            "leave out --workload, or use --workload pyfunc",
        ));
    }
    let func = PyTarget::parse("--py-func", text)?;
    let check = args
        .py_check
        .as_deref()
        .map(|t| PyTarget::parse("--py-check", t))
        .transpose()?;
    Ok((kind, Some(PyFunction::new(func, check))))
}

/// The `--approach` text to parse: with a Python function, `all` (the default) means every
/// approach that can call it, the py-* ones.
pub(super) fn approaches(text: &str, python_function: bool) -> String {
    if python_function && text.split(',').any(|a| a.trim() == "all") {
        text.split(',')
            .map(|a| if a.trim() == "all" { "python" } else { a })
            .collect::<Vec<_>>()
            .join(",")
    } else {
        text.to_string()
    }
}

/// Imports the plan's Python function (and check) in its interpreter, as a run will, before
/// anything is measured: an import error or a missing name is the user's to fix (exit 2).
/// Learns whether the function is an `async def`. Nothing is run under the mock.
pub fn probe(plan: &mut Plan) -> Result<(), UsageError> {
    if plan.mock {
        return Ok(());
    }
    let interpreter = plan.approach.interpreter();
    let Some(func) = plan.approach.python_function.as_mut() else {
        return Ok(());
    };
    match probe_function(&interpreter, func, IMPORT_LIMIT) {
        Ok(is_async) => {
            func.is_async = is_async;
            Ok(())
        }
        Err(FunctionProblem::Name(why)) => Err(UsageError::bad(
            "--py-func",
            why,
            "give FILE.py:NAME with the name of a function the file defines",
        )),
        Err(FunctionProblem::Import(why)) => Err(UsageError::bad(
            "--py-func",
            format!("importing {} failed: {why}", func.func.given),
            "fix the module (python3 FILE.py shows the whole traceback), or install what it \
             imports",
        )),
    }
}
