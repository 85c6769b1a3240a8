//! What one task does, as data.
//!
//! A task is a named, serialisable [`TaskSpec`], never a closure, so that a child process can be
//! handed the same task over a pipe. Each workload (one file each) turns the user's settings into
//! a short plan of [`Step`]s: waits and stretches of trial division. Approaches only ever run
//! plans, so every approach does exactly the same work, and how a wait is done (blocking the
//! thread or awaiting a timer) is the approach's choice, not the workload's.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::plan::primes;

/// Declares every workload: its module (one file) and its variant of [`WorkloadKind`], in the
/// order `--help` lists them. Adding a workload is one new file and one line here.
macro_rules! workloads {
    ($($module:ident :: $ty:ident => $variant:ident),+ $(,)?) => {
        $(mod $module;)+

        /// The kinds of work parlab can run: a serialisable name a child process can be
        /// handed. Everything about a kind is asked of its [`Workload`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum WorkloadKind {
            $(
                #[doc = concat!("The `", stringify!($module), "` workload.")]
                $variant,
            )+
        }

        impl WorkloadKind {
            /// Every workload, in the order `--help` lists them.
            pub const ALL: &[WorkloadKind] = &[$(Self::$variant),+];

            /// The single place a workload kind becomes its implementation.
            pub fn workload(self) -> &'static dyn Workload {
                match self {
                    $(Self::$variant => &$module::$ty,)+
                }
            }
        }
    };
}

workloads! {
    cpu::Cpu => Cpu,
    io::Io => Io,
    mixed::Mixed => Mixed,
    noop::Noop => Noop,
    net::Net => Net,
    command::Command => Command,
    function::Function => Function,
    py_func::PyFunc => PyFunc,
}

pub use net::{
    REQUEST_BYTES, append_reply_content, decode_request, encode_request, expected_checksum,
    reply_checksum, reply_content,
};

/// One workload: everything other code asks about a kind of work, so that no code outside
/// this module names a kind.
pub trait Workload: Sync {
    /// The id the CLI uses.
    fn id(&self) -> &'static str;
    /// One line for `--help` and `parlab list`, in plain words.
    fn summary(&self) -> &'static str;
    /// The steps of one task.
    fn plan(&self, work: &WorkSpec) -> Vec<Step>;
    /// True when its tasks compute (and so use `--number`).
    fn computes(&self) -> bool;
    /// True when its tasks wait (and so use `--io-wait`).
    fn waits(&self) -> bool;
    /// What the work of one task is, for titles: `cpu: is 97 prime?`; `io_wait` is one wait,
    /// already formatted.
    fn title(&self, number: u64, io_wait: &str) -> String;
    /// The kinds of [`Step`] its plans may hold: an approach that cannot run one of them is
    /// refused (see [`crate::plan::approaches::refusal`], the one place that checks).
    fn steps(&self) -> &'static [StepType];
    /// True when its tasks connect to parlab's local server (one connection each): a run then
    /// starts the server and checks the open-file limit first.
    fn needs_server(&self) -> bool {
        false
    }
    /// True when each task runs a shell command (`--command`): the approaches that would only
    /// add a cost around a command refuse it (see [`crate::plan::approaches::refusal`]).
    fn runs_commands(&self) -> bool {
        false
    }
    /// True when its tasks do nothing, so a run measures the approaches' own cost per task:
    /// the bare primitives under them are then timed after the runs, for the notes to set each
    /// cost beside its floor (see `crate::run::floor`).
    fn measures_overhead(&self) -> bool {
        false
    }
    /// The answer every task of `work` must give, from the independent reference: a primality
    /// verdict for work that computes, else [`Answer::Done`]. A task is checked by comparing
    /// its answer with this one.
    fn expected_answer(&self, work: &WorkSpec) -> Answer {
        if self.computes() {
            Answer::Prime(primes::is_prime_reference(work.number))
        } else {
            Answer::Done
        }
    }
}

/// `--workload`'s help: every workload's id and summary.
pub fn help_text() -> String {
    let kinds: Vec<String> = WorkloadKind::ALL
        .iter()
        .map(|w| format!("{} ({})", w.id(), w.workload().summary()))
        .collect();
    format!("The work each task does: {}", kinds.join("; "))
}

impl WorkloadKind {
    /// The id the CLI uses.
    pub fn id(self) -> &'static str {
        self.workload().id()
    }

    /// Parses a CLI id.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|w| w.id() == id)
    }

    /// Every id, comma-separated (for messages).
    pub fn valid_ids() -> String {
        Self::ALL
            .iter()
            .map(|w| w.id())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// True when its tasks compute.
    pub fn computes(self) -> bool {
        self.workload().computes()
    }

    /// True when its tasks wait.
    pub fn waits(self) -> bool {
        self.workload().waits()
    }

    /// True when its tasks connect to parlab's local server.
    pub fn needs_server(self) -> bool {
        self.workload().needs_server()
    }

    /// True when each task runs a program of its own (see [`Workload::runs_commands`]).
    pub fn runs_commands(self) -> bool {
        self.workload().runs_commands()
    }

    /// True when its tasks do nothing but cost the approach (see
    /// [`Workload::measures_overhead`]).
    pub fn measures_overhead(self) -> bool {
        self.workload().measures_overhead()
    }
}

/// The work every task of a run does: a workload and its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSpec {
    /// Which workload.
    pub workload: WorkloadKind,
    /// The number to test for primality (cpu and mixed).
    pub number: u64,
    /// One wait, in nanoseconds (io and mixed).
    pub io_wait_ns: u64,
    /// The network requests of `net` work (unused by the others).
    #[serde(default)]
    pub net: NetSpec,
}

/// What a `net` task asks of parlab's local server, and where that server listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetSpec {
    /// Requests per task, made one after another on one connection.
    pub requests: u32,
    /// Bytes in each reply.
    pub payload: u32,
    /// The server's port on 127.0.0.1 (0 until the server has started).
    pub port: u16,
}

impl NetSpec {
    /// Four requests of 16 KiB replies; no server yet.
    pub const DEFAULT: NetSpec = NetSpec {
        requests: 4,
        payload: 16 * 1024,
        port: 0,
    };
}

impl Default for NetSpec {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl WorkSpec {
    /// One wait as a duration.
    pub fn io_wait(&self) -> Duration {
        Duration::from_nanos(self.io_wait_ns)
    }

    /// The steps of one task of this work.
    pub fn plan(&self) -> Vec<Step> {
        self.workload.workload().plan(self)
    }

    /// The answer every task must give, computed with the independent reference test.
    pub fn expected_answer(&self) -> Answer {
        self.workload.workload().expected_answer(self)
    }

    /// The time one task spends waiting, in total.
    pub fn wait_per_task(&self) -> Duration {
        self.plan()
            .iter()
            .map(|s| match s {
                Step::Wait(ns) | Step::Request { wait_ns: ns, .. } => Duration::from_nanos(*ns),
                Step::Connect | Step::Divide { .. } | Step::Custom | Step::Call(_) => {
                    Duration::ZERO
                }
            })
            .sum()
    }
}

/// One task: its index in the run and the work it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The task's index, from 0.
    pub task: u32,
    /// What it does.
    pub work: WorkSpec,
}

/// One step of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Wait this many nanoseconds.
    Wait(u64),
    /// Try the divisors `from..=to` on the task's number.
    Divide {
        /// First divisor tried.
        from: u64,
        /// Last divisor tried.
        to: u64,
    },
    /// Open the task's connection to the local server: the kernel's handshake and the server's
    /// accept, a wait as far as the task is concerned (its length is not planned, only seen).
    Connect,
    /// Make request `index` on the task's connection to the local server, which answers after
    /// `wait_ns` (a wait, as far as the task is concerned).
    Request {
        /// The request's number within its task, from 0.
        index: u32,
        /// How long the server waits before it answers, ns.
        wait_ns: u64,
    },
    /// Run the run's custom work (`crate::plan::custom`): a shell command or a
    /// library user's function. parlab cannot see inside it, so it counts as computation.
    Custom,
    /// One part of a call of the user's Python function (`--py-func`), which only the Python
    /// driver runs: the call is measured once and reported as two steps, its computation
    /// (the calling thread's CPU time) and the rest of its wall time, blocked (see
    /// [`CallPart`]).
    Call(CallPart),
}

/// Which part of a Python call a [`Step::Call`] is. A call's time is one span; the driver
/// splits it by the thread CPU time it used (`time.thread_time`), the computation first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallPart {
    /// The CPU time the calling thread used during the call.
    Compute,
    /// The rest of the call's wall time: sleeping, I/O, waiting for the GIL or a core.
    Blocked,
}

impl Step {
    /// Which variant it is, without its data.
    pub fn step_type(&self) -> StepType {
        match self {
            Step::Wait(_) => StepType::Wait,
            Step::Divide { .. } => StepType::Divide,
            Step::Connect => StepType::Connect,
            Step::Request { .. } => StepType::Request,
            Step::Custom => StepType::Custom,
            Step::Call(_) => StepType::Call,
        }
    }

    /// "cpu", "wait" or "connect", as exports name step kinds.
    pub fn kind(&self) -> StepKind {
        match self {
            Step::Wait(_) | Step::Request { .. } | Step::Call(CallPart::Blocked) => StepKind::Wait,
            Step::Connect => StepKind::Connect,
            Step::Divide { .. } | Step::Custom | Step::Call(CallPart::Compute) => StepKind::Cpu,
        }
    }
}

/// A [`Step`]'s variant without its data: what a workload's plans may hold and what an
/// approach declares it can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepType {
    /// [`Step::Wait`].
    Wait,
    /// [`Step::Divide`].
    Divide,
    /// [`Step::Connect`].
    Connect,
    /// [`Step::Request`].
    Request,
    /// [`Step::Custom`].
    Custom,
    /// [`Step::Call`].
    Call,
}

impl StepType {
    /// Every kind of step.
    pub const ALL: &[StepType] = &[
        StepType::Wait,
        StepType::Divide,
        StepType::Connect,
        StepType::Request,
        StepType::Custom,
        StepType::Call,
    ];
}

/// Whether a step computes or waits, and which waits are a connection being opened (shown
/// apart, so that connecting is not mistaken for the server's answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Trial division.
    Cpu,
    /// A wait.
    Wait,
    /// A connection being opened: a wait too, for every model of the work.
    Connect,
}

impl StepKind {
    /// True for the kinds that wait rather than compute: what the ideal, the pictures and the
    /// progress display ask, so that a kind of wait is never mistaken for computation.
    pub fn waits(self) -> bool {
        match self {
            StepKind::Wait | StepKind::Connect => true,
            StepKind::Cpu => false,
        }
    }
}

/// A task's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// The number is (true) or is not (false) prime.
    Prime(bool),
    /// The task had nothing to answer and finished.
    Done,
    /// A network task failed: its connection or a reply went wrong.
    Failed(NetFault),
    /// The task's custom work failed (a command's non-zero exit, a user's check said no).
    CustomFailed,
}

/// How a network task failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetFault {
    /// The server refused the connection (or could not be reached).
    Refused,
    /// The connection was reset or broke while in use.
    Reset,
    /// A reply ended before its announced length, or announced the wrong length.
    Short,
    /// A reply's checksum did not match what was asked for.
    Mismatch,
}

impl NetFault {
    const ALL: [NetFault; 4] = [
        NetFault::Refused,
        NetFault::Reset,
        NetFault::Short,
        NetFault::Mismatch,
    ];

    /// In words, for the run's problem line.
    pub fn describe(self) -> &'static str {
        match self {
            NetFault::Refused => "connection refused",
            NetFault::Reset => "connection reset",
            NetFault::Short => "short or mis-sized reply",
            NetFault::Mismatch => "reply failed its checksum",
        }
    }
}

impl Answer {
    /// A compact code for lock-free storage (0 means "no answer yet").
    pub fn code(self) -> u8 {
        match self {
            Answer::Prime(false) => 1,
            Answer::Prime(true) => 2,
            Answer::Done => 3,
            Answer::Failed(f) => 4 + NetFault::ALL.iter().position(|&x| x == f).unwrap_or(0) as u8,
            Answer::CustomFailed => 8,
        }
    }

    /// The inverse of [`Answer::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Answer::Prime(false)),
            2 => Some(Answer::Prime(true)),
            3 => Some(Answer::Done),
            n @ 4..=7 => Some(Answer::Failed(NetFault::ALL[n as usize - 4])),
            8 => Some(Answer::CustomFailed),
            _ => None,
        }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Answer::Prime(true) => "prime",
            Answer::Prime(false) => "composite",
            Answer::Done => "done",
            Answer::Failed(fault) => return write!(f, "failed ({})", fault.describe()),
            Answer::CustomFailed => "failed",
        })
    }
}

/// Splits trial division of `number` at the given fractions of its divisor range, for
/// workloads that interleave waits with the computation.
fn divide_steps(number: u64, cuts: &[(u64, u64)]) -> Vec<Step> {
    let (from, to) = primes::divisor_range(number);
    let span = to.saturating_sub(from) + 1;
    let mut start = from;
    let mut steps = Vec::new();
    for &(num, den) in cuts {
        let end = (from + span * num / den).saturating_sub(1).min(to);
        if end >= start {
            steps.push(Step::Divide {
                from: start,
                to: end,
            });
            start = end + 1;
        }
    }
    if start <= to || steps.is_empty() {
        steps.push(Step::Divide { from: start, to });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(workload: WorkloadKind, number: u64) -> WorkSpec {
        WorkSpec {
            workload,
            number,
            io_wait_ns: 5,
            net: NetSpec::default(),
        }
    }

    #[test]
    fn mixed_waits_at_the_four_points_and_covers_every_divisor() {
        let plan = spec(WorkloadKind::Mixed, 1_000_000_007).plan();
        let kinds: Vec<StepKind> = plan.iter().map(Step::kind).collect();
        use StepKind::*;
        assert_eq!(kinds, [Wait, Cpu, Wait, Cpu, Wait, Cpu, Wait]);
        let ranges: Vec<(u64, u64)> = plan
            .iter()
            .filter_map(|s| match *s {
                Step::Divide { from, to } => Some((from, to)),
                Step::Wait(_)
                | Step::Connect
                | Step::Request { .. }
                | Step::Custom
                | Step::Call(_) => None,
            })
            .collect();
        assert_eq!(ranges.first().unwrap().0, 2);
        assert_eq!(ranges.last().unwrap().1, primes::isqrt(1_000_000_007));
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0, "contiguous: {ranges:?}");
        }
    }

    #[test]
    fn tiny_numbers_still_plan_a_division() {
        for n in [0u64, 1, 2, 3] {
            let plan = spec(WorkloadKind::Mixed, n).plan();
            assert_eq!(
                plan.iter().filter(|s| s.kind() == StepKind::Wait).count(),
                4
            );
        }
    }

    #[test]
    fn plans_and_answers() {
        assert_eq!(
            spec(WorkloadKind::Cpu, 97).plan(),
            [Step::Divide { from: 2, to: 9 }]
        );
        assert_eq!(spec(WorkloadKind::Io, 97).plan(), [Step::Wait(5)]);
        assert!(spec(WorkloadKind::Noop, 97).plan().is_empty());
        assert_eq!(
            spec(WorkloadKind::Cpu, 97).expected_answer(),
            Answer::Prime(true)
        );
        assert_eq!(
            spec(WorkloadKind::Mixed, 98).expected_answer(),
            Answer::Prime(false)
        );
        assert_eq!(spec(WorkloadKind::Io, 98).expected_answer(), Answer::Done);
        assert_eq!(spec(WorkloadKind::Mixed, 98).wait_per_task().as_nanos(), 20);
    }

    #[test]
    fn answer_codes_round_trip() {
        let failed = NetFault::ALL.map(Answer::Failed);
        for a in [
            Answer::Prime(true),
            Answer::Prime(false),
            Answer::Done,
            Answer::CustomFailed,
        ]
        .into_iter()
        .chain(failed)
        {
            assert_eq!(Answer::from_code(a.code()), Some(a));
        }
        assert_eq!(Answer::from_code(0), None);
    }
}
