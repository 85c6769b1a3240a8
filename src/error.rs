//! Mistakes a user can make, each with a message that names the flag and says what is allowed.
//!
//! These end the program with exit status 2 before anything is measured. Failures while running
//! are [`crate::run::approach::ApproachError`]s instead.

/// A setting parlab cannot run with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsageError {
    /// A flag's value is not what it accepts.
    #[error("{flag}: {problem}; {allowed}")]
    BadValue {
        /// The flag, e.g. `--number`.
        flag: &'static str,
        /// What is wrong with the value given.
        problem: String,
        /// What the flag accepts.
        allowed: String,
    },
    /// More threads than the machine can hold.
    #[error(
        "--tasks: {tasks} tasks need {tasks} threads with approach threads, but this machine \
         holds at most about {limit}; use fewer --tasks or a pooled approach (thread-pool, rayon, async)"
    )]
    TooManyThreads {
        /// Tasks asked for.
        tasks: u32,
        /// Threads the machine can hold.
        limit: u64,
    },
    /// `parlab` with no subcommand and no terminal to ask questions on.
    #[error(
        "no terminal to ask questions on: run `parlab run` (see `parlab run --help`) or start parlab in a terminal"
    )]
    NotInteractive,
}

impl UsageError {
    /// A `BadValue` error.
    pub fn bad(flag: &'static str, problem: impl Into<String>, allowed: impl Into<String>) -> Self {
        UsageError::BadValue {
            flag,
            problem: problem.into(),
            allowed: allowed.into(),
        }
    }
}
