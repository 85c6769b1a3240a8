//! What to run: the workloads and their tasks, the approaches' catalogue, the settings they
//! run with, and the [`Plan`] that holds them, checked before anything is measured (the room
//! each approach needs, the open files, the deadline and the plan's estimated cost).

pub mod approaches;
pub mod cluster_room;
pub mod builder;
pub mod custom;
pub mod hosts;
pub mod ideal;
pub mod implied;
pub mod infile;
pub mod load;
pub mod max_time;
pub mod net;
pub mod parse;
pub mod plan_cost;
pub mod primes;
pub mod repetitions;
pub mod settings;
pub mod workload;

pub use builder::{
    Chosen, CommandSettings, DEFAULT_NUMBER, MAX_TASKS, Plan, PlanBuilder, Repetitions,
    default_tasks, parse_approaches,
};
