//! Issue 23: refusals that name the right cause and the right fix (the limit, the pool size,
//! the file's size, the accepted units), one case a row.

use super::guard::sh;

/// One refusal: a shell line (`$PARLAB` is the binary), the start of its message, words it
/// must hold and words it must not.
struct Case {
    script: &'static str,
    starts: &'static str,
    holds: &'static [&'static str],
    never: &'static [&'static str],
}

const RUN: &str = "run --runs 1 --warmup 0 --no-progress";

#[test]
fn refusals_name_the_limit_or_flag_that_is_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let big_hosts = dir.path().join("hosts.txt");
    std::fs::write(&big_hosts, "127.0.0.1:7000\n".repeat(80_000)).unwrap();
    let hosts = format!(
        "exec \"$PARLAB\" {RUN} -a cluster -w noop --hosts '{}'",
        big_hosts.display()
    );
    let cases = [
        Case {
            // One connection is all sequential needs, and the limit leaves none: the limit is
            // the cause, not the tasks ("use at most 0 tasks, a pooled approach").
            script: "ulimit -n 64; exec \"$PARLAB\" {RUN} -w net -t 4 -a sequential",
            starts: "error: --workload: net work needs at least one connection",
            holds: &["ulimit -n", "at least 65"],
            never: &["at most 0", "pooled approach"],
        },
        Case {
            // A pool is told to shrink, not to become a pool.
            script: "ulimit -n 100; exec \"$PARLAB\" {RUN} -w net -t 100 -p 50 -a thread-pool",
            starts: "error: --pool-size: 100 net tasks keep 50 connections",
            holds: &["use --pool-size 36 or less"],
            never: &["pooled approach"],
        },
        Case {
            // The open-file limit is named as such, not as "1 child process".
            script: "ulimit -n 70; exec \"$PARLAB\" {RUN} -w noop -t 16 -a process",
            starts: "error: --tasks: 16 tasks need 16 child processes",
            holds: &["open-file limit (ulimit -Hn) of 70", "at most about 3"],
            never: &["at most about 1:"],
        },
        Case {
            // process-pool starting more workers than fit is refused before it starts any,
            // naming its pool size, never told to use process-pool.
            script: "ulimit -n 70; exec \"$PARLAB\" {RUN} -w noop -t 80 -p 40 -a process-pool",
            starts: "error: --pool-size: approach process-pool starts 40 worker processes",
            holds: &["open-file limit"],
            never: &["or process-pool"],
        },
        Case {
            script: "exec \"$PARLAB\" {RUN} -w net --payload 1GiB",
            starts: "error: --payload: '1GiB' is too large",
            holds: &["G or GiB", "KiB", "MiB"],
            never: &["not a byte count"],
        },
        Case {
            script: "HOSTS",
            starts: "error: --hosts: ",
            holds: &["larger than 1 MiB", "host:port"],
            never: &["report"],
        },
    ];
    for case in cases {
        let script = match case.script {
            "HOSTS" => hosts.clone(),
            s => s.replace("{RUN}", RUN),
        };
        let ran = sh(&script);
        assert_eq!(ran.code(), 2, "{script}: {}", ran.stderr);
        let line = ran.stderr.trim_end();
        assert!(line.starts_with(case.starts), "{script}: {line}");
        for words in case.holds {
            assert!(line.contains(words), "{script}: no '{words}' in {line}");
        }
        for words in case.never {
            assert!(!line.contains(words), "{script}: '{words}' in {line}");
        }
    }
}

#[test]
fn a_commands_lesson_never_blames_the_gil() {
    // A command is a program of its own: whatever the lesson, it does not say CPython's GIL
    // would hold threads that run commands near 1.0x.
    let ran = sh(
        "exec \"$PARLAB\" run -w command --command 'i=0; while [ $i -lt 20000 ]; do \
         i=$((i+1)); done' -t 4 -a threads,thread-pool --runs 2 --warmup 0 --no-progress",
    );
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(!all.contains("the GIL would hold threads"), "{all}");
    assert!(
        !all.contains("processes are the way around the GIL"),
        "{all}"
    );
}
