//! The menu's "Your own Python function": `parlab run --py-func` as questions. The function's
//! file and name, the tasks and the pool size are asked; the plan is the py-* approaches on the
//! `pyfunc` workload, checked (and the function imported) by the same code as `parlab run`'s.

use inquire::validator::Validation;
use inquire::{InquireError, Text};

use crate::app::config;
use crate::machine::logical_cores;
use crate::plan::approaches::{self as approach, ApproachInfo};
use crate::plan::py_func::{PyFunction, PyTarget};
use crate::plan::settings::ApproachSettings;
use crate::plan::workload::{NetSpec, WorkSpec, WorkloadKind};
use crate::plan::{Chosen, Plan, Repetitions};

/// The answers to one round of questions.
pub(super) struct Answers {
    target: String,
    tasks: String,
    pool_size: String,
}

/// Asks for the function, the tasks and the pool size, each with its default on Enter (the
/// answers given last time when asking again).
pub(super) fn ask(previous: Option<&Answers>) -> Result<Answers, InquireError> {
    let target = Text::new("Your Python function (FILE.py:NAME or package.module:NAME):")
        .with_default(previous.map_or("examples/python/cpu_loop.py:work", |p| &p.target))
        .with_help_message("called as NAME(task) for each task index; an async def is awaited")
        .with_validator(|s: &str| {
            Ok(match PyTarget::parse("function", s) {
                Ok(_) => Validation::Valid,
                Err(e) => Validation::Invalid(e.to_string().into()),
            })
        })
        .prompt()?;
    let default_tasks = config::default_tasks(logical_cores()).to_string();
    let tasks = Text::new("How many tasks (calls)?")
        .with_default(previous.map_or(&default_tasks, |p| &p.tasks))
        .with_validator(|s: &str| {
            Ok(match config::parse_count("tasks", s, config::MAX_TASKS) {
                Ok(_) => Validation::Valid,
                Err(e) => Validation::Invalid(e.to_string().into()),
            })
        })
        .prompt()?;
    let cores = logical_cores().to_string();
    let pool_size = Text::new("Pool size?")
        .with_default(previous.map_or(&cores, |p| &p.pool_size))
        .with_help_message("workers of the pooled approaches; the machine has this many cores")
        .with_validator(|s: &str| {
            Ok(match config::parse_count("pool size", s, 4096) {
                Ok(_) => Validation::Valid,
                Err(e) => Validation::Invalid(e.to_string().into()),
            })
        })
        .prompt()?;
    Ok(Answers {
        target,
        tasks,
        pool_size,
    })
}

/// The plan the answers stand for: every py-* approach calling the function, py-sequential
/// first (the values' reference), one run each as the rest of the menu.
pub(super) fn build(a: &Answers) -> anyhow::Result<Plan> {
    let func = PyFunction::new(PyTarget::parse("--py-func", &a.target)?, None);
    let tasks = config::parse_count("--tasks", &a.tasks, config::MAX_TASKS)? as u32;
    let pool_size = config::parse_count("--pool-size", &a.pool_size, 4096)? as usize;
    let chosen: Vec<Chosen> = approach::catalogue::ALL
        .iter()
        .filter(|a| approach::is_python(a))
        .map(|info| Chosen { info, named: true })
        .collect();
    let settings = ApproachSettings {
        python_function: Some(func),
        ..ApproachSettings::default()
    };
    let mut plan = Plan::builder()
        .work(WorkSpec {
            workload: WorkloadKind::parse("pyfunc").expect("the pyfunc workload is registered"),
            number: 0,
            io_wait_ns: 0,
            net: NetSpec::DEFAULT,
        })
        .tasks(tasks)
        .pool_size(pool_size)
        .chosen(chosen)
        .baseline(false)
        .repetitions(Repetitions {
            runs: Some(1),
            warmup: Some(0),
        })
        .python_probe(Box::new(|a: &[&'static ApproachInfo]| {
            config::check_python(None, a)
        }))
        .settings(settings)
        .build()?;
    config::probe_function(&mut plan)?;
    Ok(plan)
}
