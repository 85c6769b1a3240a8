//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! Data flows one way: [`cli`] → [`config`] → [`bench`](mod@bench) (the scheduler, which hands each
//! [`approach`] the [`workload`]'s tasks and records what happens) → [`report`] (figures and
//! [`notes`]) → [`output`] on the terminal and [`export`] to files, every file through
//! [`outfile`]. The process approaches run tasks in [`worker`] processes: parlab itself, started with a hidden subcommand.

pub mod app;
pub mod approach;
pub mod bench;
pub mod cancel;
pub mod cli;
pub mod compare;
pub mod config;
pub mod demos;
pub mod error;
pub mod exec;
pub mod export;
pub mod format;
pub mod ideal;
pub mod infile;
pub mod interactive;
pub mod lanes;
pub mod lesson;
pub mod machine;
pub mod notes;
pub mod outfile;
pub mod output;
pub mod primes;
pub mod record;
pub mod report;
pub mod say;
pub mod spread;
pub mod stats;
pub mod sweep;
pub mod worker;
pub mod workload;
