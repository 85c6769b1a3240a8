//! Showing a report: the terminal (table, bars, progress, the text Gantt) and every file
//! (exports, pictures, the trace, the HTML report), all through one route to files.

pub mod export;
pub mod lanes;
pub mod outfile;
pub mod output;
pub mod settings;
