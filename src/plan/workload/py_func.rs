//! `pyfunc`: each task calls the user's own Python function (`--py-func FILE.py:NAME`) with
//! the task's index; only the py-* approaches run it (see [`crate::plan::py_func`]).

use super::{CallPart, Step, StepType, WorkSpec, Workload};

/// One call of the user's Python function per task, measured as its computation and the time
/// it was blocked, verified by the user's check or against py-sequential's values.
pub struct PyFunc;

impl Workload for PyFunc {
    fn id(&self) -> &'static str {
        "pyfunc"
    }
    fn summary(&self) -> &'static str {
        "calls your Python function --py-func FILE.py:NAME with each task's index (py-* only)"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Call]
    }
    fn plan(&self, _work: &WorkSpec) -> Vec<Step> {
        vec![
            Step::Call(CallPart::Compute),
            Step::Call(CallPart::Blocked),
        ]
    }
    fn computes(&self) -> bool {
        false
    }
    fn waits(&self) -> bool {
        false
    }
    fn title(&self, _number: u64, _io_wait: &str) -> String {
        "pyfunc: your Python function per task".to_string()
    }
}
