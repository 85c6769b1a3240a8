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
//! Or, from the command line, a shell command per task: `parlab run --command 'gzip -c {task}.log'`
//! (see [`shell`]).

pub mod app;
pub mod approach;
pub mod bench;
pub mod cancel;
pub mod cli;
pub mod cluster;
pub mod compare;
pub mod config;
pub mod context;
pub mod custom;
pub mod demos;
pub mod error;
pub mod exec;
pub mod export;
pub mod format;
pub mod ideal;
pub mod infile;
pub mod interactive;
pub mod lab;
pub mod lanes;
pub mod lesson;
pub mod limits;
pub mod machine;
pub mod notes;
pub mod notes_cluster;
pub mod notes_python;
pub mod outfile;
pub mod output;
pub mod primes;
pub mod record;
pub mod report;
pub mod say;
pub mod serve;
pub mod shell;
pub mod spread;
pub mod stats;
pub mod sweep;
pub mod worker;
pub mod workload;
