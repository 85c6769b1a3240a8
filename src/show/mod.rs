//! Showing a report: the terminal (table, bars, progress, the text Gantt) and every file
//! (exports, pictures, the trace, the HTML report), all through one route to files.

pub mod export;
pub(crate) mod lanes;
pub(crate) mod outfile;
#[doc(hidden)]
pub mod output;
pub(crate) mod settings;
