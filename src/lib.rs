//! parlab runs the same work under every common concurrency and parallelism approach,
//! measures each honestly and shows the differences.
//!
//! Data flows one way: [`cli`] → [`config`] → [`bench`] (the scheduler, which hands each
//! [`approach`] the [`workload`]'s tasks and records what happens) → [`report`] (figures and
//! [`notes`]) → [`output`] on the terminal and [`export`] to files.

pub mod app;
pub mod approach;
pub mod bench;
pub mod cancel;
pub mod cli;
pub mod compare;
pub mod config;
pub mod error;
pub mod exec;
pub mod export;
pub mod machine;
pub mod notes;
pub mod output;
pub mod primes;
pub mod report;
pub mod spread;
pub mod stats;
pub mod sweep;
pub mod workload;
