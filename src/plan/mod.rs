//! What to run: the workloads and their tasks, the approaches' catalogue, the settings they
//! run with, and the checks a plan passes before anything is measured.

pub mod approaches;
pub mod config;
pub mod custom;
pub mod hosts;
pub mod ideal;
pub mod infile;
pub mod primes;
pub mod settings;
pub mod workload;
