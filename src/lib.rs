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
//! use parlab::lab::Lab;
//!
//! fn main() -> anyhow::Result<()> {
//!     let lab = Lab::new(|task| (0..=u64::from(task) * 1000).map(|i| i % 7).sum::<u64>())
//!         .check(|task, value| task == 0 || *value > 0)
//!         .tasks(4)
//!         .approaches("threads,rayon,async")
//!         .runs(1);
//!     // First in main: a process approach restarts this program as a worker.
//!     lab.serve_worker_if_asked();
//!     let report = lab.run()?;
//!     parlab::lab::print_table(&report);
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

#[doc(hidden)]
pub mod app;
#[doc(hidden)]
pub mod approach;
#[doc(hidden)]
pub mod bench;
#[doc(hidden)]
pub mod cancel;
#[doc(hidden)]
pub mod claims;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod cluster;
#[doc(hidden)]
pub mod compare;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod context;
#[doc(hidden)]
pub mod custom;
#[doc(hidden)]
pub mod demos;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod exec;
pub mod export;
pub mod floor;
#[doc(hidden)]
pub mod format;
pub mod ideal;
#[doc(hidden)]
pub mod infile;
#[doc(hidden)]
pub mod interactive;
pub mod lab;
#[doc(hidden)]
pub mod lanes;
#[doc(hidden)]
pub mod lesson;
#[doc(hidden)]
pub mod limits;
pub mod machine;
#[doc(hidden)]
pub mod notes;
#[doc(hidden)]
pub mod notes_cluster;
#[doc(hidden)]
pub mod notes_python;
#[doc(hidden)]
pub mod outfile;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod primes;
#[doc(hidden)]
pub mod record;
pub mod report;
#[doc(hidden)]
pub mod say;
#[doc(hidden)]
pub mod serve;
#[doc(hidden)]
pub mod settings;
#[doc(hidden)]
pub mod shell;
#[doc(hidden)]
pub mod spread;
#[doc(hidden)]
pub mod stats;
#[doc(hidden)]
pub mod sweep;
#[doc(hidden)]
pub mod worker;
#[doc(hidden)]
pub mod workload;
