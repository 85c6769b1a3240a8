//! Running a plan: the scheduler ([`bench`](mod@bench)), the approaches with their worker processes,
//! cluster and Python machinery, the execution of each step, and the recording of what happens.

pub mod approach;
pub mod bench;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod exec;
pub mod floor;
pub mod reaper;
pub mod record;
pub mod serve;
pub mod shell;
pub(crate) mod spawn;
pub mod tail;
pub mod worker;
