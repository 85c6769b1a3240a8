//! Claims to sentences: the only place their wording lives, so that a checked claim is printed
//! with exactly the figures that were checked.

use super::{Claim, Lesson, NoWin, PyProcessWhy};
use crate::format::{format_kib, format_seconds};
use crate::judge::claims::check::SHORT_TASK_RATIO;
use crate::plan::approaches::catalogue;
use crate::plan::vocabulary::{Setting, Vocabulary};

/// The text of a note, its advice in `words`.
pub fn note(claim: &Claim, words: Vocabulary) -> String {
    match claim {
        Claim::Busy {
            share,
            busiest_run_share,
            foreign_cpu_s,
            cores,
            waited_s,
        } => {
            let fix = match words.name(Setting::WaitIdle) {
                Some(wait_idle) if *waited_s > 0.0 => format!(
                    "{wait_idle} waited {} for them in vain; close them",
                    format_seconds(*waited_s)
                ),
                _ => crate::judge::spread::close_them(words),
            };
            if *share > crate::judge::claims::check::BUSY_SHARE {
                format!(
                    "other programs kept {:.0}% of the {cores} cores busy during these runs ({} \
                     of CPU): every approach ran slower than this machine can, the parallel ones \
                     most; {fix}",
                    share * 100.0,
                    format_seconds(*foreign_cpu_s)
                )
            } else {
                format!(
                    "other programs kept up to {:.0}% of the {cores} cores busy during one of \
                     these runs ({} of CPU in all): the runs they disturbed are slower than this \
                     machine can do; {fix}",
                    busiest_run_share * 100.0,
                    format_seconds(*foreign_cpu_s)
                )
            }
        }
        Claim::Fastest {
            approach,
            speedup,
            of_ideal,
            past_ideal,
        } => {
            let of_ideal = of_ideal.map_or(String::new(), |(e, i)| {
                format!(" ({:.0}% of its ideal {i:.2}x)", e * 100.0)
            });
            let past = past_ideal.map_or(String::new(), |i| {
                format!(
                    ", past the {i:.2}x an idle machine allows: the other programs slowed \
                     sequential's one thread more than {approach}'s"
                )
            });
            format!("fastest: {approach}, {speedup:.2}x sequential's speed{of_ideal}{past}")
        }
        Claim::NoneWon(why) => {
            let why = match why {
                NoWin::NoWork => "the tasks do no work, so there is nothing to overlap".to_string(),
                NoWin::Short { per_task_s } => format!(
                    "each task takes {}, too little to gain from running tasks at once",
                    format_seconds(*per_task_s)
                ),
                NoWin::Costs { per_task_s, costs } => format!(
                    "each task takes {}, too little beside what an approach costs per task here \
                     ({})",
                    format_seconds(*per_task_s),
                    costs
                        .iter()
                        .map(|(id, c)| format!("{id} {}", format_seconds(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                NoWin::Busy { best } => format!(
                    "other programs made the runs too uneven to tell{}",
                    best.as_ref().map_or(String::new(), |(id, s)| format!(
                        " (the best median: {id}, {s:.2}x)"
                    ))
                ),
            };
            format!("no approach beat sequential beyond the noise: {why}")
        }
        Claim::TooShort {
            per_task_s,
            cheapest_cost_s,
            baseline_wall_s,
            suggestion,
        } => {
            let why = match cheapest_cost_s {
                Some(c) => format!(
                    "each task takes {}, under {SHORT_TASK_RATIO:.0}× the cheapest approach's own \
                     cost per task ({})",
                    format_seconds(*per_task_s),
                    format_seconds(*c)
                ),
                None => format!(
                    "the whole sequential run took {}",
                    format_seconds(baseline_wall_s.unwrap_or(0.0))
                ),
            };
            format!(
                "tasks too short to learn from: {why}; overheads decide this result{}",
                suggestion
                    .as_ref()
                    .map(|s| format!("; {s}"))
                    .unwrap_or_default()
            )
        }
        Claim::InlineNoFaster { speedup } => format!(
            "async-inline ran CPU work on its event loop: no faster than sequential \
             ({speedup:.2}x); `async` hands it to a thread pool instead"
        ),
        Claim::InlineSlower { times } => format!(
            "async-inline ran CPU work on its event loop, one task at a time: {times:.2}x slower \
             than `async`, which hands it to a thread pool"
        ),
        Claim::PoolOverCores { pool, cores } => format!(
            "pool size {pool} exceeds the {cores} logical cores: at most {cores} workers compute \
             at once"
        ),
        Claim::PoolLeavesIdle { pool, cores } => format!(
            "pool size {pool} leaves {} of the {cores} logical cores idle",
            cores - pool
        ),
        Claim::FewTasks { tasks, cores } => {
            format!("only {tasks} tasks for {cores} logical cores: no approach can use every core")
        }
        Claim::TakeTurns { threads, cores } => format!(
            "threads started {threads} threads for {cores} cores: they take turns computing, no \
             faster than {cores} would be"
        ),
        Claim::NoopCost {
            approach,
            per_task_s,
        } => format!(
            "noop tasks do nothing, so each time is the approach's own cost: {} per task for \
             {approach}, the costliest",
            format_seconds(*per_task_s)
        ),
        Claim::WaitMemory {
            tasks,
            threads_kib,
            other,
        } => format!(
            "{tasks} waiting tasks: threads peaked at {}, {} at {}",
            format_kib(*threads_kib),
            other.0,
            format_kib(other.1)
        ),
        Claim::PoolBoundsWaits { pooled, pool, wide } => {
            let each: Vec<String> = pooled
                .iter()
                .map(|(id, s)| format!("{id} {s:.2}x"))
                .collect();
            let (what, verb) = match pooled.as_slice() {
                [(id, _)] => (id.clone(), "overlaps"),
                _ => ("the pools".to_string(), "overlap"),
            };
            let figures = match pooled.as_slice() {
                [(_, s)] => format!("{s:.2}x"),
                _ => each.join(", "),
            };
            let setting = words
                .with(Setting::PoolSize, pool)
                .map_or(String::new(), |s| format!(" ({s})"));
            format!(
                "{what} {verb} at most {pool} waits at once{setting}: {figures}, where {} had \
                 every wait at once: {:.2}x",
                wide.0, wide.1
            )
        }
        Claim::PyGil {
            times,
            gil_off,
            threads,
            baseline_cores,
        } => {
            let why = match baseline_cores {
                Some(n) => format!(
                    "py-sequential already kept {n:.1} cores busy (the function's library runs \
                     its own threads), so threads had no idle core to gain"
                ),
                None if *gil_off => "this interpreter is free-threaded (no GIL), so its \
                                     threads compute in parallel"
                    .to_string(),
                None => "the GIL lets one thread run Python at a time".to_string(),
            };
            let rust = threads.map_or(String::new(), |s| format!("; threads {s:.2}x"));
            format!("py-threads {times:.2}x py-sequential's speed on CPU work: {why}{rust}")
        }
        Claim::PyProcess {
            approach,
            times,
            why,
        } => {
            let why = match why {
                PyProcessWhy::Scaled => "each process has its own interpreter and GIL, so \
                                         processes are how CPython computes in parallel"
                    .to_string(),
                PyProcessWhy::CostsMore { per_task_s, cost_s } => format!(
                    "starting and feeding processes costs more than these tasks gain ({} of \
                     work a task against {} of its own cost); with longer tasks each process's \
                     own GIL lets them compute in parallel",
                    format_seconds(*per_task_s),
                    format_seconds(*cost_s)
                ),
                PyProcessWhy::HeldBack {
                    per_task_s,
                    cpu_use,
                } => format!(
                    "on tasks of {} its own cost does not explain that; its CPU use was {:.0}%, \
                     so fewer cores than tasks were computing (other programs, or too few tasks)",
                    format_seconds(*per_task_s),
                    cpu_use * 100.0
                ),
            };
            format!("{approach} {times:.2}x py-sequential's speed: {why}")
        }
        Claim::PyWaits { times } => format!(
            "py-threads {times:.2}x py-sequential's speed on waits: a sleeping thread releases the \
             GIL, so waits overlap in CPython too"
        ),
        Claim::PyMemory {
            tasks,
            threads_kib,
            asyncio_kib,
        } => format!(
            "{tasks} waiting tasks in CPython: py-threads' interpreter peaked at {}, py-asyncio's \
             at {}",
            format_kib(*threads_kib),
            format_kib(*asyncio_kib)
        ),
        Claim::PyPerTask { rust_s, python_s } => format!(
            "per task, Rust's trial division is {:.0}x faster than CPython's ({} against {} a \
             task): compiled against interpreted code",
            python_s / rust_s,
            format_seconds(*rust_s),
            format_seconds(*python_s)
        ),
        Claim::PyStartup => "py-* times are the approach's own, from when the driver starts it to \
                             when it ends: the interpreter's start-up, the request, the report and \
                             its exit are in neither their wall nor their CPU time"
            .to_string(),
        Claim::Fact(text) => text.clone(),
    }
}

/// The text of a lesson, its advice in `words`.
pub fn lesson(lesson: &Lesson, words: Vocabulary) -> String {
    match lesson {
        Lesson::NoneWon { per_task_s } => format!(
            "Running tasks at once only pays when each task outweighs the cost of starting it: \
             here a task is {} of work and no approach won. Python's threads and processes cost \
             more to start than Rust's, so the same holds there, sooner.",
            format_seconds(*per_task_s)
        ),
        Lesson::CannotTell {
            share,
            one_run,
            cores,
        } => format!(
            "Other programs kept {}{:.0}% of the {cores} cores busy, and they slow approaches \
             unevenly, the parallel ones most: this run cannot tell how much running tasks at \
             once gains here. Run it again on an idle machine{}.",
            if *one_run { "up to " } else { "" },
            share * 100.0,
            words
                .name(Setting::WaitIdle)
                .map_or(String::new(), |w| format!(" (or with {w})"))
        ),
        Lesson::ThreadsCompute {
            best,
            processes,
            cores,
            programs,
        } => {
            let beside = processes
                .as_ref()
                .map(|(id, s)| format!(" ({id} {s:.2}x)"))
                .unwrap_or_default();
            if *programs {
                return format!(
                    "Threads ran the commands in parallel: {} {:.2}x on {cores} cores. Each \
                     command is a program of its own, which no GIL holds: in Python too, threads \
                     that start commands (subprocess) run them at once.",
                    best.0, best.1
                );
            }
            format!(
                "Threads ran CPU work in parallel: {} {:.2}x on {cores} cores. In CPython the GIL \
                 would hold threads near 1.0x on this work, and only processes{beside} would \
                 scale.",
                best.0, best.1
            )
        }
        Lesson::InlineCompute { speedup } => format!(
            "An event loop that computes runs one task at a time: async-inline {speedup:.2}x. \
             Python's asyncio does the same unless the work goes to run_in_executor, and even \
             then the GIL lets only one of its threads compute."
        ),
        Lesson::ProcessesCompute {
            best,
            cores,
            programs,
        } => {
            let price = if best.0 == catalogue::CLUSTER.id {
                "a dataflow over TCP"
            } else {
                "a pipe per task"
            };
            if *programs {
                return format!(
                    "Processes ran the commands in parallel: {} {:.2}x on {cores} cores, paying \
                     a start-up and {price} besides each command's own. A command is a program \
                     of its own, which no GIL holds: a thread that starts it does as well, in \
                     Python as in Rust.",
                    best.0, best.1
                );
            }
            format!(
                "Processes ran CPU work in parallel: {} {:.2}x on {cores} cores, paying a start-up \
                 and {price}. In Rust threads do the same without that cost; in CPython processes \
                 are the way around the GIL.",
                best.0, best.1
            )
        }
        Lesson::Waits {
            best,
            tasks,
            idle,
            python_as_well,
            memory,
        } => {
            let python = match python_as_well {
                Some(false) => {
                    "Python's threads and asyncio overlap waits too, because the GIL is released \
                     while waiting, though here less well than Rust's (see py-threads above)."
                }
                _ => {
                    "Python's threads and asyncio overlap waits just as well, because the GIL is \
                     released while waiting."
                }
            };
            let memory = memory.as_ref().map_or(String::new(), |(t, a)| {
                format!(
                    " What differs is the cost of a waiting task: {} peaked at {}, {} at {}.",
                    t.0,
                    format_kib(t.1),
                    a.0,
                    format_kib(a.1)
                )
            });
            format!(
                "Waits overlap whatever does the waiting: {} finished {tasks} tasks {:.2}x faster \
                 than one after another{}. {python}{memory}",
                best.0,
                best.1,
                if *idle { ", the cores mostly idle" } else { "" }
            )
        }
        Lesson::Noop { cheap, dear } => format!(
            "With no work, what is left is each approach's own cost per task: from {} for {} to \
             {} for {}. Work must be much larger than that to gain; in Python every one of these \
             costs is higher.",
            format_seconds(cheap.1),
            cheap.0,
            format_seconds(dear.1),
            dear.0
        ),
    }
}
