//! Judging what was measured: the report and its figures, the ideal, the comparison with a
//! saved run, the notes and the lesson, each claim checked against the figures.

pub(crate) mod claims;
pub(crate) mod compare;
pub mod context;
pub(crate) mod lesson;
pub(crate) mod notes;
pub(crate) mod perf_check;
pub mod report;
pub(crate) mod spread;
pub(crate) mod sweep;
