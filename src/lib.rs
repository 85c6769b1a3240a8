//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! Data flows one way: [`plan`] (what to run: the workload, the approaches, their settings) →
//! `run` (the scheduler hands each approach the plan's tasks and records what happens) →
//! [`judge`] (the [`judge::report::Report`], its figures and notes) → [`show`] (the terminal and
//! every file). The command line (`app`, feature `cli`) builds the plan; the process approaches
//! run tasks in worker processes: parlab itself, or your program, started again.
//!
//! # Measure your own work
//!
//! [`lab::Lab`] runs your function (task index → value) under the approaches, checks every
//! value, and gives back the same [`judge::report::Report`] that `parlab run` prints and exports:
//!
//! ```
//! use parlab::lab::{ApproachId, Lab};
//!
//! fn main() -> Result<(), parlab::lab::LabError> {
//!     let lab = Lab::new(|task| (0..=u64::from(task) * 1000).map(|i| i % 7).sum::<u64>())
//!         .check(|task, value| task == 0 || *value > 0)
//!         .tasks(4)
//!         .approaches([ApproachId::Threads, ApproachId::Rayon, ApproachId::Async])
//!         .runs(1);
//!     // First in main: a process approach restarts this program as a worker.
//!     lab.serve_worker_if_asked();
//!     let report = lab.run()?;
//!     println!("{report}");
//!     Ok(())
//! }
//! ```
//!
//! The library's surface is [`lab`], what its [`judge::report::Report`] holds (with
//! [`plan::ideal`], [`plan::approaches`] and [`machine`]), and the data [`show::export`]s a
//! report can be written in (JSON, CSV, Markdown). The other modules are public for parlab's
//! own binary and tests only, and hidden from these docs.
//!
//! # Features
//!
//! All on by default; a library user can turn them off (`default-features = false`):
//! - `cli`: the command line, interactive mode and the live progress (clap, inquire,
//!   indicatif), and the `parlab` binary; it needs the other two.
//! - `charts`: the SVG and PNG pictures and the HTML report (plotters and its fonts).
//! - `cluster`: approach `cluster` (timely-dataflow); without it the approach is refused.
//!
//! From the command line, a shell command per task: `parlab run --command 'gzip -c {task}.log'`.

// Without the front end (feature `cli`) the flags' parsers, the sweep and the file writers that
// only src/app/ calls go unused; the default build, which has it, is the one these lints check.
#![cfg_attr(not(feature = "cli"), allow(dead_code, unused_imports))]

#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod app;
#[doc(hidden)]
pub mod cancel;
#[doc(hidden)]
pub mod error;
pub(crate) mod format;
pub mod judge;
pub mod lab;
pub mod machine;
pub mod plan;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod say;
pub mod show;
pub(crate) mod stats;
