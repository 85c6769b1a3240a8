//! Hostile invocations that once panicked, hung or refused without cause (issue 15), end to
//! end through the parlab binary. Each case runs under its own timeout and checks afterwards
//! that no process it started is left alive.
//!
//! Modules:
//! - `guard`: starting parlab (through a shell where a case needs pipes or limits), the timeout,
//!   and the /proc check for leftovers;
//! - `writes`: closed pipes and full devices on stdout and stderr, every subcommand;
//! - `refusals`: implied approaches the settings rule out are skipped with a note;
//! - `messages`: duration units, negative pool sizes, an empty fault variable;
//! - `files`: escapes from a compare file, unbounded and blocking compare files;
//! - `limits`: hung workers, process and thread limits;
//! - `waits`: a command's whole process tree, a stopped server, a FIFO without a reader, a
//!   cluster too large (issue 23);
//! - `bounds`: a command's stderr kept short and escaped, a `--compare` file's figures, memory
//!   refused under `ulimit -v` (issue 23);
//! - `causes`: refusals that name the limit or flag that is the cause (issue 23).

mod bounds;
mod causes;
mod files;
mod guard;
mod limits;
mod messages;
mod refusals;
mod waits;
mod writes;
