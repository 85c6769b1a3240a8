//! What to run: the workloads and their tasks, the approaches' catalogue, the settings they
//! run with, and the `Plan` that holds them, checked before anything is measured (the room
//! each approach needs, the open files, the deadline and the plan's estimated cost).

pub mod approaches;
pub(crate) mod builder;
pub(crate) mod cluster_room;
pub(crate) mod custom;
pub(crate) mod hosts;
pub mod ideal;
pub(crate) mod implied;
pub(crate) mod infile;
pub(crate) mod load;
pub(crate) mod max_time;
pub(crate) mod net;
// Its doctests (and primes') are the library's, so they stay reachable.
#[doc(hidden)]
pub mod parse;
pub(crate) mod plan_cost;
#[doc(hidden)]
pub mod primes;
pub mod py_func;
pub(crate) mod repetitions;
#[doc(hidden)]
pub mod settings;
#[doc(hidden)]
pub mod vocabulary;
pub mod workload;

// The plan is built by the command line and by Lab; a library user goes through Lab, so it is
// not part of the documented surface.
#[doc(hidden)]
pub use builder::{
    Chosen, CommandSettings, DEFAULT_NUMBER, MAX_TASKS, Plan, PlanBuilder, Repetitions,
    default_tasks, parse_approaches,
};
