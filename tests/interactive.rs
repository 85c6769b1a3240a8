//! The interactive mode, driven through a pseudo-terminal as a person would drive it.
//!
//! Module index: a whole session (two approaches, the bar graph, saving it); a pooled run's pool
//! size and notes; every invalid answer followed by a valid one; a typed number choosing an
//! item and a run too long asked again with the answers kept; "Your own Python function" run
//! and named; Ctrl-C at a prompt; Ctrl-C during a `process-pool` run.
//! (Without a terminal, `parlab` prints a hint and exits 2: see tests/cli.rs.)

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

const ENTER: &str = "\r";
const CTRL_C: &str = "\x03";

type Pty = expectrl::session::OsSession;

/// `parlab` with no arguments in a fresh pty, working in `dir`.
fn start(dir: &Path) -> Pty {
    let mut cmd = common::parlab_std();
    cmd.current_dir(dir)
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("PARLAB_WORKER_FAIL");
    let mut session = Session::spawn(cmd).expect("a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    session
}

fn expect(s: &mut Pty, text: &str) -> String {
    let found = s
        .expect(text)
        .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"));
    String::from_utf8_lossy(found.before()).into_owned()
}

fn send(s: &mut Pty, keys: &str) {
    s.send(keys).unwrap();
}

/// Types `answer` and Enter.
fn answer(s: &mut Pty, answer: &str) {
    send(s, answer);
    send(s, ENTER);
}

/// Deletes what an invalid answer left in the prompt.
fn clear(s: &mut Pty, typed: &str) {
    send(s, &"\x7f".repeat(typed.chars().count()));
}

/// Waits for the end and checks the exit status.
fn ends_with_status(s: &mut Pty, code: i32) {
    s.expect(Eof).expect("parlab ends");
    let status = s.get_process().wait().expect("reaped");
    assert!(
        matches!(status, WaitStatus::Exited(_, c) if c == code),
        "{status:?}"
    );
}

#[test]
fn a_session_of_two_approaches_ends_with_the_bar_graph_and_saves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    expect(&mut s, "Which approach?");
    expect(&mut s, "Multiprocessing Pool — process-pool-chunked"); // both names
    send(&mut s, ENTER); // Threaded, the first entry
    expect(&mut s, "Number to test for primality");
    answer(&mut s, "1000000007");
    expect(&mut s, "How many tasks");
    answer(&mut s, "3");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "n");
    let shown = expect(&mut s, "Which approach?");
    assert!(shown.contains("threads"), "the running table: {shown}");

    answer(&mut s, "rayon"); // typing filters the menu
    expect(&mut s, "Number to test for primality");
    answer(&mut s, "1000000007");
    expect(&mut s, "How many tasks");
    answer(&mut s, "2");
    expect(&mut s, "Pool size?");
    answer(&mut s, "2");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "y");
    // The I/O kinds: sleeps (the default) or real network requests.
    let kinds = expect(&mut s, "real network requests");
    assert!(kinds.contains("Which I/O?"), "{kinds}");
    answer(&mut s, "");
    expect(&mut s, "Wait at each point");
    answer(&mut s, "5ms");
    expect(&mut s, "Which approach?");

    answer(&mut s, "Show the bar graph");
    expect(&mut s, "Every run of this session");
    let graph = expect(&mut s, "Save the bar graph");
    assert!(graph.contains("threads ×3 n=1000000007"), "{graph}");
    assert!(
        graph.contains("rayon ×2 n=1000000007 pool=2 +I/O"),
        "{graph}"
    );
    answer(&mut s, "y");
    expect(&mut s, "Save the chart to:");
    send(&mut s, ENTER); // the suggested name
    expect(
        &mut s,
        "Saved parlab-session-1.svg and parlab-session-1.json",
    );
    ends_with_status(&mut s, 0);

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("parlab-session-1.json")).unwrap())
            .unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["approach"], "threads");
    assert_eq!(runs[1]["approach"], "rayon");
    assert_eq!(
        runs[0]["pool_size"],
        serde_json::Value::Null,
        "threads have no pool"
    );
    assert_eq!(runs[1]["pool_size"], 2);
    assert!(runs.iter().all(|r| r["verified"] == true));
    let svg = std::fs::read_to_string(dir.path().join("parlab-session-1.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the chart is SVG");
    assert!(
        doc.descendants()
            .any(|n| n.text().is_some_and(|t| t.contains("rayon ×2")))
    );
}

#[test]
fn a_pooled_run_shows_its_pool_size_in_the_table_the_notes_the_chart_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    expect(&mut s, "Which approach?");
    answer(&mut s, "ThreadPool");
    expect(&mut s, "Number to test for primality");
    // Work long enough to learn from (about 0.1 s a task), so the notes speak of the pool.
    answer(&mut s, "834238027356431");
    expect(&mut s, "How many tasks");
    answer(&mut s, "2");
    expect(&mut s, "Pool size?");
    answer(&mut s, "200");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "n");
    // The notes come under the table: more workers than cores is one (on any machine with
    // fewer than 200 cores).
    let table = expect(&mut s, "• pool size 200 exceeds the");
    assert!(table.contains("pool"), "a pool column: {table}");
    assert!(table.contains(" 200 "), "the pool size in the row: {table}");
    expect(&mut s, "logical cores");
    expect(&mut s, "Which approach?");

    answer(&mut s, "Show the bar graph");
    let graph = expect(&mut s, "Save the bar graph");
    assert!(
        graph.contains("thread-pool ×2 n=834238027356431 pool=200"),
        "{graph}"
    );
    answer(&mut s, "y");
    expect(&mut s, "Save the chart to:");
    send(&mut s, ENTER);
    expect(&mut s, "Saved parlab-session-1.svg");
    ends_with_status(&mut s, 0);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("parlab-session-1.json")).unwrap())
            .unwrap();
    assert_eq!(json["runs"][0]["approach"], "thread-pool");
    assert_eq!(json["runs"][0]["pool_size"], 200);
}

#[test]
fn every_invalid_answer_is_explained_and_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    expect(&mut s, "Which approach?");
    answer(&mut s, "ThreadPool");
    expect(&mut s, "Number to test for primality");
    for (bad, why) in [
        ("abc", "is not a whole number"),
        ("-5", "is negative"),
        ("18446744073709551616", "above u64's maximum"),
    ] {
        answer(&mut s, bad);
        expect(&mut s, why);
        clear(&mut s, bad);
    }
    answer(&mut s, "97");
    expect(&mut s, "How many tasks");
    for (bad, why) in [
        ("0", "0 is not allowed"),
        ("x", "is not a whole number"),
        ("-2", "is negative"),
    ] {
        answer(&mut s, bad);
        expect(&mut s, why);
        clear(&mut s, bad);
    }
    answer(&mut s, "2");
    expect(&mut s, "Pool size?");
    for (bad, why) in [("0", "0 is not allowed"), ("many", "is not a whole number")] {
        answer(&mut s, bad);
        expect(&mut s, why);
        clear(&mut s, bad);
    }
    answer(&mut s, "2");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "maybe");
    expect(&mut s, "Invalid answer");
    clear(&mut s, "maybe");
    answer(&mut s, "y");
    expect(&mut s, "real network requests");
    answer(&mut s, "");
    expect(&mut s, "Wait at each point");
    for (bad, why) in [
        ("soon", "is not a duration"),
        ("-1s", "is negative"),
        ("250", "did you mean 250ms or 250s?"),
    ] {
        answer(&mut s, bad);
        expect(&mut s, why);
        clear(&mut s, bad);
    }
    answer(&mut s, "1ms");
    let shown = expect(&mut s, "Which approach?");
    assert!(shown.contains("thread-pool"), "{shown}");
    assert!(
        shown.contains("testing 97"),
        "the valid number was run: {shown}"
    );
    send(&mut s, CTRL_C);
    expect(&mut s, "Every run of this session");
    expect(&mut s, "Save the bar graph");
    answer(&mut s, "n");
    ends_with_status(&mut s, 0);
}

#[test]
fn a_typed_number_chooses_and_a_run_too_long_is_asked_again_keeping_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    expect(&mut s, "Which approach?");
    answer(&mut s, "3"); // the third item, as in the seed tool
    expect(&mut s, "ThreadPool");
    expect(&mut s, "Number to test for primality");
    answer(&mut s, "97");
    expect(&mut s, "How many tasks");
    answer(&mut s, "100");
    expect(&mut s, "Pool size?");
    answer(&mut s, "2");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "y");
    expect(&mut s, "real network requests");
    answer(&mut s, "");
    expect(&mut s, "Wait at each point");
    // 100 tasks of four 10 s waits, 2 at a time: far more than a run may take.
    answer(&mut s, "10s");
    let said = expect(&mut s, "Change that answer");
    assert!(said.contains("That run cannot start"), "{said}");
    assert!(said.contains("fewer tasks, a shorter wait"), "{said}");
    assert!(!said.contains("--"), "no flag the user never saw: {said}");
    // Asked again, each earlier answer the default: Enter keeps it.
    expect(&mut s, "Number to test for primality");
    expect(&mut s, "(97)");
    send(&mut s, ENTER);
    expect(&mut s, "(100)");
    answer(&mut s, "4");
    expect(&mut s, "Pool size?");
    send(&mut s, ENTER);
    expect(&mut s, "Simulate I/O?");
    send(&mut s, ENTER); // yes, as before
    expect(&mut s, "real network requests");
    send(&mut s, ENTER);
    expect(&mut s, "(10s)");
    answer(&mut s, "1ms");
    let shown = expect(&mut s, "Which approach?");
    assert!(shown.contains("thread-pool"), "{shown}");
    assert!(shown.contains("4 tasks testing 97, waits of"), "{shown}");
    send(&mut s, CTRL_C);
    expect(&mut s, "Save the bar graph");
    answer(&mut s, "n");
    ends_with_status(&mut s, 0);
}

#[test]
fn your_own_python_function_runs_under_every_python_approach_named_in_the_table_and_graph() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    // Seven interpreters, each started and its function imported, on a machine that may be busy.
    s.set_expect_timeout(Some(Duration::from_secs(300)));
    expect(&mut s, "Which approach?");
    answer(&mut s, "Your own Python function");
    expect(&mut s, "Your Python function");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/cpu_loop.py");
    answer(&mut s, &format!("{}:work", file.display()));
    expect(&mut s, "How many tasks");
    answer(&mut s, "2");
    expect(&mut s, "Pool size?");
    answer(&mut s, "2");
    let shown = expect(&mut s, "Which approach?");
    assert!(!shown.contains("error"), "{shown}");
    for id in [
        "py-sequential",
        "py-threads",
        "py-thread-pool",
        "py-asyncio",
        "py-process ",
        "py-process-pool",
        "py-pool",
    ] {
        assert!(shown.contains(id), "{id} in the running table: {shown}");
    }
    assert!(
        shown.contains("2 tasks calling cpu_loop.py:work"),
        "the work names the function: {shown}"
    );
    answer(&mut s, "Show the bar graph");
    let graph = expect(&mut s, "Save the bar graph");
    assert!(graph.contains("py-threads ×2 cpu_loop.py:work"), "{graph}");
    answer(&mut s, "y");
    expect(&mut s, "Save the chart to:");
    send(&mut s, ENTER);
    expect(&mut s, "Saved parlab-session-1.svg");
    ends_with_status(&mut s, 0);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("parlab-session-1.json")).unwrap())
            .unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 7, "{json}");
    for r in runs {
        assert_eq!(r["verified"], true, "{r}");
        assert_eq!(r["py_func"], format!("{}:work", file.display()), "{r}");
    }
}

#[test]
fn ctrl_c_at_a_prompt_ends_the_session_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    expect(&mut s, "Which approach?");
    send(&mut s, ENTER);
    expect(&mut s, "Number to test for primality");
    send(&mut s, CTRL_C);
    expect(&mut s, "No runs this session");
    ends_with_status(&mut s, 0);
}

/// Processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let parent = stat[close + 2..]
            .split(' ')
            .nth(1)
            .and_then(|f| f.parse::<u32>().ok());
        if parent == Some(pid) {
            out.push(p);
        }
    }
    out
}

#[test]
fn ctrl_c_during_a_process_pool_run_stops_it_kills_the_workers_and_returns_to_the_menu() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    let pid = s.get_process().pid().as_raw() as u32;
    expect(&mut s, "Which approach?");
    answer(&mut s, "ProcessPoolExecutor");
    expect(&mut s, "Number to test for primality");
    send(&mut s, ENTER); // the default: slow enough to interrupt
    expect(&mut s, "How many tasks");
    answer(&mut s, "200");
    expect(&mut s, "Pool size?");
    answer(&mut s, "2");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "n");
    let since = Instant::now();
    while children_of(pid).len() < 2 {
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "the workers never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    send(&mut s, CTRL_C);
    expect(&mut s, "Run stopped");
    expect(&mut s, "Which approach?");
    assert!(
        since.elapsed() < Duration::from_secs(30),
        "the run should stop at once"
    );
    assert_eq!(children_of(pid), Vec::<u32>::new(), "workers left alive");
    send(&mut s, CTRL_C);
    expect(&mut s, "No runs this session");
    ends_with_status(&mut s, 0);
}

#[test]
fn a_signal_sent_with_kill_at_the_menu_ends_the_session_with_its_status() {
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = start(dir.path());
        let pid = s.get_process().pid().as_raw();
        expect(&mut s, "Which approach?");
        // SAFETY: kill takes plain integers; the pid is our pty's child, not yet reaped.
        unsafe { libc::kill(pid, signal) };
        expect(&mut s, "ended by signal");
        ends_with_status(&mut s, code);
    }
}

#[test]
fn sigterm_during_a_run_ends_the_session_with_143_and_leaves_no_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    let pid = s.get_process().pid().as_raw() as u32;
    expect(&mut s, "Which approach?");
    answer(&mut s, "ProcessPoolExecutor");
    expect(&mut s, "Number to test for primality");
    send(&mut s, ENTER);
    expect(&mut s, "How many tasks");
    answer(&mut s, "200");
    expect(&mut s, "Pool size?");
    answer(&mut s, "2");
    expect(&mut s, "Simulate I/O?");
    answer(&mut s, "n");
    let since = Instant::now();
    while children_of(pid).len() < 2 {
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "the workers never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let workers = children_of(pid);
    // SAFETY: as above.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    ends_with_status(&mut s, 143);
    // Reparented to init once parlab is gone, a killed worker is reaped a moment later.
    let since = Instant::now();
    while workers
        .iter()
        .any(|w| Path::new(&format!("/proc/{w}")).exists())
    {
        assert!(
            since.elapsed() < Duration::from_secs(10),
            "workers left alive: {workers:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
