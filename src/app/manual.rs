//! What `man` and the shells know of parlab: a man page per subcommand and the completion
//! scripts, both from the clap definition that `--help` prints, so they cannot drift from it.
//!
//! clap_mangen renders each page; this module adds the sections it has no source for (EXIT
//! STATUS, ENVIRONMENT, SEE ALSO). The hidden subcommands and flags (parlab's own worker and
//! server, `--mock`) get no page and are left out of the completions: they are parlab's to use,
//! not its users'.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::roff::{Roff, bold, roman};

use super::Cli;

/// The subcommands that measure (and the interactive mode): the full list of exit statuses.
const MEASURING: [&str; 4] = ["parlab", "run", "sweep", "demos"];

/// Exit statuses of the measuring commands: (status, meaning).
const EXIT_MEASURING: [(&str, &str); 5] = [
    ("0", "Every approach ran and every answer was right."),
    (
        "1",
        "An approach failed its check (FAILED in the table) or could not finish (e.g. a worker \
         process died), or a file could not be written after the run.",
    ),
    (
        "2",
        "Bad input, before anything is measured: a flag's value, a --compare file that is \
         unreadable or of other work, an export file that cannot be written, no terminal for \
         the interactive mode. One line names the flag and what it accepts.",
    ),
    (
        "130",
        "Interrupted by Ctrl-C (SIGINT); what finished is printed and exported.",
    ),
    ("143", "Stopped by SIGTERM; as for 130."),
];

/// Exit statuses of the commands that only print (list, completions, man).
const EXIT_PRINTING: [(&str, &str); 3] = [
    (
        "0",
        "Success (also when the reader of stdout stopped reading).",
    ),
    ("1", "The output could not be written."),
    ("2", "Bad input: an unknown flag or value."),
];

/// The environment parlab reads (and sets for `--command`): (variable, meaning).
const ENVIRONMENT: [(&str, &str); 7] = [
    (
        "NO_COLOR",
        "Set and not empty: no colour under --color auto (the default).",
    ),
    (
        "COLUMNS",
        "The width to lay the table, the timeline and the sweep out in when stdout is not a \
         terminal.",
    ),
    (
        "TERM",
        "dumb: no live progress bars; a line per run on stderr instead (as --no-progress).",
    ),
    (
        "LC_ALL, LC_CTYPE, LANG",
        "The first one set decides whether the locale is UTF-8; where it is not, the bars are \
         drawn with ASCII (as --ascii).",
    ),
    (
        "PATH",
        "Where python3 is found for the py-* approaches and the demos' Python lines, unless \
         --python names one.",
    ),
    (
        "PARLAB_TASK, PARLAB_TASKS",
        "Set by parlab for each --command: the task's index and the number of tasks.",
    ),
    (
        "RUST_BACKTRACE",
        "1: a panic prints a backtrace naming each function (the release build keeps the \
         symbols, not the file and line of each frame).",
    ),
];

/// Prints the top page (`parlab man`).
pub fn print_top_page(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(&page(&command())?)
}

/// Writes `parlab.1` and a `parlab-SUBCOMMAND.1` for each visible subcommand into `dir`
/// (`parlab man --dir DIR`), and returns their paths.
pub fn write_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let top = command();
    let mut written = Vec::new();
    for cmd in std::iter::once(&top).chain(top.get_subcommands().filter(|s| !s.is_hide_set())) {
        let path = dir.join(clap_mangen::Man::new(cmd.clone()).get_filename());
        std::fs::write(&path, page(cmd)?)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes the completion script for `shell`, without the hidden subcommands and flags.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = visible(&Cli::command());
    clap_complete::generate(shell, &mut cmd, "parlab", out);
}

/// parlab's command, built (so a subcommand knows its page name, `parlab-run`), with no
/// `help` subcommand: `--help` is on every page.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// One page: clap_mangen's, with EXIT STATUS, ENVIRONMENT and SEE ALSO before its VERSION.
fn page(cmd: &clap::Command) -> io::Result<Vec<u8>> {
    let mut rendered = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .source(concat!("parlab ", env!("CARGO_PKG_VERSION")))
        .render(&mut rendered)?;
    let rendered = String::from_utf8_lossy(&rendered).into_owned();
    let extra = sections(cmd);
    let at = rendered
        .find("\n.SH VERSION")
        .map_or(rendered.len(), |i| i + 1);
    Ok(format!("{}{extra}{}", &rendered[..at], &rendered[at..]).into_bytes())
}

/// The sections clap has no source for, as roff text (without its preamble, which the page
/// already opens with).
fn sections(cmd: &clap::Command) -> String {
    let name = cmd.get_name();
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    let statuses: &[(&str, &str)] = if MEASURING.contains(&name) {
        &EXIT_MEASURING
    } else {
        &EXIT_PRINTING
    };
    list(&mut roff, statuses);
    roff.control("SH", ["ENVIRONMENT"]);
    list(&mut roff, &ENVIRONMENT);
    roff.control("SH", ["SEE ALSO"]);
    let see: Vec<String> = if name == "parlab" {
        vec!["the README and docs/ in parlab's source".into()]
    } else {
        vec!["parlab(1)".into(), format!("parlab {name} --help")]
    };
    roff.text([roman(see.join(", "))]);
    let preamble = Roff::new().render();
    let text = roff.render();
    text.strip_prefix(&preamble).unwrap_or(&text).to_owned()
}

/// A `.TP` list: each term in bold, its meaning under it.
fn list(roff: &mut Roff, items: &[(&str, &str)]) {
    for (term, meaning) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*meaning)]);
    }
}

/// A copy of `cmd` without its hidden subcommands and flags (for the completion scripts,
/// whose generators list every one).
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(cmd.get_name().to_owned())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_leave_out_hidden_subcommands_and_flags() {
        let mut script = Vec::new();
        completions(clap_complete::Shell::Zsh, &mut script);
        let script = String::from_utf8(script).unwrap();
        assert!(script.contains("'--pool-size=") && script.contains("sweep"));
        for hidden in ["--mock", "'worker:", "'serve:"] {
            assert!(!script.contains(hidden), "{hidden}");
        }
    }

    #[test]
    fn every_visible_subcommand_gets_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_pages(dir.path()).unwrap();
        let names: Vec<_> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert!(names.contains(&"parlab.1") && names.contains(&"parlab-run.1"));
        assert!(
            !names
                .iter()
                .any(|n| n.contains("worker") || n.contains("help"))
        );
    }
}
