//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! The code is laid out as the pipeline it runs, each folder using only the ones after it:
//!
//! - [`app`]: the command line, interactive mode, the demos and the sweep's flow;
//! - [`show`]: the terminal (table, bars, progress) and every file (exports, pictures, trace);
//! - [`judge`]: the [`judge::report::Report`], the ideal, the comparison, the notes and lesson;
//! - [`run`]: the scheduler, the approaches with their worker, cluster and Python machinery,
//!   the execution of each step and its recording;
//! - [`plan`]: what to run, the [`plan::Plan`] and its checks, the workloads and the approaches
//!   as data ([`plan::approaches`]);
//! - [`machine`] and the leaves ([`format`], [`stats`], [`error`], [`cancel`], [`say`]).
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
//! The library's surface is [`lab`] and what its [`judge::report::Report`] holds, plus the
//! [`show::export`] formats a report can be written in.
//!
//! Or, from the command line, a shell command per task: `parlab run --command 'gzip -c {task}.log'`.

pub mod app;
pub mod cancel;
pub mod error;
pub mod format;
pub mod judge;
pub mod lab;
pub mod machine;
pub mod plan;
pub mod run;
pub mod say;
pub mod show;
pub mod stats;
