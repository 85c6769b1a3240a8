//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! Data flows one way: the command line (modules `cli`, `config`) → the scheduler (`bench`),
//! which hands each approach (`approach`) the workload's tasks (`workload`) and records what
//! happens → a [`report::Report`] (figures, the [`ideal`] and the notes) → the terminal
//! (`output`) and files ([`export`]). The process approaches run tasks in worker processes
//! (`worker`): parlab itself, started with a hidden subcommand. Those modules are public for
//! parlab's own binary and tests only, and hidden from these docs.
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
//! [`ideal`], [`machine`]), plus the [`export`] formats a report can be written in.
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
