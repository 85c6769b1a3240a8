//! The [`Plan`]: what to run, as a value, and [`PlanBuilder`], the one way to make one. The
//! command line, interactive mode, the sweep, the demos and [`crate::lab::Lab`] all build a
//! plan here; every check that can fail on the plan happens in [`PlanBuilder::build`], before
//! anything runs. How results are shown is not part of a plan: it stays with the front end.

use std::time::Duration;

use crate::error::UsageError;
use crate::machine::PythonFacts;
use crate::plan::approaches::{self, ApproachId, ApproachInfo, catalogue};
pub use crate::plan::implied::Chosen;
use crate::plan::settings::ApproachSettings;
use crate::plan::vocabulary::Vocabulary;
use crate::plan::workload::{WorkSpec, WorkloadKind};
use crate::plan::{implied, load, max_time, net, plan_cost};

/// What the user asked for; `None` means "decide from the first run".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repetitions {
    /// Measured runs per approach (`--runs`).
    pub runs: Option<u32>,
    /// Warm-up runs per approach (`--warmup`).
    pub warmup: Option<u32>,
}

/// What `--command` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    /// The command, `{task}` not yet replaced.
    pub command: String,
    /// `--show-output`.
    pub show_output: bool,
}

/// Everything a run needs to know about what to run, checked.
#[derive(Clone)]
pub struct Plan {
    /// What every task does.
    pub work: WorkSpec,
    /// How many tasks.
    pub tasks: u32,
    /// Workers for approaches with a pool.
    pub pool_size: usize,
    /// Tasks per chunk for `process-pool-chunked` (None: Python's `Pool.starmap` default).
    pub chunk_size: Option<u32>,
    /// The approaches asked for, in the user's order.
    pub approaches: Vec<&'static ApproachInfo>,
    /// Whether to measure `sequential` as the baseline even if not asked for.
    pub baseline: bool,
    /// Why the baseline was skipped, when it was skipped without being asked to.
    pub baseline_skipped: Option<String>,
    /// Which approaches `all` left out because the workload refuses them, and why.
    pub approaches_skipped: Option<String>,
    /// The command each task runs (`--command`), for the `command` workload.
    pub command: Option<CommandSettings>,
    /// One note per implied approach (`all`) the settings rule out, saying why it was skipped.
    pub skipped: Vec<String>,
    /// Use the deterministic mock executor.
    pub mock: bool,
    /// Logical cores of the machine (the mock machine's under `mock`).
    pub logical_cores: usize,
    /// Warm-up and measured runs per approach, as asked.
    pub repetitions: Repetitions,
    /// The longest a task of a process approach may run before the run stops (`--task-timeout`).
    pub task_timeout: Option<Duration>,
    /// The interpreter the Python approaches run on, when the run has any (None under `mock`).
    pub python: Option<PythonFacts>,
    /// `--wait-idle` and `--mock-load`.
    pub load: load::LoadSettings,
    /// `--max-time`: the whole plan's deadline (None: no limit, and always under the mock).
    pub max_time: Option<Duration>,
    /// The line estimating a long plan's cost, printed before it runs (see
    /// `plan_cost::PlanCost::line`).
    pub plan_line: Option<String>,
    /// How the approaches run: interpreter, cluster layout, worker program, custom work.
    pub approach: ApproachSettings,
    /// How the front end that built the plan names its settings, for the notes' advice.
    pub vocabulary: Vocabulary,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("work", &self.work)
            .field("tasks", &self.tasks)
            .field("pool_size", &self.pool_size)
            .field("chunk_size", &self.chunk_size)
            .field(
                "approaches",
                &self.approaches.iter().map(|a| a.id).collect::<Vec<_>>(),
            )
            .field("baseline", &self.baseline)
            .field("mock", &self.mock)
            .field("repetitions", &self.repetitions)
            .finish()
    }
}

/// The longest the baseline may be expected to wait before parlab skips it unasked, s.
const BASELINE_WAIT_LIMIT_S: f64 = 60.0;

/// The most tasks a run may have: every task's events are kept in memory (about 100 bytes
/// each, more for async tasks in flight), so far more would exhaust memory rather than teach.
pub const MAX_TASKS: u64 = 1_000_000;

/// The largest pool.
pub const MAX_POOL: usize = 4096;

/// The seed tool's default number: prime, about 0.1 s of trial division.
pub const DEFAULT_NUMBER: u64 = 834_238_027_356_431;

/// Twice the logical cores, at least 4: every parallel approach has work for every core.
pub fn default_tasks(logical_cores: usize) -> u32 {
    (2 * logical_cores).max(4) as u32
}

/// Finds the Python interpreter for the Python approaches among those given (see
/// [`PlanBuilder::python_probe`]).
pub type PythonProbe =
    Box<dyn FnOnce(&[&'static ApproachInfo]) -> Result<Option<PythonFacts>, UsageError>>;

/// Builds a [`Plan`]: set what differs from the defaults, then [`PlanBuilder::build`].
pub struct PlanBuilder {
    work: WorkSpec,
    tasks: Option<u32>,
    pool_size: Option<usize>,
    chunk_size: Option<u32>,
    chosen: Vec<Chosen>,
    baseline: bool,
    command: Option<CommandSettings>,
    mock: bool,
    logical_cores: Option<usize>,
    repetitions: Repetitions,
    task_timeout: Option<Duration>,
    python_probe: Option<PythonProbe>,
    load: load::LoadSettings,
    max_time: Option<Duration>,
    settings: ApproachSettings,
    estimate: bool,
    vocabulary: Vocabulary,
}

impl Plan {
    /// A builder with the defaults: the `cpu` workload on the default number, twice the cores
    /// in tasks, a pool of one worker per core, no approach yet, the baseline on.
    pub fn builder() -> PlanBuilder {
        PlanBuilder {
            work: WorkSpec {
                workload: WorkloadKind::Cpu,
                number: DEFAULT_NUMBER,
                io_wait_ns: 250_000_000,
                net: crate::plan::workload::NetSpec::DEFAULT,
            },
            tasks: None,
            pool_size: None,
            chunk_size: None,
            chosen: Vec::new(),
            baseline: true,
            command: None,
            mock: false,
            logical_cores: None,
            repetitions: Repetitions::default(),
            task_timeout: None,
            python_probe: None,
            load: load::LoadSettings::default(),
            max_time: None,
            settings: ApproachSettings::default(),
            estimate: true,
            vocabulary: Vocabulary::Flags,
        }
    }

    /// The baseline the speedups are measured against: `sequential`, or `py-sequential` for
    /// work only the Python approaches run (a Python function).
    pub fn baseline_approach(&self) -> &'static ApproachInfo {
        baseline_for(self.work.workload)
    }

    /// The approaches to run, in order: the baseline (when wanted) first, then the user's order.
    pub fn schedule(&self) -> Vec<&'static ApproachInfo> {
        let sequential = self.baseline_approach();
        let mut order: Vec<&'static ApproachInfo> = Vec::new();
        if self.baseline || self.approaches.iter().any(|a| a.key == sequential.key) {
            order.push(sequential);
        }
        for a in &self.approaches {
            if !order.iter().any(|o| o.key == a.key) {
                order.push(*a);
            }
        }
        order
    }
}

impl PlanBuilder {
    /// What every task does.
    pub fn work(mut self, work: WorkSpec) -> Self {
        self.work = work;
        self
    }

    /// How many tasks (default: twice the logical cores, at least 4).
    pub fn tasks(mut self, tasks: u32) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// Workers for the pooled approaches (default: one per logical core).
    pub fn pool_size(mut self, pool_size: usize) -> Self {
        self.pool_size = Some(pool_size);
        self
    }

    /// Tasks per chunk for `process-pool-chunked`.
    pub fn chunk_size(mut self, chunk_size: Option<u32>) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Adds approaches by name, in order: one that cannot run this plan is an error.
    pub fn approaches(mut self, ids: impl IntoIterator<Item = ApproachId>) -> Self {
        for id in ids {
            self.choose(Chosen {
                info: id.info(),
                named: true,
            });
        }
        self
    }

    /// Adds a selection as [`parse_approaches`] reads it (named ones and implied ones).
    pub fn chosen(mut self, chosen: impl IntoIterator<Item = Chosen>) -> Self {
        for c in chosen {
            self.choose(c);
        }
        self
    }

    fn choose(&mut self, c: Chosen) {
        match self.chosen.iter_mut().find(|o| o.info.key == c.info.key) {
            Some(o) => o.named |= c.named,
            None => self.chosen.push(c),
        }
    }

    /// How the front end names its settings in the notes' advice (default: its flags).
    pub fn vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// Whether to measure `sequential` as the baseline even if not asked for (default: yes).
    pub fn baseline(mut self, baseline: bool) -> Self {
        self.baseline = baseline;
        self
    }

    /// The command each task runs, for the `command` workload.
    pub fn command(mut self, command: Option<CommandSettings>) -> Self {
        self.command = command;
        self
    }

    /// Runs on the deterministic mock executor: figures made up, nothing measured.
    pub fn mock(mut self, mock: bool) -> Self {
        self.mock = mock;
        self
    }

    /// The machine's logical cores (default: this machine's, or the mock machine's).
    pub fn logical_cores(mut self, cores: usize) -> Self {
        self.logical_cores = Some(cores);
        self
    }

    /// Warm-up and measured runs per approach (default: decided from the first run).
    pub fn repetitions(mut self, repetitions: Repetitions) -> Self {
        self.repetitions = repetitions;
        self
    }

    /// The longest a task of a process approach may run.
    pub fn task_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.task_timeout = timeout;
        self
    }

    /// How the interpreter for the Python approaches is found, when the plan has any: given
    /// the approaches that passed every other check.
    pub fn python_probe(mut self, probe: PythonProbe) -> Self {
        self.python_probe = Some(probe);
        self
    }

    /// Waiting for an idle machine, and a mock machine's load.
    pub fn load(mut self, load: load::LoadSettings) -> Self {
        self.load = load;
        self
    }

    /// The whole plan's deadline (ignored under the mock).
    pub fn max_time(mut self, max_time: Option<Duration>) -> Self {
        self.max_time = max_time;
        self
    }

    /// How the approaches run: interpreter, cluster layout, worker program, custom work.
    pub fn settings(mut self, settings: ApproachSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Whether to estimate the plan's cost (refusing one `max_time` cannot hold); off for
    /// plans whose sizes a caller runs one by one (a sweep estimates its own).
    pub fn estimate(mut self, estimate: bool) -> Self {
        self.estimate = estimate;
        self
    }

    /// Checks everything and gives the plan, or the first problem, naming what to change.
    pub fn build(self) -> Result<Plan, UsageError> {
        let logical_cores = self.logical_cores.unwrap_or(if self.mock {
            crate::machine::MOCK_CORES
        } else {
            crate::machine::logical_cores()
        });
        let tasks = self.tasks.unwrap_or_else(|| default_tasks(logical_cores));
        if tasks == 0 || u64::from(tasks) > MAX_TASKS {
            return Err(UsageError::bad(
                "--tasks",
                format!("{tasks} tasks"),
                format!("give a whole number from 1 to {MAX_TASKS}"),
            ));
        }
        let pool_size = self.pool_size.unwrap_or(logical_cores);
        if pool_size == 0 || pool_size > MAX_POOL {
            return Err(UsageError::bad(
                "--pool-size",
                format!("a pool of {pool_size}"),
                format!("give a whole number from 1 to {MAX_POOL}"),
            ));
        }
        if self.chosen.is_empty() {
            return Err(UsageError::bad(
                "--approach",
                "no approach given",
                format!(
                    "use all, python or a comma list of: {}",
                    approaches::valid_ids()
                ),
            ));
        }
        let work = self.work;
        let workload = work.workload;
        let mut chosen = self.chosen;
        let approaches_skipped = refuse_approaches(workload, &mut chosen)?;
        // The mock executor makes its figures up: no run of it takes long.
        let max_time = self.max_time.filter(|_| !self.mock);
        let mut settings = self.settings;
        let (approaches, skipped) = implied::screen(chosen, |a| {
            approaches::check_room(a, tasks, pool_size, &settings)?;
            max_time::check(a, &work, tasks, pool_size, logical_cores, max_time)
        })?;
        let wants_python = approaches.iter().any(|a| approaches::is_python(a));
        let python = match self.python_probe {
            Some(probe) if !self.mock => probe(&approaches)?,
            None if wants_python && !self.mock => {
                return Err(UsageError::bad(
                    "--approach",
                    "the Python approaches need an interpreter, and none was looked for",
                    "leave out the py-* approaches",
                ));
            }
            _ => None,
        };
        if python.is_none() {
            settings.interpreter = None;
        }
        if workload.needs_server() && !self.mock {
            let open_files = crate::machine::limits::open_files().0;
            net::check_connections(&approaches, tasks, pool_size, open_files)?;
        }
        let baseline_key = baseline_for(workload).key;
        let asked_sequential = approaches.iter().any(|a| a.key == baseline_key);
        let baseline_wait = work.wait_per_task().as_secs_f64() * tasks as f64;
        let mut baseline = self.baseline;
        let mut baseline_skipped = None;
        if baseline && !asked_sequential && baseline_wait > BASELINE_WAIT_LIMIT_S {
            baseline = false;
            baseline_skipped = Some(format!(
                "no speedups: the sequential baseline would wait {} ({tasks} tasks one after another); \
                 add it with --approach sequential,... or use fewer --tasks",
                crate::format::format_seconds(baseline_wait)
            ));
        }
        let mut plan = Plan {
            work,
            tasks,
            pool_size,
            chunk_size: self.chunk_size,
            approaches,
            baseline,
            baseline_skipped,
            approaches_skipped,
            command: self.command,
            skipped,
            mock: self.mock,
            logical_cores,
            repetitions: self.repetitions,
            task_timeout: self.task_timeout,
            python,
            load: self.load,
            max_time,
            plan_line: None,
            approach: settings,
            vocabulary: self.vocabulary,
        };
        if self.estimate && !plan.mock {
            plan.check_cost(asked_sequential)?;
        }
        Ok(plan)
    }
}

impl Plan {
    /// Estimates the whole plan (see [`plan_cost`]): refuses one that `--max-time` could not
    /// hold, and keeps the line to print before a long one.
    fn check_cost(&mut self, asked_sequential: bool) -> Result<(), UsageError> {
        let order = self.schedule();
        let cost = plan_cost::PlanCost::of(
            &order,
            self.baseline && !asked_sequential,
            &self.work,
            self.tasks,
            self.pool_size,
            self.logical_cores,
            self.repetitions,
            plan_cost::division_s(),
        );
        cost.check(self.max_time)?;
        self.plan_line = cost.line(self.max_time);
        Ok(())
    }

    /// A plan set up by code rather than flags (the demos): exactly these approaches, one run
    /// each, no added baseline, nothing estimated.
    pub fn programmatic(
        work: WorkSpec,
        tasks: u32,
        pool_size: usize,
        approaches: Vec<&'static ApproachInfo>,
        logical_cores: usize,
        mock: bool,
    ) -> Self {
        Self {
            work,
            tasks,
            pool_size,
            approaches,
            baseline: false,
            baseline_skipped: None,
            approaches_skipped: None,
            command: None,
            skipped: Vec::new(),
            mock,
            load: load::LoadSettings::default(),
            logical_cores,
            python: None,
            chunk_size: None,
            // One run each, as the Python demos do.
            repetitions: Repetitions {
                runs: Some(1),
                warmup: Some(0),
            },
            task_timeout: None,
            max_time: None,
            plan_line: None,
            approach: ApproachSettings::default(),
            vocabulary: Vocabulary::Flags,
        }
    }
}

/// `sequential`, or `py-sequential` where `sequential` cannot run `workload`.
fn baseline_for(workload: WorkloadKind) -> &'static ApproachInfo {
    if approaches::refusal(&catalogue::SEQUENTIAL, workload).is_none() {
        &catalogue::SEQUENTIAL
    } else {
        &catalogue::PY_SEQUENTIAL
    }
}

/// Drops the approaches `workload` cannot run: one named is refused (exit 2), one implied is
/// left out, and the note returned says which and why.
fn refuse_approaches(
    workload: WorkloadKind,
    chosen: &mut Vec<Chosen>,
) -> Result<Option<String>, UsageError> {
    let mut skipped = Vec::new();
    for c in chosen.iter() {
        let id = c.info.id;
        if let Some(reason) = approaches::refusal(c.info, workload) {
            if c.named {
                return Err(UsageError::bad(
                    "--approach",
                    format!("{id} cannot run the {} workload: {reason}", workload.id()),
                    "leave it out",
                ));
            }
            skipped.push(id);
        }
    }
    chosen.retain(|c| approaches::refusal(c.info, workload).is_none());
    if chosen.is_empty() {
        let able: Vec<&str> = catalogue::ALL
            .iter()
            .filter(|a| approaches::refusal(a, workload).is_none())
            .map(|a| a.id)
            .collect();
        return Err(UsageError::bad(
            "--approach",
            format!("no approach given can run the {} workload", workload.id()),
            format!("name one of {}", able.join(", ")),
        ));
    }
    Ok((!skipped.is_empty()).then(|| {
        format!(
            "not run on the {} workload: {} (each refuses it; --approach with its name says why)",
            workload.id(),
            skipped.join(", ")
        )
    }))
}

/// Parses `--approach`: a comma list of ids, `all` (every Rust approach) or `python` (every
/// Python one), in order and without repeats.
pub fn parse_approaches(text: &str) -> Result<Vec<Chosen>, UsageError> {
    let mut out: Vec<Chosen> = Vec::new();
    let mut add = |c: Chosen| match out.iter_mut().find(|o| o.info.key == c.info.key) {
        Some(o) => o.named |= c.named,
        None => out.push(c),
    };
    for id in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        // `all` is every Rust approach; `python` every Python one (a CPython task of the
        // default number takes seconds, so they are asked for by name).
        if id == "all" || id == "python" {
            let python = id == "python";
            for a in catalogue::ALL {
                if approaches::is_python(a) == python {
                    add(Chosen {
                        info: a,
                        named: false,
                    });
                }
            }
            continue;
        }
        let info = approaches::find(id).ok_or_else(|| {
            UsageError::bad(
                "--approach",
                format!("unknown approach '{id}'"),
                format!(
                    "use all, python or a comma list of: {}",
                    approaches::valid_ids()
                ),
            )
        })?;
        add(Chosen { info, named: true });
    }
    if out.is_empty() {
        return Err(UsageError::bad(
            "--approach",
            "no approach given",
            format!(
                "use all, python or a comma list of: {}",
                approaches::valid_ids()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&'static str> {
        parse_approaches(text)
            .unwrap()
            .iter()
            .map(|c| c.info.id)
            .collect()
    }

    #[test]
    fn approach_lists() {
        // `all` is every Rust approach, `python` every Python one; together, the catalogue.
        let all = parse_approaches("all").unwrap();
        assert!(
            all.iter()
                .all(|c| !approaches::is_python(c.info) && !c.named)
        );
        let python = ids("python");
        assert_eq!(python.len(), 7);
        assert!(python.iter().all(|id| id.starts_with("py-")));
        assert_eq!(ids("all,python,threads").len(), catalogue::ALL.len());
        let both = parse_approaches("all,threads").unwrap();
        assert!(both.iter().find(|c| c.info.id == "threads").unwrap().named);
        assert_eq!(ids("threads, rayon,threads"), ["threads", "rayon"]);
        let e = parse_approaches("threads,fibers")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("fibers") && e.contains("thread-pool"), "{e}");
        assert_eq!(default_tasks(1), 4);
        assert_eq!(default_tasks(8), 16);
    }

    #[test]
    fn a_plan_is_built_from_values_and_checked() {
        let plan = Plan::builder()
            .approaches([ApproachId::Threads, ApproachId::Rayon])
            .tasks(3)
            .pool_size(2)
            .mock(true)
            .build()
            .unwrap();
        let order: Vec<_> = plan.schedule().iter().map(|a| a.id).collect();
        assert_eq!(order, ["sequential", "threads", "rayon"]);
        assert_eq!(plan.logical_cores, crate::machine::MOCK_CORES);
        let e = Plan::builder().mock(true).build().unwrap_err().to_string();
        assert!(e.starts_with("--approach: no approach given"), "{e}");
        let e = Plan::builder()
            .approaches([ApproachId::Threads])
            .tasks(0)
            .mock(true)
            .build()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--tasks"), "{e}");
        // A Python approach without a way to find its interpreter is refused, not guessed.
        let e = Plan::builder()
            .approaches([ApproachId::PyThreads])
            .build()
            .unwrap_err()
            .to_string();
        assert!(e.contains("interpreter"), "{e}");
    }
}
