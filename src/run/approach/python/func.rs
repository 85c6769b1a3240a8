//! The user's own Python function (`--py-func`) on parlab's side: checking each task's value,
//! and the unmeasured reference run of py-sequential when the run has none of its own.
//!
//! The driver cannot send a Python value to parlab, so it sends a digest of the value's
//! canonical repr (sets sorted, objects without a repr of their own shown by their attributes,
//! not their address) and the repr's start for messages. Without `--py-check`, a task's value is
//! right when its digest is py-sequential's for that task: py-sequential's first run (the
//! baseline, which runs first) sets the reference, kept in the plan's
//! [`PyFunction::reference`]. With `--py-check`, the driver calls `check(task, value)` after the
//! run and sends the verdict.

use crate::plan::approaches::catalogue;
use crate::plan::py_func::{PyFunction, PyValue};
use crate::run::record::recorder::Recorder;

/// One task's value as the driver reported it.
pub(super) struct Value {
    pub task: u32,
    pub shown: String,
    pub digest: String,
    pub verdict: Option<bool>,
}

/// Checks the values of a run of approach `id`: gives the tasks whose value the check refuses,
/// or that differ from py-sequential's, each with a problem recorded naming it. A run of
/// py-sequential with no reference yet becomes the reference.
pub(super) fn judge(
    id: &str,
    func: &PyFunction,
    mut values: Vec<Value>,
    rec: &Recorder,
) -> Vec<u32> {
    values.sort_by_key(|v| v.task);
    let mut failed = Vec::new();
    let name = &func.func.name;
    if func.check.is_some() {
        for v in values.iter().filter(|v| v.verdict != Some(true)) {
            let check = func.check.as_ref().map_or("check", |c| c.name.as_str());
            rec.problem(format!(
                "task {t}: {check}({t}, value) said no to {name}({t}) = {shown} under {id}",
                t = v.task,
                shown = v.shown
            ));
            failed.push(v.task);
        }
        return failed;
    }
    if id == catalogue::PY_SEQUENTIAL.id && func.reference.get().is_none() {
        let _ = func.reference.set(
            values
                .iter()
                .map(|v| PyValue {
                    digest: v.digest.clone(),
                    shown: v.shown.clone(),
                })
                .collect(),
        );
        return failed;
    }
    let Some(reference) = func.reference.get() else {
        rec.problem(format!(
            "no py-sequential values to compare {id}'s with (the reference run did not finish)"
        ));
        return values.iter().map(|v| v.task).collect();
    };
    for v in &values {
        let Some(want) = reference.get(v.task as usize) else {
            continue;
        };
        if want.digest != v.digest {
            rec.problem(format!(
                "task {t}: {name}({t}) returned {got} under {id}, but {want} under py-sequential \
                 (if its values may differ from run to run, give --py-check FILE.py:NAME)",
                t = v.task,
                got = v.shown,
                want = want.shown
            ));
            failed.push(v.task);
        }
    }
    failed
}
