//! `parlab demos`.

use super::{parlab, text};

#[test]
fn the_demos_in_the_python_format() {
    let out = parlab().args(["demos", "--mock"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn quick_demos_scale_the_waits_down() {
    let out = parlab()
        .args(["demos", "--mock", "--quick"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Async/await: 5 waits of 20 ms"), "{stdout}");
    assert!(stdout.contains("Finished 'async' in 0.02"), "{stdout}");
    // Each pair ran several times: the improvement shows its median and range.
    assert!(stdout.contains("Speed improvement 5.00x ("), "{stdout}");
}

#[test]
fn real_quick_demos_measure_and_check_every_pair() {
    let out = parlab().args(["demos", "--quick"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("Slower approach: Finished '").count(),
        7,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("Faster approach: Finished '").count(),
        7,
        "{stdout}"
    );
    assert_eq!(stdout.matches("Speed improvement ").count(), 7, "{stdout}");
    // A pair below half of its ideal says why, in one line; none says it twice.
    assert!(
        stdout.matches("Below half of the ideal").count() <= 7,
        "{stdout}"
    );
    // Waits overlap whatever the load: 5 waits of 20 ms cannot take 5 × 20 ms concurrently.
    let improvement = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Speed improvement "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.trim_end_matches('x').parse::<f64>().ok())
        .unwrap();
    assert!(improvement > 1.5, "async/await improvement {improvement}");
}

#[test]
fn colours_in_a_terminal_unless_no_color() {
    use expectrl::{Eof, Expect, Session};
    let run = |no_color: Option<&str>| {
        let mut cmd = super::common::parlab_std();
        cmd.args(["demos", "--mock"]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let mut s = Session::spawn(cmd).unwrap();
        let all = s.expect(Eof).unwrap();
        let _ = s.get_process().wait();
        String::from_utf8_lossy(all.as_bytes()).into_owned()
    };
    let coloured = run(None);
    assert!(coloured.contains("\x1b[31mSlower approach"), "{coloured:?}");
    assert!(coloured.contains("\x1b[32mFaster approach"));
    assert!(coloured.contains("\x1b[34mSpeed improvement"));
    let plain = run(Some("1"));
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("Speed improvement 5.00x"));
}
