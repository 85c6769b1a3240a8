//! The dataflow every cluster worker builds: tasks enter at the feeder (parlab's first worker),
//! are exchanged on the task index over every worker, run one per operator call with
//! [`crate::run::exec::run_blocking`], and their [`Done`] records are exchanged back to the feeder.
//! As each task starts, the worker says so at once through its process's [`OnStart`] (a line
//! to parlab, or parlab's recorder itself), outside the task's own timed span.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::{Exchange as _, Input, Inspect, Operator, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use super::{Done, Spec};
use crate::cancel::Cancel;
use crate::plan::custom::TaskRunner;
use crate::run::exec;
use crate::run::record::recorder::Recorder;
use crate::run::worker::fault::Fault;

/// What a worker calls as a task starts: (task, worker, ns since the run's origin).
pub(super) type OnStart = Arc<dyn Fn(u32, u32, u64) + Send + Sync>;

/// Builds the dataflow on `worker` and, on the feeder, sends every task in and hands each
/// record to `on_done` until all are back (or `cancel` is raised: then it returns early).
/// `on_start` hears each task start; `custom` runs the run's custom steps.
pub(super) fn run(
    worker: &mut Worker,
    spec: &Spec,
    cancel: &Cancel,
    fault: Option<Fault>,
    (on_start, custom): (OnStart, Option<Arc<dyn TaskRunner>>),
    on_done: &dyn Fn(Done),
) {
    let layout = spec.layout;
    let me = worker.index();
    let feeder = layout.feeder();
    let recorded = layout.worker_of_timely(me);
    let origin = instant_at(spec.origin_ns);
    let work = spec.work;
    let task_cancel = cancel.clone();
    let mut input: InputHandle<u64, CapacityContainerBuilder<Vec<u32>>> = InputHandle::new();
    let probe = ProbeHandle::new();
    let back: Rc<RefCell<Vec<Done>>> = Rc::default();
    let sink = back.clone();
    worker.dataflow::<u64, _, _>(|scope| {
        let activator = Rc::new(RefCell::new(None::<timely::scheduling::Activator>));
        let slot = activator.clone();
        let scope_for_activator = scope;
        scope
            .input_from(&mut input)
            .unary(
                Exchange::new(|t: &u32| *t as u64),
                "RunTasks",
                move |_cap, info| {
                    *slot.borrow_mut() = Some(scope_for_activator.activator_for(info.address));
                    let mut queue = VecDeque::new();
                    move |input, output| {
                        input.for_each(|cap, data| {
                            let Some(cap) = cap.retain_least(output.output_index()) else {
                                return;
                            };
                            for task in data.drain(..) {
                                queue.push_back((cap.clone(), task));
                            }
                        });
                        // One task per call, so its record leaves at once (progress, and a
                        // death mid-run costs only the tasks not yet reported).
                        if let Some((cap, task)) = queue.pop_front() {
                            let hook = fault.filter(|f| f.task == task);
                            let done = run_task(
                                &work,
                                task,
                                recorded,
                                origin,
                                &task_cancel,
                                (&on_start, &custom),
                                hook,
                            );
                            output.session(&cap).give(done);
                        }
                        if !queue.is_empty()
                            && let Some(a) = activator.borrow().as_ref()
                        {
                            a.activate();
                        }
                    }
                },
            )
            .container::<Vec<Done>>()
            .exchange(move |_| feeder as u64)
            .inspect(move |d: &Done| sink.borrow_mut().push(d.clone()))
            .probe_with(&probe);
    });
    if me == feeder {
        for task in 0..spec.tasks {
            input.send(task);
        }
    }
    input.close();
    while !probe.done() {
        if cancel.is_cancelled() {
            return;
        }
        worker.step_or_park(Some(Duration::from_millis(20)));
        for d in back.borrow_mut().drain(..) {
            on_done(d);
        }
    }
    for d in back.borrow_mut().drain(..) {
        on_done(d);
    }
}

/// Runs one task on a recorder of its own (on parlab's clock) and describes what happened.
fn run_task(
    work: &crate::plan::workload::WorkSpec,
    task: u32,
    worker: u32,
    origin: Instant,
    cancel: &Cancel,
    (on_start, custom): (&OnStart, &Option<Arc<dyn TaskRunner>>),
    fault: Option<Fault>,
) -> Done {
    let plan = work.plan();
    let rec = Recorder::new(1, &plan, origin)
        .first_task_is(task)
        .with_custom(custom.clone());
    on_start(task, worker, rec.now_ns());
    // The test hook's fault strikes once the task is known to have started.
    if let Some(f) = fault {
        f.trigger();
    }
    let start_ns = rec.now_ns();
    let answer = exec::run_blocking(&rec, cancel, work, 0).ok();
    let end_ns = rec.now_ns();
    let steps = (0..plan.len())
        .filter_map(|s| {
            rec.step_span_ns(0, s)
                .map(|(a, b)| (s as u32, a, b, rec.step_cpu_ns(0, s)))
        })
        .collect();
    Done {
        task,
        worker,
        start_ns,
        end_ns,
        answer,
        steps,
        problem: rec.first_problem(),
    }
}

/// The `Instant` that is `origin_ns` on this process's clock ([`super::clock_ns`]).
fn instant_at(origin_ns: i64) -> Instant {
    let since = super::clock_ns().saturating_sub(origin_ns).max(0) as u64;
    let now = Instant::now();
    now.checked_sub(Duration::from_nanos(since)).unwrap_or(now)
}

/// Records `d` into the run's recorder: its start was counted as it was heard (its exact time
/// and worker are set here), or is counted now if it never was.
pub(super) fn record(rec: &Recorder, d: &Done) {
    if d.task >= rec.task_count() {
        return;
    }
    if !rec.start_once(d.task, d.worker, d.start_ns) {
        rec.set_task_start(d.task, d.worker, d.start_ns);
    }
    for &(step, start, end, cpu) in d.steps.iter().filter(|s| (s.0 as usize) < rec.plan().len()) {
        rec.step_ran(d.task, step as usize, d.worker, start, end);
        if let Some(cpu) = cpu {
            rec.step_cpu(d.task, step as usize, cpu);
        }
    }
    if let Some(answer) = d.answer {
        rec.task_finished_at(d.task, answer, d.end_ns);
    }
    if let Some(p) = &d.problem {
        rec.problem(p.clone());
    }
}
