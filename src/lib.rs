//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! Data flows one way: [`cli`] → [`config`] → [`bench`](mod@bench) (the scheduler, which hands each
//! [`approach`] the [`workload`]'s tasks and records what happens) → [`report`] (figures and
//! [`notes`]) → [`output`] on the terminal and [`export`] to files, every file through
//! [`outfile`]. The process approaches run tasks in [`worker`] processes: parlab itself, started with a hidden subcommand.
//!
//! # Measure your own work
//!
//! [`lab::Lab`] runs your function (task index → value) under the approaches, checks every
//! value, and gives back the same [`report::Report`] that `parlab run` prints and exports:
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
//! The library's surface is [`lab`] and what its [`report::Report`] holds ([`report`],
//! [`ideal`], [`machine`]), plus the [`export`] formats a report can be written in. The other
//! modules are public for parlab's own binary and tests only, and hidden from these docs.
//!
//! Or, from the command line, a shell command per task: `parlab run --command 'gzip -c {task}.log'`
//! (see [`shell`]).

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
