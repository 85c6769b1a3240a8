//! `--wait-idle`: runs measured on an idle machine, for shared CI runners and busy laptops.
//!
//! Before each run, [`IdleWatch::wait`] samples how much of the cores other programs use and
//! waits while it is more than [`BUSY_SHARE`], at most the limit over the whole plan (then it
//! runs anyway and says so). After a kept run, [`IdleWatch::disturbed`] says whether others
//! took more than that share during it, so the run is measured again (at most
//! [`MAX_RETRIES`] times) while the machine has not yet stayed busy past the limit: a machine
//! that others keep busy would disturb every retry too. The waiting and the retries are
//! counted for the report.

use std::time::{Duration, Instant};

use super::{Executor, Observer, RunMeasurement};
use crate::cancel::Cancel;
use crate::format::format_seconds;
use crate::plan::Plan;

/// Others' share of the cores above which the machine counts as busy.
pub const BUSY_SHARE: f64 = 0.10;
/// How long each look at the machine lasts.
pub const WINDOW: Duration = Duration::from_millis(250);
/// The most times one run is measured again.
pub const MAX_RETRIES: u32 = 3;

/// The waiting and retrying of one plan.
#[derive(Debug)]
pub struct IdleWatch {
    limit: Option<Duration>,
    cores: usize,
    /// Time spent waiting so far.
    pub waited: Duration,
    /// Runs measured again so far.
    pub retried: u32,
    gave_up: bool,
}

impl IdleWatch {
    /// The watch `cfg` asks for (inactive without `--wait-idle`).
    pub fn new(cfg: &Plan) -> Self {
        Self {
            limit: cfg.load.wait_idle,
            cores: cfg.logical_cores,
            waited: Duration::ZERO,
            retried: 0,
            gave_up: false,
        }
    }

    /// Waits until other programs leave the cores idle, while any of the limit is left; ends
    /// at once on `cancel`. Says on `observer` that it waits, and why.
    pub fn wait(&mut self, executor: &dyn Executor, cancel: &Cancel, observer: &mut dyn Observer) {
        let Some(limit) = self.limit else {
            return;
        };
        let mut told = false;
        while !self.gave_up && !cancel.is_cancelled() {
            let start = Instant::now();
            let share = executor.machine_share(WINDOW, cancel);
            let Some(share) = share.filter(|&s| s > BUSY_SHARE) else {
                return;
            };
            if !told {
                observer.waiting(&format!(
                    "waiting for the machine: other programs use {:.0}% of the {} cores \
                     (--wait-idle waits until under {:.0}%, {} in all)",
                    share.min(1.0) * 100.0,
                    self.cores,
                    BUSY_SHARE * 100.0,
                    format_seconds(limit.as_secs_f64())
                ));
                told = true;
            }
            // A model's look takes no time: count the window it stands for.
            self.waited += start.elapsed().max(WINDOW);
            if self.waited >= limit {
                self.gave_up = true;
                observer.waiting(&format!(
                    "the machine stayed busy for {} (other programs use {:.0}% of the cores): \
                     measuring anyway, without retries",
                    format_seconds(self.waited.as_secs_f64()),
                    share.min(1.0) * 100.0
                ));
            }
        }
    }

    /// Others' share of the cores during `m` (a kept run, measured again `retries` times so
    /// far) when it is more than [`BUSY_SHARE`] and the run is to be measured again; counts
    /// the retry when so.
    pub fn disturbed(&mut self, m: &RunMeasurement, retries: u32) -> Option<f64> {
        if self.limit.is_none() || self.gave_up || retries >= MAX_RETRIES {
            return None;
        }
        let foreign = m.foreign_cpu_s?;
        let share = foreign / (m.wall_s * self.cores.max(1) as f64).max(f64::MIN_POSITIVE);
        let busy = share > BUSY_SHARE;
        if busy {
            self.retried += 1;
        }
        busy.then_some(share.min(1.0))
    }
}
