//! Issue 23: a command's stderr kept to its last few KiB and escaped, a `--compare` file's
//! figures checked, and memory running out under `ulimit -v` reported, not an abort; threads
//! whose stacks cannot fit under it refused up front.

use super::guard::{parlab, sh};

/// The flags of a short run of `-a APPROACH` after `run`.
fn short(approach: &str) -> String {
    format!("-a {approach} --runs 1 --warmup 0 --no-baseline --no-progress")
}

#[test]
fn a_commands_stderr_is_kept_short_read_as_it_comes_and_escaped() {
    // Under a 256 KiB file-size limit (ulimit -f counts KiB in bash), a command whose 8 MiB of
    // stderr went to a file would be killed by SIGXFSZ; read through a pipe and cut to its
    // last KiB it ends as it chose to, and its last line is quoted with its control bytes and
    // invalid UTF-8 shown as escapes.
    let command = r#"head -c 8M /dev/zero >&2; printf 'last\001line\377\n' >&2; exit 3"#;
    for approach in ["threads", "async", "process-pool"] {
        let ran = sh(&format!(
            "ulimit -f 256; exec \"$PARLAB\" run -w command --command \"{command}\" -t 2 {}",
            short(approach)
        ));
        assert_eq!(ran.code(), 1, "{approach}: {}", ran.stderr);
        assert!(
            ran.stderr
                .contains("exited with status 3; its stderr ended: "),
            "{approach}: {}",
            ran.stderr
        );
        assert!(
            ran.stderr.contains(r"\0\0last\x01line\xff"),
            "{approach}: {}",
            ran.stderr
        );
        assert!(
            !ran.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "{approach}: a raw control byte was printed: {:?}",
            ran.stderr
        );
        let message = ran
            .stderr
            .lines()
            .find(|l| l.contains("its stderr ended"))
            .unwrap();
        assert!(message.len() < 2000, "{approach}: {} bytes", message.len());
    }
}

#[test]
fn a_compare_file_with_times_no_run_measures_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.json");
    let run = [
        "run",
        "-w",
        "noop",
        "-t",
        "4",
        "--mock",
        "-a",
        "threads",
        "--no-progress",
    ];
    let ran = parlab(&[&run[..], &["--export-json", saved.to_str().unwrap()]].concat());
    assert_eq!(ran.code(), 0, "{}", ran.stderr);
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let cases: [(&str, f64, &str); 5] = [
        (
            "/results/0/wall_s",
            1e308,
            "results[0] (sequential).wall_s = 1e308",
        ),
        (
            "/results/1/wall_s",
            -2.0,
            "results[1] (threads).wall_s = -2",
        ),
        (
            "/results/1/wall_s_max",
            1e30,
            "results[1] (threads).wall_s_max = 1e30",
        ),
        (
            "/results/1/runs/0/wall_s",
            -0.5,
            "results[1] (threads).runs[0].wall_s = -0.5",
        ),
        ("/config/io_wait_s", 1e300, "config.io_wait_s = 1e300"),
    ];
    for (pointer, value, key) in cases {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = value.into();
        let file = dir.path().join("crafted.json");
        std::fs::write(&file, serde_json::to_string(&bad).unwrap()).unwrap();
        let ran = parlab(&[&run[..], &["--compare", file.to_str().unwrap()]].concat());
        assert_eq!(ran.code(), 2, "{pointer}: {}", ran.stderr);
        assert!(
            ran.stderr.starts_with("error: --compare: '"),
            "{pointer}: {}",
            ran.stderr
        );
        assert!(ran.stderr.contains("crafted.json"), "{}", ran.stderr);
        assert!(ran.stderr.contains(key), "{pointer}: {}", ran.stderr);
        assert!(
            !ran.stdout.contains("18446744073709551615"),
            "{}",
            ran.stdout
        );
    }
}

#[test]
fn memory_refused_under_an_address_space_limit_is_reported_not_an_abort() {
    // 100,000 tasks of async-mt need more than these limits hold (what fails first depends on
    // which allocator arenas the threads got): parlab either runs them or says it ran out of
    // memory, naming the limit, exit 1; never SIGABRT (status 134) with a core dump.
    for limit_kib in [40_000, 60_000, 200_000] {
        let ran = sh(&format!(
            "ulimit -v {limit_kib}; exec \"$PARLAB\" run -w noop -t 100000 {}",
            short("async-mt")
        ));
        match ran.code() {
            0 => {}
            1 => {
                let line = ran.stderr.trim_end().lines().last().unwrap_or_default();
                assert!(
                    line.starts_with("error: out of memory: ") && line.contains("ulimit -v"),
                    "{limit_kib} KiB: {}",
                    ran.stderr
                );
            }
            other => panic!("{limit_kib} KiB: exit {other}: {}", ran.stderr),
        }
    }
}

#[test]
fn threads_whose_stacks_cannot_fit_under_ulimit_v_are_refused_up_front() {
    // Each case's threads' stacks alone need far more address space than the limit leaves:
    // refused before anything runs, naming the flag and the limit, exit 2; never a panic (a
    // runtime's, or the standard library's when a new thread's signal stack cannot be mapped).
    for (limit_kib, flag, args) in [
        (200_000, "--tasks", "-w io --io-wait 1s -t 5000 -a threads"),
        (
            50_000,
            "--pool-size",
            "-w io --io-wait 100ms -t 1000 -p 200 -a thread-pool",
        ),
        (
            50_000,
            "--pool-size",
            "-w io --io-wait 100ms -t 1000 -p 200 -a rayon",
        ),
        (
            50_000,
            "--pool-size",
            "-w io --io-wait 100ms -t 1000 -p 200 -a async-mt",
        ),
    ] {
        let case = format!("ulimit -v {limit_kib}: {args}");
        let ran = sh(&format!(
            "ulimit -v {limit_kib}; exec \"$PARLAB\" run {args} --runs 1 --warmup 0 \
             --no-baseline --no-progress"
        ));
        assert_eq!(ran.code(), 2, "{case}: {}", ran.stderr);
        assert!(
            ran.stderr.starts_with(&format!("error: {flag}: approach "))
                && ran
                    .stderr
                    .contains("the address-space limit (ulimit -v) leaves about")
                && ran.stderr.contains("raise the limit (ulimit -v)")
                && !ran.stderr.contains("panicked"),
            "{case}: {}",
            ran.stderr
        );
    }
    // 100,000 waiting tasks of async-mt (the issue's case): refused up front, out of memory
    // named in one line, or run; never a panic, a hang (the guard's timeout) or an abort.
    for limit_kib in [20_000, 50_000, 200_000] {
        let ran = sh(&format!(
            "ulimit -v {limit_kib}; exec \"$PARLAB\" run -w io --io-wait 1s -t 100000 {}",
            short("async-mt")
        ));
        let errors = ran
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count();
        assert!(
            !ran.stderr.contains("panicked") && errors == usize::from(ran.code() != 0),
            "{limit_kib} KiB: {}",
            ran.stderr
        );
        match ran.code() {
            0 => {}
            1 => assert!(
                ran.stderr.contains("error: out of memory: ") && ran.stderr.contains("ulimit -v"),
                "{limit_kib} KiB: {}",
                ran.stderr
            ),
            2 => assert!(
                ran.stderr.contains("(ulimit -v) leaves about"),
                "{limit_kib} KiB: {}",
                ran.stderr
            ),
            other => panic!("{limit_kib} KiB: exit {other}: {}", ran.stderr),
        }
    }
}
