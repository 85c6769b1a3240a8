//! The interactive mode: `parlab` with no arguments in a terminal.
//!
//! It is the seed Python tool's loop, made impossible to crash: a menu of approaches, a few
//! questions with defaults, a measured run with live progress, the running table of every run so
//! far, and at the end a bar graph of the session that can be saved. Answers become the same
//! `parlab run` arguments a script would pass, so they are checked by exactly the same code
//! ([`crate::app::config`]); an invalid answer is explained and asked again.

mod menu;
mod py_func;
mod session;
mod signals;
mod summary;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use inquire::validator::Validation;
use inquire::{Confirm, InquireError, Select, Text};

use crate::app::config::{self, DEFAULT_NUMBER};
use crate::cancel::Cancel;
use crate::judge::report::Report;
use crate::machine::{Machine, logical_cores};
use crate::plan::approaches as approach;
use crate::plan::approaches::ApproachInfo;
use crate::plan::workload::{WorkSpec, WorkloadKind};
use crate::plan::{Chosen, Plan, Repetitions};
use crate::run::bench::{self, RealExecutor, Stop};
use crate::run::serve::executor::Serving;
use crate::say;
use crate::show::export::chart;
use crate::show::output::{self, bars, progress};
use menu::Choice;
pub use session::{Session, SessionRun};
use std::time::Duration;

/// How a prompt ended, when it did not give an answer.
enum Interrupt {
    /// Esc: back to the menu (at the menu: finish).
    Back,
    /// Ctrl-C: finish the session.
    Finish,
}

fn interrupt(e: InquireError) -> anyhow::Result<Interrupt> {
    match e {
        InquireError::OperationCanceled => Ok(Interrupt::Back),
        InquireError::OperationInterrupted => Ok(Interrupt::Finish),
        other => Err(other.into()),
    }
}

/// The kinds of I/O the menu offers once I/O is simulated: the seed tool's sleeps, or `net`.
const IO_KINDS: [&str; 2] = [
    "sleeps: a wait before the test, at 1/3, at 1/2 and after it",
    "real network requests to a local server (no computation)",
];

/// The answers to one round of questions.
struct Answers {
    number: String,
    tasks: String,
    pool_size: String,
    io_wait: Option<String>,
    /// Real network requests to a local server instead of sleeps (`net` work).
    net: bool,
}

/// Runs the interactive session until the user finishes it.
pub fn run_session() -> anyhow::Result<ExitCode> {
    let cancel = Cancel::on_signals()?;
    say::stop_run_on_failure(&cancel);
    let prompts = signals::PromptGuard::start(&cancel);
    let ascii = !crate::format::locale_is_utf8();
    let mut session = Session::new(Machine::detect());
    let welcome = "parlab: the same work under every approach. Pick one; results add up until \
                   you ask for the bar graph.";
    let width = output::terminal_width().unwrap_or(80) as usize;
    say::out_line(crate::format::wrap(welcome, width.max(20), "", "").join("\n"));
    loop {
        let width = output::terminal_width().unwrap_or(80) as usize;
        let menu = menu::items(width, ascii);
        let page = menu.len();
        let scorer =
            |typed: &str, _: &menu::MenuItem, text: &str, i: usize| menu::score(typed, text, i);
        let item = match Select::new("Which approach?", menu)
            .with_page_size(page)
            .with_scorer(&scorer)
            .with_formatter(&|chosen| chosen.value.head().to_string())
            .with_help_message("type a number or a name, ↑↓ to move, Enter to choose, Esc to end")
            .prompt()
        {
            Ok(item) => item,
            Err(e) => {
                interrupt(e)?;
                break;
            }
        };
        let approaches: Vec<&'static str> = match item.choice {
            Choice::Finish => break,
            // Every Rust approach, as `--approach all`: the Python ones are chosen one by one.
            Choice::All => approach::catalogue::ALL
                .iter()
                .filter(|a| !approach::is_python(a))
                .map(|a| a.id)
                .collect(),
            Choice::Approach(id) => vec![id],
            Choice::PythonFunction => Vec::new(),
        };
        // Each answer is checked as it is given; what only the answers together rule out (a
        // run too long) is explained in the questions' words and asked again, the answers
        // given so far offered as the defaults.
        let mut previous: Option<Answers> = None;
        let mut asked: Option<py_func::Answers> = None;
        let built = loop {
            if item.choice == Choice::PythonFunction {
                let answers = match py_func::ask(asked.as_ref()) {
                    Ok(a) => a,
                    Err(e) => break Err(interrupt(e)?),
                };
                match py_func::build(&answers) {
                    Ok(cfg) => break Ok(cfg),
                    Err(e) => {
                        say::err_line(for_person(&e));
                        asked = Some(answers);
                    }
                }
                continue;
            }
            let answers = match ask(&approaches, previous.as_ref()) {
                Ok(a) => a,
                Err(e) => break Err(interrupt(e)?),
            };
            match build_config(&approaches, &answers) {
                Ok(cfg) => break Ok(cfg),
                Err(e) => {
                    say::err_line(for_person(&e));
                    previous = Some(answers);
                }
            }
        };
        let mut cfg = match built {
            Ok(cfg) => cfg,
            Err(Interrupt::Back) => continue,
            Err(Interrupt::Finish) => break,
        };
        cancel.reset();
        prompts.at_prompt(false);
        let serving = match Serving::start(&mut cfg.work, false, &cfg.approach) {
            Ok(s) => s,
            Err(message) => {
                crate::say::report_error(format!("error: {message}"));
                prompts.at_prompt(true);
                continue;
            }
        };
        let mut observer = progress::observer(true, cfg.pool_size, ascii);
        let outcome = bench::run_all(
            &cfg,
            &serving.executor(&RealExecutor),
            &cancel,
            observer.as_mut(),
        );
        drop(observer); // its bars are gone before anything else is printed
        if let Some(server) = serving.stop() {
            crate::say::out_line(server.line());
        }
        let report = crate::judge::notes::annotate(
            Report::build(&cfg, session.machine.clone(), &outcome.measurements),
            &cfg,
        );
        match &outcome.stop {
            Some(Stop::Signal(_)) => {
                say::out_line("Run stopped. Earlier results are kept.");
            }
            Some(Stop::Failed(message)) => {
                say::err_line(format!("error: {}", crate::format::plain(message)));
            }
            None => {}
        }
        if let Some(signal) = cancel.signal().filter(|&s| signals::ends_session(s)) {
            return Ok(ExitCode::from(crate::cancel::exit_status_for(signal)));
        }
        cancel.reset();
        prompts.at_prompt(true);
        if !report.results.is_empty() {
            session.add(&cfg, &report);
            summary::print_run_summary(&session, &report);
        }
    }
    finish(&session, ascii)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the session's bar graph and offers to save it with every run's figures.
fn finish(session: &Session, ascii: bool) -> anyhow::Result<()> {
    if session.runs.is_empty() {
        say::out_line("No runs this session, so no bar graph. Bye.");
        return Ok(());
    }
    let bars = session.bars();
    let width = output::terminal_width().unwrap_or(80) as usize;
    say::out_line(format!(
        "\nEvery run of this session:\n{}",
        bars::render(&bars, width, ascii)
    ));
    let save = Confirm::new("Save the bar graph (SVG or PNG) and every run (JSON)?")
        .with_default(false)
        .prompt();
    match save {
        Ok(true) => {}
        Ok(false) => return Ok(()),
        Err(e) => {
            interrupt(e)?;
            return Ok(());
        }
    }
    let suggested = session.suggested_path("svg");
    let answer = Text::new("Save the chart to:")
        .with_default(&suggested.display().to_string())
        .with_help_message("a file name ending in .svg or .png; the runs go beside it as .json")
        .with_validator(|s: &str| Ok(check(config::parse_chart(Path::new(s.trim())))))
        .prompt();
    let path = match answer {
        Ok(p) => PathBuf::from(p.trim()),
        Err(e) => {
            interrupt(e)?;
            return Ok(());
        }
    };
    let (path, format) = config::parse_chart(&path)?;
    let bytes = chart::render(&bars, &session.title(), format)?;
    crate::show::outfile::write(&path, &bytes)
        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
    let json = path.with_extension("json");
    session.write_json(&json)?;
    say::out_line(format!("Saved {} and {}.", path.display(), json.display()));
    Ok(())
}

/// Why the answers together cannot run, said to a person who answered questions rather than
/// typed flags.
fn for_person(e: &anyhow::Error) -> String {
    let text = summary::in_answers_words(&e.to_string());
    format!("That run cannot start: {text}. Change that answer (Enter keeps the others):")
}

/// Asks the questions for `approaches`, each with its default taken on Enter: the seed tool's
/// defaults, or the answers given last time when asking again.
fn ask(approaches: &[&str], previous: Option<&Answers>) -> Result<Answers, InquireError> {
    let default_number = DEFAULT_NUMBER.to_string();
    let number = Text::new("Number to test for primality:")
        .with_default(previous.map_or(&default_number, |p| &p.number))
        .with_help_message(
            "a whole number from 0 to 18446744073709551615 (also try 109797044856282383)",
        )
        .with_validator(|s: &str| Ok(check(config::parse_number(s))))
        .prompt()?;
    let default_tasks = config::default_tasks(logical_cores()).to_string();
    let tasks = Text::new("How many tasks (times to run the test)?")
        .with_default(previous.map_or(&default_tasks, |p| &p.tasks))
        .with_validator(|s: &str| Ok(check(config::parse_count("tasks", s, config::MAX_TASKS))))
        .prompt()?;
    let cores = logical_cores().to_string();
    let pooled = approaches
        .iter()
        .any(|id| approach::find(id).is_some_and(|a| a.pooled));
    let pool_size = if pooled {
        Text::new("Pool size?")
            .with_default(previous.map_or(&cores, |p| &p.pool_size))
            .with_help_message("workers of the pooled approaches; the machine has this many cores")
            .with_validator(|s: &str| Ok(check(config::parse_count("pool size", s, 4096))))
            .prompt()?
    } else {
        cores
    };
    let simulate = Confirm::new("Simulate I/O?")
        .with_default(previous.is_some_and(|p| p.io_wait.is_some()))
        .with_help_message("yes: a wait before the test, at 1/3, at 1/2 and after it")
        .prompt()?;
    let net = simulate
        && Select::new("Which I/O?", IO_KINDS.to_vec())
            .with_starting_cursor(usize::from(previous.is_some_and(|p| p.net)))
            .with_help_message("sleeps stand for waiting; a local server answers real requests")
            .prompt()?
            == IO_KINDS[1];
    let io_wait = if simulate {
        Some(
            Text::new(if net {
                "Server's wait per request:"
            } else {
                "Wait at each point:"
            })
            .with_default(
                previous
                    .and_then(|p| p.io_wait.as_deref())
                    .unwrap_or("250ms"),
            )
            .with_help_message("e.g. 1s, 250ms, 1.5s")
            .with_validator(|s: &str| Ok(check(config::parse_duration("wait", s))))
            .prompt()?,
        )
    } else {
        None
    };
    Ok(Answers {
        number,
        tasks,
        pool_size,
        io_wait,
        net,
    })
}

/// An answer's verdict: valid, or the reason it is not.
fn check<T>(parsed: Result<T, crate::error::UsageError>) -> Validation {
    match parsed {
        Ok(_) => Validation::Valid,
        Err(crate::error::UsageError::BadValue {
            problem, allowed, ..
        }) => Validation::Invalid(format!("{problem}; {allowed}").into()),
        Err(other) => Validation::Invalid(other.to_string().into()),
    }
}

/// The plan the answers stand for, checked by the same code as `parlab run`'s.
fn build_config(approaches: &[&str], a: &Answers) -> anyhow::Result<Plan> {
    let number = config::parse_number(&a.number)?;
    let tasks = config::parse_count("--tasks", &a.tasks, config::MAX_TASKS)? as u32;
    let pool_size = config::parse_count("--pool-size", &a.pool_size, 4096)? as usize;
    let (workload, io_wait) = match &a.io_wait {
        Some(wait) => (
            if a.net {
                WorkloadKind::Net
            } else {
                WorkloadKind::Mixed
            },
            config::parse_duration("--io-wait", wait)?,
        ),
        None => (WorkloadKind::Cpu, Duration::from_millis(250)),
    };
    let chosen = approaches
        .iter()
        .map(|id| {
            let info =
                approach::find(id).ok_or_else(|| anyhow::anyhow!("unknown approach {id}"))?;
            Ok(Chosen { info, named: true })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Plan::builder()
        .work(WorkSpec {
            workload,
            number,
            io_wait_ns: io_wait.as_nanos() as u64,
            net: crate::plan::workload::NetSpec::DEFAULT,
        })
        .tasks(tasks)
        .pool_size(pool_size)
        .chosen(chosen)
        .baseline(false)
        // One measured run, as the seed tool does: the session's table is the repetition.
        .repetitions(Repetitions {
            runs: Some(1),
            warmup: Some(0),
        })
        .python_probe(Box::new(|a: &[&'static ApproachInfo]| {
            config::check_python(None, a)
        }))
        .max_time(Some(Duration::from_secs(10 * 60)))
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_a_checked_configuration() {
        let answers = Answers {
            number: "97".into(),
            tasks: "3".into(),
            pool_size: "2".into(),
            io_wait: Some("1ms".into()),
            net: false,
        };
        let cfg = build_config(&["threads", "rayon"], &answers).unwrap();
        assert_eq!(cfg.work.number, 97);
        assert_eq!(cfg.tasks, 3);
        assert_eq!(
            cfg.work.workload,
            crate::plan::workload::WorkloadKind::Mixed
        );
        assert!(!cfg.baseline);
        let net = Answers {
            net: true,
            ..answers
        };
        let cfg = build_config(&["async"], &net).unwrap();
        assert_eq!(cfg.work.workload, crate::plan::workload::WorkloadKind::Net);
        assert!(matches!(
            check(config::parse_number("-1")),
            Validation::Invalid(_)
        ));
        assert!(matches!(
            check(config::parse_number("12")),
            Validation::Valid
        ));
    }
}
