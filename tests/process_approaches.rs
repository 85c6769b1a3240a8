//! The process approaches through the library, with the real parlab executable as the worker
//! (inside a test binary, the current executable is the test harness, not parlab).
//!
//! - every task once, right answers, on the parent's clock, worker numbers as documented;
//! - a worker killed from outside, and a cancelled run: the error, and no child left behind;
//! - peak memory: a child's figure is its own, not the parent's (the `ru_maxrss` pitfall).
//!
//! Every test holds the target's `SERIAL`: some look for this process's children in /proc,
//! which must not be another test's workers when the harness runs tests on several threads.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use parlab::cancel::Cancel;
use parlab::plan::settings::ApproachSettings;
use parlab::plan::workload::{Answer, WorkSpec, WorkloadKind};
use parlab::run::approach::{self, ApproachError, Outcome, RunContext};
use parlab::run::record::recorder::{Recorder, TaskEvent};
use parlab::run::worker::protocol::{FrameReader, FromWorker, PROTOCOL_VERSION};

use crate::common::PARLAB;
use crate::serial;

const IDS: [&str; 3] = ["process", "process-pool", "process-pool-chunked"];

fn context(work: WorkSpec, tasks: u32, pool: usize, chunk: Option<u32>) -> RunContext {
    RunContext {
        work,
        tasks,
        pool_size: pool,
        chunk_size: chunk,
        recorder: Arc::new(Recorder::new(tasks, &work.plan(), Instant::now())),
        cancel: Cancel::new(),
        task_timeout: None,
        settings: ApproachSettings {
            worker_program: Some(PARLAB.into()),
            ..Default::default()
        },
    }
}

/// Runs approach `id`; returns its outcome, its events, and the time from the recorder's
/// origin to the run's return, s.
fn run(id: &str, ctx: &RunContext) -> (Outcome, Vec<TaskEvent>, f64) {
    let a = approach::find(id).unwrap();
    let outcome = a.run(ctx).unwrap_or_else(|e| panic!("{id}: {e}"));
    let until = ctx.recorder.origin().elapsed().as_secs_f64();
    (outcome, ctx.recorder.events(), until)
}

/// Pids of this process's children (alive or zombie).
fn my_children() -> Vec<u32> {
    let me = std::process::id();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name in parentheses: state, then the parent's pid.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if ppid == me {
            out.push(pid);
        }
    }
    out
}

#[test]
fn every_process_approach_runs_every_task_once_with_the_right_answer() {
    let _serial = serial();
    let cases = [
        (WorkloadKind::Cpu, 1_000_000_007u64, Answer::Prime(true)),
        (WorkloadKind::Cpu, 1_000_000_007 * 3, Answer::Prime(false)),
        (
            WorkloadKind::Mixed,
            999_983 * 1_000_003,
            Answer::Prime(false),
        ),
        (WorkloadKind::Io, 0, Answer::Done),
        (WorkloadKind::Noop, 0, Answer::Done),
    ];
    for id in IDS {
        for (workload, number, expected) in cases {
            let work = WorkSpec {
                workload,
                number,
                io_wait_ns: 200_000,
                net: parlab::plan::workload::NetSpec::DEFAULT,
            };
            for (tasks, pool, chunk) in [(1, 1, None), (7, 3, None), (7, 2, Some(3))] {
                let ctx = context(work, tasks, pool, chunk);
                let (outcome, events, until) = run(id, &ctx);
                let what = format!("{id} {workload:?} {tasks} tasks, pool {pool}");
                assert_eq!(events.len(), tasks as usize, "{what}");
                for e in &events {
                    assert_eq!(e.runs, 1, "{what}: task {}", e.task);
                    assert_eq!(e.answer, Some(expected), "{what}: task {}", e.task);
                    // On the parent's clock: inside the run, steps inside their task.
                    assert!(0.0 <= e.start_s && e.start_s <= e.end_s, "{what}: {e:?}");
                    assert!(
                        e.end_s <= until,
                        "{what}: ends after the run returned: {e:?}"
                    );
                    assert_eq!(e.steps.len(), work.plan().len(), "{what}");
                    for s in &e.steps {
                        assert!(
                            e.start_s <= s.start_s && s.end_s <= e.end_s,
                            "{what}: {e:?}"
                        );
                        assert_eq!(s.worker, e.worker, "{what}");
                    }
                }
                // A task that got through a block of divisions reported its progress.
                if expected == Answer::Prime(true) || workload == WorkloadKind::Mixed {
                    for t in 0..tasks {
                        let divisions = ctx.recorder.task(t).progress.load(Ordering::Relaxed);
                        assert!(divisions > 0, "{what}: no progress from task {t}");
                    }
                }
                let workers = check_workers(id, &events, &outcome, pool);
                assert!(workers >= 1, "{what}");
            }
        }
    }
}

/// Checks worker numbers and the children's figures; returns how many workers ran tasks.
fn check_workers(id: &str, events: &[TaskEvent], outcome: &Outcome, pool: usize) -> usize {
    let mut workers: Vec<u32> = events.iter().map(|e| e.worker).collect();
    workers.sort();
    workers.dedup();
    if id == "process" {
        assert!(
            events.iter().all(|e| e.worker == e.task),
            "a process per task"
        );
    } else {
        assert!(workers.len() <= pool, "{id} used {workers:?}");
    }
    // Every worker that ran a task reported its own figures, once.
    let reported: Vec<u32> = outcome.children.iter().map(|c| c.worker).collect();
    for w in &workers {
        assert!(reported.contains(w), "{id}: no figures from worker {w}");
    }
    let mut pids: Vec<u32> = outcome.children.iter().map(|c| c.pid).collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), outcome.children.len(), "{id}: pids {pids:?}");
    for c in &outcome.children {
        assert!(c.pid > 0 && c.peak_rss_kib > 0, "{id}: {c:?}");
    }
    workers.len()
}

#[test]
fn chunks_stay_on_one_worker_and_one_worker_never_overlaps_itself() {
    let _serial = serial();
    let work = WorkSpec {
        workload: WorkloadKind::Io,
        number: 0,
        io_wait_ns: 2_000_000,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    let ctx = context(work, 10, 2, Some(3));
    let (_, events, _) = run("process-pool-chunked", &ctx);
    for chunk in events.chunks(3) {
        assert!(
            chunk.iter().all(|e| e.worker == chunk[0].worker),
            "a chunk split across workers: {chunk:?}"
        );
    }
    for id in ["process-pool", "process-pool-chunked"] {
        let ctx = context(work, 6, 1, None);
        let (_, mut events, _) = run(id, &ctx);
        events.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        for pair in events.windows(2) {
            assert!(
                pair[0].end_s <= pair[1].start_s,
                "{id} overlapped: {pair:?}"
            );
        }
    }
}

/// Runs approach `id` on a thread of its own, so a test can act during the run and give up,
/// failing rather than hanging, if the run never returns.
fn run_in_background(
    id: &'static str,
    ctx: &RunContext,
) -> mpsc::Receiver<Result<Outcome, ApproachError>> {
    let (tx, rx) = mpsc::channel();
    let ctx = ctx.clone();
    std::thread::spawn(move || {
        let _ = tx.send(approach::find(id).unwrap().run(&ctx));
    });
    rx
}

/// Waits until `ctx`'s first `n` tasks have started.
fn wait_for_start(id: &str, ctx: &RunContext, n: u32) {
    let since = Instant::now();
    while (0..n).any(|t| !ctx.recorder.task_state(t).0) {
        assert!(since.elapsed() < TIMEOUT, "{id}: tasks never started");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Tasks that wait a minute: a run that ends sooner was stopped.
const LONG_WAIT: WorkSpec = WorkSpec {
    workload: WorkloadKind::Io,
    number: 0,
    io_wait_ns: 60_000_000_000,
    net: parlab::plan::workload::NetSpec::DEFAULT,
};

/// Longer than any of these runs takes unless something hangs.
const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn a_worker_killed_from_outside_stops_the_run_and_leaves_no_child() {
    let _serial = serial();
    for id in IDS {
        let ctx = context(LONG_WAIT, 3, 3, None);
        let result = run_in_background(id, &ctx);
        wait_for_start(id, &ctx, 3);
        let victim = my_children()[1];
        // SAFETY: kill takes plain integers; the pid is our own unreaped child.
        unsafe { libc::kill(victim as i32, libc::SIGKILL) };
        let result = result.recv_timeout(TIMEOUT).expect("the run stops");
        let Err(ApproachError::Failed(message)) = result else {
            panic!("{id}: {result:?}");
        };
        assert!(
            message.starts_with(&format!("approach {id}: worker ")),
            "{message}"
        );
        let named = format!("(pid {victim}) died while running task ");
        assert!(message.contains(&named), "{message}");
        assert!(
            message.ends_with("killed by signal 9 (SIGKILL)"),
            "{message}"
        );
        assert_eq!(my_children(), Vec::<u32>::new(), "{id}: children left");
    }
}

#[test]
fn a_cancelled_run_kills_and_reaps_every_worker() {
    let _serial = serial();
    for id in IDS {
        let ctx = context(LONG_WAIT, 4, 2, None);
        let result = run_in_background(id, &ctx);
        wait_for_start(id, &ctx, 1);
        assert!(!my_children().is_empty());
        ctx.cancel.raise(libc::SIGINT);
        let result = result.recv_timeout(TIMEOUT).expect("the run stops");
        assert!(
            matches!(result, Err(ApproachError::Cancelled)),
            "{id}: {result:?}"
        );
        assert_eq!(my_children(), Vec::<u32>::new(), "{id}: children left");
    }
}

#[test]
fn a_childs_peak_memory_is_its_own_not_the_parents() {
    let _serial = serial();
    // Make this (parent) process's peak large: 256 MiB, every page touched.
    let ballast = vec![1u8; 256 << 20];
    std::hint::black_box(&ballast);
    let parent_peak_kib = parlab::run::record::measure::peak_rss_kib();
    assert!(parent_peak_kib >= 256 * 1024, "{parent_peak_kib}");

    // The figures a worker reports of itself, asked directly: start it, close its stdin.
    let mut child = Command::new(PARLAB)
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let mut bytes = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut frames = FrameReader::new();
    frames.push(&bytes);
    let hello = frames.next_message::<FromWorker>().unwrap();
    assert!(matches!(
        hello,
        Some(FromWorker::Hello {
            protocol: PROTOCOL_VERSION,
            ..
        })
    ));
    let Some(FromWorker::Figures(figures)) = frames.next_message().unwrap() else {
        panic!("no figures in {bytes:?}");
    };
    // The pitfall: getrusage's figure starts at the parent's peak...
    assert!(
        figures.ru_maxrss_kib >= 200 * 1024,
        "ru_maxrss {} KiB: no longer inherited?",
        figures.ru_maxrss_kib
    );
    // ...while VmHWM, the figure parlab reports, is the worker's own.
    assert!(figures.peak_rss_kib < 64 * 1024, "{figures:?}");

    // And so is what an approach reports for each child.
    let work = WorkSpec {
        workload: WorkloadKind::Noop,
        number: 0,
        io_wait_ns: 0,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    for id in IDS {
        let ctx = context(work, 3, 2, None);
        let (outcome, _, _) = run(id, &ctx);
        for c in &outcome.children {
            assert!(c.peak_rss_kib < 64 * 1024, "{id}: {c:?}");
        }
    }
    drop(ballast);
}

/// A worker that announces a frame over the limit (a broken or hostile program in the worker's
/// place) is refused before anything is allocated for it, on the one error line, and killed.
#[test]
fn an_oversized_frame_is_refused_on_the_error_line() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake-worker");
    // A hello of this protocol (postcard: variant 0, the version, pid 1), then a frame that
    // announces 1 MiB, then silence.
    const { assert!(PROTOCOL_VERSION < 128, "one byte as a varint") };
    let hello = format!("\\003\\000\\000\\000\\000\\{:03o}\\001", PROTOCOL_VERSION);
    std::fs::write(
        &fake,
        format!("#!/bin/sh\nprintf '{hello}\\000\\000\\020\\000'\nexec sleep 30\n"),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let work = WorkSpec {
        workload: WorkloadKind::Noop,
        number: 0,
        io_wait_ns: 0,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    let mut ctx = context(work, 2, 1, None);
    ctx.settings.worker_program = Some(fake);
    let started = Instant::now();
    let err = approach::find("process-pool")
        .unwrap()
        .run(&ctx)
        .unwrap_err();
    let ApproachError::Failed(message) = err else {
        panic!("not a failure: {err:?}");
    };
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.contains(
            "sent a bad frame: a frame of 1048576 bytes, over the 65536-byte frame limit"
        ),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "not waited out"
    );
    assert!(my_children().is_empty(), "{:?}", my_children());
}

/// A worker that stops on an error of its own (here: its stdin holds no task frames) says why
/// in a frame before it exits with status 2, so parlab's one error line can say it too.
#[test]
fn a_worker_says_why_it_stops() {
    let _serial = serial();
    let mut child = Command::new(PARLAB)
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&u32::MAX.to_le_bytes()).unwrap();
    }
    let mut bytes = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(2));
    let mut frames = FrameReader::new();
    frames.push(&bytes);
    assert!(matches!(
        frames.next_message::<FromWorker>().unwrap(),
        Some(FromWorker::Hello { .. })
    ));
    let Some(FromWorker::Stopped { message }) = frames.next_message().unwrap() else {
        panic!("no reason in {bytes:?}");
    };
    assert!(
        message.contains("over the 65536-byte frame limit"),
        "{message}"
    );
}

/// CPU time this thread has used (process-pool's parent runs on the calling thread).
fn thread_cpu() -> Duration {
    // SAFETY: getrusage fills the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// process-pool's parent does the same work per task however many tasks there are: its CPU per
/// task at 20,000 tasks within 4x of that at 2,000. (Sorting every finished task's time at each
/// report once made it 20x at 10x the tasks; the parent's CPU time, unlike the wall, is little
/// moved by other programs on the machine, and the margin is generous.)
#[test]
fn the_pools_parent_costs_the_same_per_task_at_ten_times_the_tasks() {
    let _serial = serial();
    let work = WorkSpec {
        workload: WorkloadKind::Noop,
        number: 0,
        io_wait_ns: 0,
        net: parlab::plan::workload::NetSpec::DEFAULT,
    };
    let per_task = |tasks: u32| {
        let ctx = context(work, tasks, 2, None);
        let before = thread_cpu();
        run("process-pool", &ctx);
        (thread_cpu() - before).as_secs_f64() / f64::from(tasks)
    };
    per_task(200); // warm: the executable in the page cache
    let small = per_task(2_000);
    let large = per_task(20_000);
    assert!(
        large < 4.0 * small,
        "{:.2} µs per task at 20,000 tasks, {:.2} µs at 2,000",
        large * 1e6,
        small * 1e6
    );
}
