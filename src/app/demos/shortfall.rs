//! Why a demo pair showed less than half of its ideal gain: the machine was busy, or the work
//! was too short for the faster approach's start-up to pay off.
//!
//! The reasons come from figures taken around the pair (the machine's CPU time, less parlab's
//! own, from `/proc/stat` and `getrusage`) and from the pair's own timings, so a test can
//! build them by hand: [`note`] is a pure function.

use std::time::Instant;

use crate::format::format_seconds;
use crate::plan::approaches::Family;

/// The share of the machine other processes used, above which a pair counts as crowded out.
const BUSY_SHARE: f64 = 0.25;

/// What a pair measured and what the machine did meanwhile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFigures {
    /// The median of the pair's speed improvements.
    pub improvement: f64,
    /// The improvement the pair's shape allows (waits overlapped, cores used).
    pub ideal: f64,
    /// The slower approach's median wall time, s.
    pub slower_s: f64,
    /// Tasks each approach ran.
    pub tasks: u32,
    /// About what the faster approach pays to start its threads or processes, s (see
    /// [`startup_estimate_s`]).
    pub startup_s: f64,
    /// The share (0–1) of all cores that other processes used while the pair ran, if known.
    pub others_share: Option<f64>,
    /// The one-minute load average after the pair, if known.
    pub load: Option<f64>,
    /// Logical cores.
    pub cores: usize,
}

/// One line saying why the pair fell below half of its ideal gain; `None` when it did not.
pub fn note(f: &PairFigures) -> Option<String> {
    // NaN (no improvement to judge) says nothing either.
    if f.improvement.is_nan() || f.improvement >= f.ideal / 2.0 {
        return None;
    }
    let mut why = Vec::new();
    if let Some(share) = f.others_share.filter(|&s| s >= BUSY_SHARE) {
        let load = f
            .load
            .map_or(String::new(), |l| format!(", load average {l:.1}"));
        why.push(format!(
            "a busy machine (other processes used {:.0}% of the {} core{}{load})",
            share * 100.0,
            f.cores,
            if f.cores == 1 { "" } else { "s" }
        ));
    }
    // Start-up that is a third or more of the ideal time eats the gain, whatever the machine.
    let ideal_s = f.slower_s / f.ideal;
    if f.startup_s * 2.0 >= ideal_s {
        why.push(format!(
            "work too short (each task takes {}, the ideal run {}, while starting the faster \
             approach's workers costs about {})",
            format_seconds(f.slower_s / f.tasks.max(1) as f64),
            format_seconds(ideal_s),
            format_seconds(f.startup_s)
        ));
    }
    if why.is_empty() {
        why.push("no cause parlab can see; run the demos again".into());
    }
    Some(format!(
        "Below half of the ideal {:.2}x: {}",
        f.ideal,
        why.join("; ")
    ))
}

/// About what `family` pays to start `spawns` workers, s: a process is parlab re-executed
/// (about 1.5 ms), a thread about 30 µs, an async task a few µs. Rough on purpose: it only
/// decides whether the work is far larger than the start-up.
pub fn startup_estimate_s(family: Family, spawns: u32) -> f64 {
    let each = match family {
        Family::Process => 1.5e-3,
        Family::Thread => 30e-6,
        Family::Async => 5e-6,
        Family::Sequential => 0.0,
    };
    each * spawns as f64
}

/// The CPU time the whole machine and parlab itself (with its reaped children) have used, at
/// one moment.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    at: Instant,
    machine_s: Option<f64>,
    own_s: f64,
}

impl CpuSample {
    /// The figures now.
    pub fn now() -> Self {
        Self {
            at: Instant::now(),
            machine_s: machine_busy_s(),
            own_s: own_cpu_s(),
        }
    }

    /// The share (0–1) of `cores` that processes other than parlab used since `self`.
    pub fn others_share_since(&self, cores: usize) -> Option<f64> {
        let now = Self::now();
        let wall = now.at.duration_since(self.at).as_secs_f64();
        let machine = now.machine_s? - self.machine_s?;
        let own = now.own_s - self.own_s;
        (wall > 0.0).then(|| ((machine - own) / (wall * cores.max(1) as f64)).clamp(0.0, 1.0))
    }
}

/// The one-minute load average, if `/proc/loadavg` says.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time all cores spent busy since boot, s, from the first line of `/proc/stat`.
fn machine_busy_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: u64 = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 3 | 4) && *i < 8)
        .map(|(_, v)| v)
        .sum();
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| busy as f64 / hz as f64)
}

/// CPU time parlab and its reaped children have used, s.
fn own_cpu_s() -> f64 {
    let used = |who| {
        // SAFETY: getrusage writes into the struct we own.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut ru) } != 0 {
            return 0.0;
        }
        let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        s(ru.ru_utime) + s(ru.ru_stime)
    };
    used(libc::RUSAGE_SELF) + used(libc::RUSAGE_CHILDREN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(improvement: f64) -> PairFigures {
        PairFigures {
            improvement,
            ideal: 2.0,
            slower_s: 1.0,
            tasks: 2,
            startup_s: 3e-3,
            others_share: Some(0.0),
            load: Some(0.5),
            cores: 2,
        }
    }

    #[test]
    fn no_line_at_half_the_ideal_or_better() {
        assert_eq!(note(&figures(1.96)), None);
        assert_eq!(note(&figures(1.0)), None);
    }

    #[test]
    fn a_busy_machine_is_the_reason() {
        let f = PairFigures {
            others_share: Some(0.85),
            load: Some(3.1),
            ..figures(0.9)
        };
        let line = note(&f).unwrap();
        assert!(
            line.starts_with("Below half of the ideal 2.00x: a busy machine"),
            "{line}"
        );
        assert!(
            line.contains("85% of the 2 cores, load average 3.1"),
            "{line}"
        );
        assert!(!line.contains("too short"), "{line}");
    }

    #[test]
    fn short_work_is_the_reason() {
        // Two processes on a 10 ms loop: 5 ms ideally, 3 ms of it to start them.
        let f = PairFigures {
            slower_s: 0.01,
            startup_s: startup_estimate_s(Family::Process, 2),
            ..figures(0.82)
        };
        let line = note(&f).unwrap();
        assert!(
            line.contains("work too short (each task takes 5.0 ms, the ideal run 5.0 ms"),
            "{line}"
        );
        assert!(line.contains("costs about 3.0 ms"), "{line}");
        assert!(!line.contains("busy"), "{line}");
    }

    #[test]
    fn no_visible_cause_says_so() {
        let line = note(&figures(0.9)).unwrap();
        assert!(line.contains("no cause parlab can see"), "{line}");
    }
}
