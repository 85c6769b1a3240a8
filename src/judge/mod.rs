//! Judging what was measured: the report and its figures, the ideal, the comparison with a
//! saved run, the notes and the lesson, each claim checked against the figures.

pub mod claims;
pub mod compare;
pub mod context;
pub mod lesson;
pub mod notes;
pub mod report;
pub mod spread;
pub mod sweep;
