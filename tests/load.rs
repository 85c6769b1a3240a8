//! End-to-end: the machine's load in `parlab run`'s JSON (the busy mock machine) and the
//! flags that deal with it (`--wait-idle`, the hidden `--mock-load`).

use crate::common::parlab;

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = parlab()
        .args(["run", "--mock", "--format", "json"])
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON document")
}

#[test]
fn a_busy_mock_machine_shows_its_load_per_run_and_in_all() {
    let doc = json_of(&["--mock-load", "2", "--tasks", "8", "--pool-size", "2"]);
    let share = doc["load"]["foreign_share"]
        .as_f64()
        .expect("load.foreign_share");
    assert!((share - 1.0).abs() < 0.01, "{share}");
    assert!(doc["load"]["foreign_cpu_s"].as_f64().unwrap() > 0.0);
    for result in doc["results"].as_array().unwrap() {
        for run in result["runs"].as_array().unwrap() {
            let s = run["foreign_share"]
                .as_f64()
                .expect("per-run foreign_share");
            assert!((s - 1.0).abs() < 0.01, "{s}");
        }
        if let Some(e) = result["efficiency"].as_f64() {
            assert!(e <= 1.0 + 1e-9, "{}: efficiency {e}", result["approach"]);
        }
    }
    // An idle mock machine reports no load at all.
    let doc = json_of(&["--tasks", "8", "--pool-size", "2"]);
    assert!(doc.get("load").is_none(), "{}", doc["load"]);
}

#[test]
fn load_flags_refuse_bad_values_naming_the_flag() {
    for (args, flag) in [
        (&["--mock-load", "2"][..], "--mock-load"),
        (&["--mock", "--mock-load", "lots"][..], "--mock-load"),
        (&["--wait-idle=soon"][..], "--wait-idle"),
    ] {
        let out = parlab()
            .arg("run")
            .args(args)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
}

#[test]
fn help_explains_wait_idle() {
    let out = parlab().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--wait-idle"), "{help}");
    assert!(help.contains("CI runners"), "{help}");
    assert!(!help.contains("--mock-load"), "{help}");
}
