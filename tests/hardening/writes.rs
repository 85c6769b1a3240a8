//! Issue 15 item 3: a failed write never panics. A closed pipe is a quiet success; any other
//! failure is one message on the stream that still works and exit status 1.

use super::guard::sh;

/// Every subcommand that prints, quick under `--mock`.
const COMMANDS: [&str; 5] = [
    "run -w noop -t 4 --mock",
    "sweep -w noop -t 4 --pool-sizes 1,2 --mock",
    "demos --mock",
    "completions bash",
    "list",
];

#[test]
fn a_closed_pipe_on_stdout_or_stderr_is_a_quiet_success() {
    for args in COMMANDS {
        for redirect in ["", "2>&1"] {
            // The reader goes away at once: every write after that meets a closed pipe.
            let ran = sh(&format!(
                "bash -c 'set -o pipefail; \"$PARLAB\" {args} {redirect} | (exec <&-; true)'"
            ));
            assert_eq!(ran.code(), 0, "{args} {redirect}: {}", ran.stderr);
            assert!(!ran.stderr.contains("panicked"), "{args}: {}", ran.stderr);
        }
    }
}

#[test]
fn the_status_of_a_closed_pipe_is_success() {
    for args in COMMANDS {
        // bash reports the status of parlab itself, not of the reader.
        let ran = sh(&format!(
            "bash -c 'set -o pipefail; \"$PARLAB\" {args} 2>&1 | head -c 1 >/dev/null'"
        ));
        assert_eq!(ran.code(), 0, "{args}: {}", ran.stderr);
    }
}

#[test]
fn a_full_device_is_one_message_and_exit_1() {
    for args in COMMANDS {
        let ran = sh(&format!("\"$PARLAB\" {args} >/dev/full"));
        assert_eq!(ran.code(), 1, "{args} >/dev/full: {}", ran.stderr);
        assert!(!ran.stderr.contains("panicked"), "{args}: {}", ran.stderr);
        assert_eq!(
            ran.stderr.matches("error: ").count(),
            1,
            "{args} >/dev/full: {}",
            ran.stderr
        );
        assert!(ran.stderr.contains("stdout"), "{args}: {}", ran.stderr);
    }
    for args in &COMMANDS[..2] {
        // stderr is full: the message goes to stdout, the one stream that still works.
        let ran = sh(&format!("\"$PARLAB\" {args} 2>/dev/full"));
        assert_eq!(ran.code(), 1, "{args} 2>/dev/full: {}", ran.stdout);
        assert!(
            ran.stdout.contains("error: could not write to stderr"),
            "{args} 2>/dev/full: {}",
            ran.stdout
        );
    }
}
