//! parlab among other tools: its JSON read the way hyperfine's analysis scripts read theirs
//! (keys and types), for `run` and `sweep`; subcommands that list only their own flags; the
//! man page and the completions.

use crate::common;

use serde_json::Value;

/// Runs `parlab ARGS…` and returns its stdout (the exit status must be 0).
fn stdout(args: &[&str]) -> String {
    let out = common::parlab_std().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Reads one `results` entry as hyperfine's scripts do: `command`; `mean`, `median`, `min`,
/// `max`, `user`, `system` numbers; `stddev` a number or null; `times` numbers (one per
/// run); `exit_codes` integers; `parameters` string values that `float()` reads (numeric ones).
fn check_hyperfine_entry(b: &Value) {
    assert!(b["command"].is_string(), "{b}");
    for key in ["mean", "median", "min", "max", "user", "system"] {
        assert!(b[key].is_f64(), "{key}: {}", b[key]);
    }
    let times: Vec<f64> = b["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    assert_eq!(times.len(), b["runs"].as_array().unwrap().len());
    let memory = b["memory_usage_byte"].as_array().unwrap();
    assert_eq!(memory.len(), times.len(), "one per run: {b}");
    assert!(memory.iter().all(|m| m.as_u64().unwrap() > 0), "{b}");
    let codes = b["exit_codes"].as_array().unwrap();
    assert_eq!(codes.len(), times.len());
    assert!(codes.iter().all(|c| c.as_i64() == Some(0)), "{b}");
    match times.len() {
        1 => assert!(b["stddev"].is_null(), "one run has no stddev"),
        _ => assert!(b["stddev"].as_f64().unwrap() > 0.0),
    }
    let (lo, hi) = (b["min"].as_f64().unwrap(), b["max"].as_f64().unwrap());
    assert!(times.iter().all(|&t| lo <= t && t <= hi));
    let p = b["parameters"].as_object().unwrap();
    assert!(p.values().all(Value::is_string), "{p:?}");
    p["pool_size"].as_str().unwrap().parse::<f64>().unwrap();
}

#[test]
fn a_run_export_reads_like_hyperfines() {
    for runs in ["3", "1"] {
        let out = stdout(&[
            "run",
            "--mock",
            "-a",
            "sequential,threads",
            "--runs",
            runs,
            "--export-json",
            "-",
        ]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        let results = doc["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        for b in results {
            check_hyperfine_entry(b);
            assert_eq!(b["command"], b["approach"], "parlab's keys stay");
            let p = b["parameters"].as_object().unwrap();
            assert_eq!(p["workload"], "cpu");
            assert_eq!(p["tasks"], "4");
            assert_eq!(p["number"], "834238027356431");
        }
        assert_eq!(doc["format_version"], 1);
        assert!(doc["context"]["date_time"].is_string());
    }
}

/// `doc`'s `results` as `plot_parametrized.py` reads one file: every entry's one parameter
/// (the same name throughout) as x, its `mean` as y. Returns the name and the (x, y) points.
fn parametrized_series(doc: &Value) -> (String, Vec<(f64, f64)>) {
    let results = doc["results"].as_array().unwrap();
    assert!(!results.is_empty(), "no benchmark data to plot");
    let mut names = Vec::new();
    let points = results
        .iter()
        .map(|b| {
            let p = b["parameters"].as_object().unwrap();
            assert_eq!(p.len(), 1, "exactly one parameter: {p:?}");
            let (name, value) = p.iter().next().unwrap();
            names.push(name.clone());
            let x: f64 = value.as_str().unwrap().parse().unwrap();
            (x, b["mean"].as_f64().unwrap())
        })
        .collect();
    names.dedup();
    assert_eq!(names.len(), 1, "one parameter name: {names:?}");
    (names.remove(0), points)
}

/// The `command` of each entry of `doc`'s `results`, in order.
fn commands(doc: &Value) -> Vec<String> {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["command"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_run_exports_keep_the_order_of_approach() {
    let json = |approaches: &str| -> Value {
        let args = ["run", "--mock", "-a", approaches, "--runs", "2"];
        let out = stdout(&[&args[..], &["--export-json", "-"]].concat());
        serde_json::from_str(&out).unwrap()
    };
    // The mock's rayon is faster than threads, threads faster than thread-pool at 2 workers:
    // the table sorts them, the export does not.
    let order = ["rayon", "thread-pool", "threads"];
    for asked in [order, [order[2], order[0], order[1]]] {
        let doc = json(&asked.join(","));
        let mut want = vec!["sequential".to_string()];
        want.extend(asked.iter().map(|a| a.to_string()));
        assert_eq!(commands(&doc), want, "an unasked baseline first");
    }
    let doc = json("threads,sequential,rayon");
    assert_eq!(commands(&doc), ["threads", "sequential", "rayon"]);
    // The CSV's rows and the Markdown's too.
    let args = [
        "run",
        "--mock",
        "-a",
        "threads,sequential,rayon",
        "--runs",
        "2",
    ];
    let csv = stdout(&[&args[..], &["--export-csv", "-"]].concat());
    let firsts: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(firsts, ["threads", "sequential", "rayon"], "{csv}");
    let md = stdout(&[&args[..], &["--export-markdown", "-"]].concat());
    let rows: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| l.split('`').next().unwrap())
        .collect();
    assert_eq!(rows, ["threads", "sequential", "rayon"], "{md}");
}

#[test]
fn a_runs_json_and_csv_parameters_agree() {
    for cmd in [
        &["run", "--mock", "-a", "threads", "--runs", "2"][..],
        &[
            "sweep",
            "--mock",
            "--pool-sizes",
            "1,2",
            "-a",
            "rayon",
            "--runs",
            "2",
        ][..],
    ] {
        let doc: Value =
            serde_json::from_str(&stdout(&[cmd, &["--export-json", "-"]].concat())).unwrap();
        let csv = stdout(&[cmd, &["--export-csv", "-"]].concat());
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let results = doc["results"].as_array().unwrap();
        assert_eq!(rows.len(), results.len(), "{csv}");
        for (row, b) in rows.iter().zip(results) {
            let p = b["parameters"].as_object().unwrap();
            let in_csv: Vec<(&str, &str)> = header
                .iter()
                .zip(row)
                .filter_map(|(h, v)| h.strip_prefix("parameter_").map(|n| (n, *v)))
                .collect();
            let in_json: Vec<(&str, &str)> = p
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            assert_eq!(in_csv, in_json, "{cmd:?}");
        }
    }
}

#[test]
fn a_sweep_export_reads_as_one_series_per_approach() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("sweep-{approach}.json");
    let sweep = [
        "sweep",
        "--mock",
        "--pool-sizes",
        "1,2,4",
        "-a",
        "thread-pool,rayon",
        "--runs",
        "2",
    ];
    let args: Vec<&str> = sweep
        .iter()
        .copied()
        .chain(["--export-json", template.to_str().unwrap()])
        .collect();
    stdout(&args);
    // `plot_parametrized.py sweep-*.json`: one file, one line, per approach.
    for a in ["thread-pool", "rayon"] {
        let path = dir.path().join(format!("sweep-{a}.json"));
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for b in doc["results"].as_array().unwrap() {
            check_hyperfine_entry(b);
        }
        assert!(commands(&doc).iter().all(|c| c == a), "{path:?}");
        let (name, points) = parametrized_series(&doc);
        assert_eq!(name, "pool_size");
        let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
        assert_eq!(xs, [1.0, 2.0, 4.0], "{a}: one point per size, ascending");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // One file: the same entries, approach by approach, no baseline (not asked for).
    let whole: Value =
        serde_json::from_str(&stdout(&[&sweep[..], &["--export-json", "-"]].concat())).unwrap();
    let (_, points) = parametrized_series(&whole);
    assert_eq!(points.len(), 6);
    assert_eq!(
        commands(&whole),
        [
            "thread-pool",
            "thread-pool",
            "thread-pool",
            "rayon",
            "rayon",
            "rayon"
        ]
    );
    // Asked for, the baseline is a series too; `--format json` carries the same results.
    let args: Vec<&str> = sweep
        .iter()
        .map(|a| {
            if *a == "thread-pool,rayon" {
                "sequential,rayon"
            } else {
                a
            }
        })
        .chain(["--format", "json"])
        .collect();
    let doc: Value = serde_json::from_str(&stdout(&args)).unwrap();
    assert!(
        doc["points"].is_array() && doc["fits"].is_array(),
        "the sweep's own keys stay"
    );
    assert_eq!(
        commands(&doc),
        [
            "sequential",
            "sequential",
            "sequential",
            "rayon",
            "rayon",
            "rayon"
        ]
    );
    let csv = stdout(&[&sweep[..], &["--export-csv", "-"]].concat());
    assert!(
        csv.starts_with("command,mean,stddev,median,user,system,min,max,approach,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 7, "{csv}");
}

#[test]
fn each_subcommand_lists_only_its_own_flags() {
    let sweep = stdout(&["sweep", "--help"]);
    for refused in ["--pool-size ", "--compare", "--no-baseline"] {
        assert!(
            !sweep.contains(refused),
            "sweep --help lists {refused}:\n{sweep}"
        );
    }
    assert!(sweep.contains("--pool-sizes") && sweep.contains("--export-json"));
    let run = stdout(&["run", "--help"]);
    for own in ["--pool-size ", "--compare", "--no-baseline"] {
        assert!(run.contains(own), "run --help lacks {own}");
    }
    let out = common::parlab_std()
        .args(["sweep", "--mock", "--compare", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_and_completions_render() {
    let man = stdout(&["man"]);
    assert!(man.lines().any(|l| l.starts_with(".TH parlab 1")), "{man}");
    assert!(man.contains("sweep"));
    assert!(man.contains(".SH \"EXIT STATUS\"") && man.contains(".SH ENVIRONMENT"));
    let bash = stdout(&["completions", "bash"]);
    // Every approach and workload `parlab list` names (its first word on each line under a
    // heading), Rust and Python ones alike.
    let list = stdout(&["list"]);
    let ids: Vec<&str> = list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.ends_with(':'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        ids.contains(&"threads") && ids.contains(&"py-pool"),
        "{list}"
    );
    for id in ids {
        assert!(bash.contains(id), "{id}");
    }
    assert!(bash.contains("mixed") && bash.contains("noop"));
}

/// The visible subcommands, as `parlab --help` lists them (the hidden ones are parlab's own
/// processes; `help` is clap's).
fn visible_subcommands() -> Vec<String> {
    let help = stdout(&["--help"]);
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A command's line starts two spaces in; its help's continuation lines further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&name| name != "help")
        .map(str::to_owned)
        .collect();
    assert!(listed.len() > 3, "no commands in:\n{help}");
    listed
}

#[test]
fn man_dir_writes_a_page_per_subcommand_with_exit_status_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let listed = stdout(&["man", "--dir", dir.path().to_str().unwrap()]);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    let mut expected: Vec<String> = visible_subcommands()
        .iter()
        .map(|s| format!("parlab-{s}.1"))
        .collect();
    expected.push("parlab.1".into());
    expected.sort();
    assert!(expected.len() >= 7, "{expected:?}");
    assert_eq!(pages, expected);
    assert_eq!(listed.lines().count(), pages.len(), "{listed}");
    let top = std::fs::read_to_string(dir.path().join("parlab.1")).unwrap();
    for page in &pages {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        let name = page.trim_end_matches(".1");
        assert!(text.contains(&format!(".TH {name} 1 ")), "{page}");
        for section in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH OPTIONS"] {
            assert!(text.contains(section), "{page} lacks {section}");
        }
        assert!(
            text.contains("NO_COLOR") && text.contains("\\fB2\\fR"),
            "{page}"
        );
        let measures = ["parlab", "parlab-run", "parlab-sweep", "parlab-demos"].contains(&name);
        assert_eq!(text.contains("SIGINT"), measures, "{page}");
        // The top page points to every other page, and to no page that is not there.
        if name != "parlab" {
            assert!(
                top.contains(&format!("{}(1)", name.replace('-', "\\-"))),
                "{name}"
            );
        }
        assert!(
            !text.contains("mock") && !text.contains("help(1)"),
            "{page}"
        );
    }
    let run = std::fs::read_to_string(dir.path().join("parlab-run.1")).unwrap();
    assert!(run.contains("\\-\\-pool\\-size") && run.contains("parlab(1)"));
    let out = common::parlab_std()
        .args(["man", "--dir", "/nonexistent/man1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dir"));
}

#[test]
fn completions_offer_no_hidden_subcommand_or_flag_in_any_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for sub in visible_subcommands() {
            assert!(script.contains(&sub), "{shell} lacks {sub}");
        }
        assert!(script.contains("pool-sizes"), "{shell}");
        // What only the hidden items have: their descriptions and their flags.
        for hidden in ["Run as a", "parent", "io-wait-ns", "mock"] {
            assert!(!script.contains(hidden), "{shell} offers {hidden:?}");
        }
    }
    let bash = stdout(&["completions", "bash"]);
    assert!(!bash.contains("parlab,worker)") && !bash.contains("parlab,serve)"));
    let zsh = stdout(&["completions", "zsh"]);
    assert!(!zsh.contains("'worker:") && !zsh.contains("'serve:"));
}

/// rustdoc shows a link to a module hidden from the docs as plain text: the crate-root docs
/// link only the modules they document (a broken link is `cargo doc`'s to catch, in .ci/run).
#[test]
fn the_crate_docs_link_no_hidden_module() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    let lines: Vec<&str> = lib.lines().collect();
    let hidden: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[0].trim() == "#[doc(hidden)]")
        .filter_map(|w| w[1].strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    assert!(!hidden.contains(&"lab"), "{hidden:?}");
    let docs: String = lines
        .iter()
        .filter(|l| l.starts_with("//!"))
        .copied()
        .collect();
    for m in hidden {
        for link in [format!("[`{m}`]"), format!("[`{m}::"), format!("(mod@{m})")] {
            assert!(
                !docs.contains(&link),
                "src/lib.rs links the hidden module {m}: {link}"
            );
        }
    }
}

/// Runs `parlab ARGS…` and returns (stdout, stderr); the exit status must be 0.
fn both(args: &[&str]) -> (String, String) {
    let out = common::parlab_std().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

#[test]
fn quiet_prints_the_table_and_nothing_else() {
    let args = ["run", "--mock", "-a", "sequential,threads", "--runs", "3"];
    let (out, err) = both(&args);
    assert!(
        !err.is_empty() && out.contains("• "),
        "without -q: lines and notes"
    );
    // Into a pipe, stdout is the results: the lesson and the hint go to stderr.
    assert!(!out.contains("Lesson:") && !out.contains("hint:"), "{out}");
    assert!(err.contains("Lesson:"), "{err}");
    let quiet: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
    let (out, err) = both(&quiet);
    assert_eq!(err, "", "no progress, lesson or hint on stderr");
    assert!(out.contains("│ threads"), "{out}");
    // The table alone: its one-line heading, then nothing but the box.
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("cpu × 4 tasks"), "{out}");
    for line in lines {
        assert!(
            line.starts_with(['┌', '│', '╞', '├', '└']),
            "not the table: {line:?} in\n{out}"
        );
    }
    let (out, err) = both(&[
        "sweep",
        "--mock",
        "--pool-sizes",
        "1,2",
        "-a",
        "thread-pool",
        "--runs",
        "2",
        "-q",
    ]);
    assert_eq!(err, "");
    assert!(out.contains("thread-pool"), "{out}");
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("sweep: "), "{out}");
    assert!(
        lines.all(|l| l.starts_with(['┌', '│', '╞', '├', '└'])),
        "the table alone: {out}"
    );
}

#[test]
fn color_always_and_never_override_the_terminal_check() {
    let demos = ["demos", "--mock", "--quick"];
    let with = |c: &str| {
        let args: Vec<&str> = demos.iter().copied().chain(["--color", c]).collect();
        both(&args).0
    };
    assert!(with("always").contains("\x1b[31m"));
    assert!(!with("never").contains('\x1b'));
    assert!(!with("auto").contains('\x1b'), "a pipe is not a terminal");
    // `run` too: the bars in their family's colour, into a pipe when asked.
    let run = |c: &str| {
        both(&[
            "run", "--mock", "-a", "threads", "--runs", "2", "--color", c,
        ])
        .0
    };
    let always = run("always");
    assert!(always.contains("\x1b[32m█"), "{always}");
    assert!(!run("never").contains('\x1b') && !run("auto").contains('\x1b'));
}

#[test]
fn the_context_and_the_runs_actually_used_are_reported() {
    let doc = |args: &[&str]| -> Value { serde_json::from_str(&stdout(args)).unwrap() };
    // Decided from the first run: `config.warmup` stays null, the counts used are given.
    let auto = doc(&[
        "run",
        "--mock",
        "-a",
        "sequential,threads",
        "--format",
        "json",
    ]);
    assert!(auto["config"]["warmup"].is_null());
    let used = auto["config"]["repetitions_used"].as_array().unwrap();
    assert_eq!(used.len(), 2);
    for u in used {
        assert_eq!(u["warmup"], 1, "{u}");
        let r = auto["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["approach"] == u["approach"])
            .unwrap();
        assert_eq!(
            u["runs"].as_u64().unwrap() as usize,
            r["times"].as_array().unwrap().len()
        );
    }
    let asked = doc(&[
        "run", "--mock", "-a", "threads", "--runs", "2", "--warmup", "3", "--format", "json",
    ]);
    assert!(
        asked["config"]["repetitions_used"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["warmup"] == 3 && u["runs"] == 2)
    );
    // A real (tiny) run: the real context.
    let real = doc(&[
        "run",
        "-a",
        "sequential",
        "-w",
        "noop",
        "--tasks",
        "1",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
    ]);
    let c = &real["context"];
    let date = c["date_time"].as_str().unwrap();
    assert!(
        date.len() == 20 && date.ends_with('Z') && date.as_bytes()[10] == b'T',
        "{date}"
    );
    assert!(
        c["command_line"]
            .as_str()
            .unwrap()
            .starts_with("parlab run -a sequential -w noop"),
        "{c}"
    );
    assert!(c["rustc"].as_str().unwrap().starts_with("rustc "), "{c}");
    assert!(!c["kernel"].as_str().unwrap().is_empty(), "{c}");
    assert_eq!(c["parlab_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn the_saved_command_line_reads_back_through_shlex() {
    let args = [
        "run",
        "-a",
        "sequential",
        "-w",
        "command",
        "--command",
        "true;true",
        "--tasks",
        "1",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
    ];
    let doc: Value = serde_json::from_str(&stdout(&args)).unwrap();
    let line = doc["context"]["command_line"].as_str().unwrap();
    assert!(line.contains("'true;true'"), "{line}");
    let words = shlex::split(line).unwrap();
    assert_eq!(words[0], "parlab");
    assert_eq!(words[1..], args, "{line}");
}
