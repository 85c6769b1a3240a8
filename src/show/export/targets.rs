//! The one route to files: every output the settings ask for (the exports, the chart, the
//! timeline, the trace and the HTML report) is a [`Target`] in one list, [`Targets`], which
//! `parlab run` and `parlab sweep` both write through.
//!
//! Each file goes through [`outfile::write`]: a regular file through a temporary file in the
//! same directory and a rename, so a reader (or a Ctrl-C, or a crash) only ever sees a complete
//! document, the previous one or the new one; a device or FIFO directly, once, at the end. The
//! paths were checked before anything was measured ([`outfile::check_all`]) without writing
//! anything: an existing file stays as it was until there is a result to write. The data
//! exports are then rewritten as measured runs finish ([`Live`], at most every half second), so little of what
//! was measured is lost to a crash; the pictures are drawn once, at the end.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{ExportTarget, Exporter, SweepResults, sweep_export::PER_APPROACH};
use crate::cancel::Cancel;
use crate::judge::report::Report;
use crate::machine::Machine;
use crate::plan::Plan;
use crate::run::bench::{Observer, RunMeasurement};
use crate::show::outfile;
use crate::show::settings::{ImageFormat, VisualOutputs};

/// What the outputs are made from.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    /// One run's report (`parlab run`).
    Run(&'a Report),
    /// A sweep's results (`parlab sweep`).
    Sweep(&'a SweepResults<'a>),
}

impl Subject<'_> {
    /// True when nothing was measured (stopped before its first run ended).
    fn is_empty(&self) -> bool {
        match self {
            Self::Run(report) => report.results.is_empty(),
            Self::Sweep(s) => s.reports.iter().all(|r| r.results.is_empty()),
        }
    }

    /// The bytes `exporter` makes of it; `None`: nothing to write.
    fn bytes(&self, exporter: &dyn Exporter) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            Self::Run(report) => exporter.serialize(report).map(Some),
            Self::Sweep(s) => exporter.serialize_sweep(s),
        }
    }
}

/// Which of the list's files a write takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The data exports' regular files, after a measured run (a device or FIFO takes one
    /// document, at the end).
    Live,
    /// The data exports (JSON, CSV, Markdown).
    Data,
    /// The pictures, the trace and the HTML report.
    Pictures,
    /// Every file.
    All,
}

/// One output: the flag that asked for it, where it goes and what makes its bytes.
pub struct Target {
    /// The flag, for messages.
    flag: &'static str,
    /// The file; `None`: stdout (`-`, the data exports only).
    path: Option<PathBuf>,
    /// A data export: rewritten after every measured run, and in a sweep written once per
    /// approach when its path holds [`PER_APPROACH`].
    data: bool,
    exporter: Box<dyn Exporter>,
}

impl Target {
    /// A picture, trace or report: drawn once, at the end, to a file.
    fn picture(flag: &'static str, path: &Path, exporter: impl Exporter + 'static) -> Self {
        Self {
            flag,
            path: Some(path.to_path_buf()),
            data: false,
            exporter: Box::new(exporter),
        }
    }

    /// Whether a write of `part` takes this target.
    fn in_part(&self, part: Part) -> bool {
        match part {
            Part::Live | Part::Data => self.data,
            Part::Pictures => !self.data,
            Part::All => true,
        }
    }

    /// Writes what the exporter makes of `subject` to `path`, if anything; a FIFO without a
    /// reader is given up on a signal `cancel` holds.
    fn write(&self, path: &Path, subject: Subject<'_>, cancel: &Cancel) -> anyhow::Result<()> {
        let Some(bytes) = subject
            .bytes(&*self.exporter)
            .with_context(|| format!("{}: could not make '{}'", self.flag, path.display()))?
        else {
            return Ok(());
        };
        outfile::write_heeding(path, &bytes, cancel)
            .map_err(|e| anyhow::anyhow!("{}: cannot write '{}': {e}", self.flag, path.display()))
    }
}

/// Every output of a run or a sweep, in the order written: the data exports, then the trace,
/// the timeline, the HTML report and the chart; and the run's cancel flag, so that a FIFO
/// without a reader is not waited for after a signal, even one that came before the write.
pub struct Targets {
    list: Vec<Target>,
    cancel: Cancel,
}

impl Targets {
    /// The list the settings ask for: `exports` (`--export-*`), `visuals` (`--trace`,
    /// `--timeline`, `--html`) and `chart` (`--chart`). A new output is one line here.
    pub fn new(
        exports: &[ExportTarget],
        visuals: &VisualOutputs,
        chart: Option<&(PathBuf, ImageFormat)>,
    ) -> Self {
        let mut list: Vec<Target> = exports
            .iter()
            .map(|e| Target {
                flag: e.format.flag(),
                path: e.path.clone(),
                data: true,
                exporter: Box::new(e.format.exporter()),
            })
            .collect();
        let trace = visuals.trace.as_deref();
        list.extend(trace.map(|p| Target::picture("--trace", p, super::trace::TraceExporter)));
        #[cfg(feature = "charts")]
        {
            use super::{chart::ChartExporter, html::HtmlExporter, timeline::TimelineExporter};
            let timeline = visuals.timeline.as_ref();
            list.extend(
                timeline.map(|(p, f)| {
                    Target::picture("--timeline", p, TimelineExporter { format: *f })
                }),
            );
            let html = visuals.html.as_deref();
            list.extend(html.map(|p| Target::picture("--html", p, HtmlExporter)));
            list.extend(chart.map(|(p, f)| Target::picture("--chart", p, ChartExporter(*f))));
        }
        #[cfg(not(feature = "charts"))]
        let _ = chart;
        Self {
            list,
            cancel: Cancel::new(),
        }
    }

    /// The same list, giving up a FIFO's wait for a reader when `cancel` holds a signal.
    pub fn heeding(self, cancel: &Cancel) -> Self {
        Self {
            cancel: cancel.clone(),
            ..self
        }
    }

    /// True when an export goes to stdout (then the terminal table goes to stderr).
    pub fn uses_stdout(&self) -> bool {
        self.list.iter().any(|t| t.path.is_none())
    }

    /// True when a write of `part` has a file to write.
    fn any(&self, part: Part) -> bool {
        self.list
            .iter()
            .any(|t| t.in_part(part) && t.path.is_some())
    }

    /// Writes `subject` to every file of `part`. A regular file is left as it was while nothing
    /// has been measured; a device or FIFO gets its one document at the end whatever happened,
    /// so that its reader is not left waiting.
    pub fn write(&self, subject: Subject<'_>, part: Part) -> anyhow::Result<()> {
        let nothing = subject.is_empty();
        for t in self.list.iter().filter(|t| t.in_part(part)) {
            let Some(path) = &t.path else { continue };
            let stream = outfile::is_stream(path);
            if (part == Part::Live && stream) || (nothing && !stream) {
                continue;
            }
            match subject {
                Subject::Sweep(s) if t.data && path.to_string_lossy().contains(PER_APPROACH) => {
                    for id in &s.approaches {
                        let one = path.to_string_lossy().replace(PER_APPROACH, id);
                        t.write(Path::new(&one), Subject::Sweep(&s.only(id)), &self.cancel)?;
                    }
                }
                _ => t.write(path, subject, &self.cancel)?,
            }
        }
        Ok(())
    }

    /// The export that goes to stdout, if there is one.
    pub fn stdout(&self, subject: Subject<'_>) -> anyhow::Result<Option<Vec<u8>>> {
        match self.list.iter().find(|t| t.path.is_none()) {
            Some(t) => subject.bytes(&*t.exporter),
            None => Ok(None),
        }
    }
}

/// The least time between two rewrites of the export files while runs go on.
pub const MIN_REWRITE_GAP: Duration = Duration::from_millis(500);

/// A rewrite while runs go on waits at least this many times as long as the last one took.
pub const REWRITE_SHARE: u32 = 10;

/// When the next rewrite may happen. A rewrite holds every run so far, so rewriting after
/// every run made many short runs quadratic (16,000 runs: minutes): a file is rewritten after a
/// run only when [`MIN_REWRITE_GAP`] has passed since the last rewrite, and [`REWRITE_SHARE`]
/// times as long as that rewrite took, so rewriting costs at most about a tenth of the time;
/// the run's end writes every file once more.
#[derive(Debug, Default, Clone, Copy)]
struct Pace {
    /// None before the first rewrite: the first run is written at once.
    next: Option<Instant>,
}

impl Pace {
    /// Whether a rewrite may happen at `now`.
    fn due(&self, now: Instant) -> bool {
        self.next.is_none_or(|next| now >= next)
    }

    /// A rewrite ran from `started` to `ended`.
    fn wrote(&mut self, started: Instant, ended: Instant) {
        let took = ended.saturating_duration_since(started);
        self.next = Some(ended + MIN_REWRITE_GAP.max(took * REWRITE_SHARE));
    }
}

/// An observer that rewrites every data export's file as measured runs finish (at most as
/// often as [`Pace`] allows).
pub struct Live<'a> {
    plan: &'a Plan,
    machine: Machine,
    targets: &'a Targets,
    measurements: Vec<RunMeasurement>,
    keeper: crate::run::bench::EventKeeper,
    pace: Pace,
    /// The first write that failed; later writes are not tried.
    pub error: Option<anyhow::Error>,
}

impl<'a> Live<'a> {
    /// The data exports of runs of `plan` on `machine` to `targets`' files.
    pub fn new(plan: &'a Plan, machine: Machine, targets: &'a Targets) -> Self {
        Self {
            plan,
            machine,
            targets,
            measurements: Vec::new(),
            keeper: crate::run::bench::EventKeeper::new(),
            pace: Pace::default(),
            error: None,
        }
    }
}

impl Observer for Live<'_> {
    fn finished(&mut self, m: &RunMeasurement) {
        if self.error.is_some() || !self.targets.any(Part::Live) {
            return;
        }
        self.measurements.push(m.clone());
        let last = self.measurements.len() - 1;
        self.keeper.keep(&mut self.measurements, last);
        let started = Instant::now();
        if !self.pace.due(started) {
            return;
        }
        let report = crate::judge::notes::annotate(
            Report::build(self.plan, self.machine.clone(), &self.measurements),
            self.plan,
        );
        if let Err(e) = self.targets.write(Subject::Run(&report), Part::Live) {
            self.error = Some(e);
        }
        self.pace.wrote(started, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cli::{Cli, Command};
    use crate::app::config::{RunConfig, SweepConfig};
    use clap::{CommandFactory, Parser};

    #[test]
    fn rewrites_are_paced() {
        let t0 = Instant::now();
        let mut pace = Pace::default();
        assert!(pace.due(t0), "the first run is written at once");
        // A quick rewrite: the next waits the least gap.
        pace.wrote(t0, t0 + Duration::from_millis(1));
        assert!(!pace.due(t0 + Duration::from_millis(100)));
        assert!(!pace.due(t0 + Duration::from_millis(500)));
        assert!(pace.due(t0 + Duration::from_millis(501)));
        // A slow rewrite (a big document): the next waits ten times as long.
        let t1 = t0 + Duration::from_secs(1);
        pace.wrote(t1, t1 + Duration::from_millis(200));
        assert!(!pace.due(t1 + Duration::from_millis(2100)));
        assert!(pace.due(t1 + Duration::from_millis(2200)));
    }

    /// Every flag of `parlab run` that names a file to write (`--hosts` is read).
    fn output_flags() -> Vec<String> {
        let cli = Cli::command();
        let run = cli.find_subcommand("run").expect("a run subcommand");
        run.get_arguments()
            .filter(|a| a.get_value_names().is_some_and(|v| v == ["FILE"]))
            .filter_map(|a| a.get_long())
            .filter(|&long| long != "hosts")
            .map(|long| format!("--{long}"))
            .collect()
    }

    /// The file a test gives `flag`: the flag's name, and an extension it accepts.
    fn file_for(flag: &str) -> String {
        let ext = match flag {
            "--chart" | "--timeline" => "svg",
            "--html" => "html",
            _ => "txt",
        };
        format!("{}.{ext}", flag.trim_start_matches('-'))
    }

    /// `flags`, each with its file in `dir`.
    fn with_files(flags: &[String], dir: &Path) -> Vec<String> {
        flags
            .iter()
            .flat_map(|flag| {
                let file = dir.join(file_for(flag));
                [flag.clone(), file.to_string_lossy().into_owned()]
            })
            .collect()
    }

    fn parse(sub: &str, args: &[String]) -> Option<Command> {
        let argv = ["parlab", sub, "--mock", "--tasks", "4", "--runs", "1"];
        Cli::try_parse_from(
            argv.into_iter()
                .map(String::from)
                .chain(args.iter().cloned()),
        )
        .expect("valid arguments")
        .command
    }

    fn flags(targets: &Targets) -> Vec<&'static str> {
        targets.list.iter().map(|t| t.flag).collect()
    }

    /// Every file in `dir`, each with something in it.
    fn written(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.metadata().unwrap().len() > 0)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn run_and_sweep_write_every_output_flag_through_the_one_list() {
        let every = output_flags();
        assert!(every.len() >= 7, "{every:?}");
        let mut expected: Vec<String> = every.iter().map(|f| file_for(f)).collect();
        expected.sort();
        let dir = tempfile::tempdir().unwrap();
        let args = with_files(&every, dir.path());

        let Some(Command::Run(run)) = parse("run", &args) else {
            unreachable!()
        };
        let cfg = RunConfig::from_args(&run).unwrap();
        let targets = Targets::new(&cfg.exports, &cfg.visuals, cfg.chart.as_ref());
        let mut listed = flags(&targets);
        listed.sort_unstable();
        let mut asked: Vec<&str> = every.iter().map(String::as_str).collect();
        asked.sort_unstable();
        assert_eq!(listed, asked, "every output flag of run is in the list");
        let report = crate::app::fixture::report_for(&["--tasks", "4", "--runs", "1"]);
        targets.write(Subject::Run(&report), Part::All).unwrap();
        assert_eq!(written(dir.path()), expected, "run wrote every file");

        let dir = tempfile::tempdir().unwrap();
        let args = with_files(&every, dir.path());
        let Some(Command::Sweep(sweep)) = parse("sweep", &args) else {
            unreachable!()
        };
        let cfg = SweepConfig::from_args(&sweep).unwrap();
        let targets = Targets::new(&cfg.run.exports, &cfg.run.visuals, cfg.chart.as_ref());
        let mut listed = flags(&targets);
        listed.sort_unstable();
        assert_eq!(listed, asked, "every output flag of sweep is in the list");
        let outcome = crate::judge::sweep::run(
            &cfg.run.plan,
            &cfg.pool_sizes,
            &crate::run::bench::mock::MockExecutor,
            Machine::mock(),
            &crate::cancel::Cancel::new(),
            &mut crate::run::bench::Quiet,
            &mut |_, _| {},
        );
        let results = SweepResults::new(&outcome.sweep, &outcome.reports, false);
        targets.write(Subject::Sweep(&results), Part::All).unwrap();
        assert_eq!(written(dir.path()), expected, "sweep wrote every file");
    }

    #[test]
    fn an_existing_file_stays_until_there_is_a_result_and_then_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("old.json");
        let html = dir.path().join("old.html");
        for file in [&json, &html] {
            std::fs::write(file, "old").unwrap();
        }
        let targets = Targets::new(
            &[ExportTarget {
                format: super::super::ExportFormat::Json,
                path: Some(json.clone()),
            }],
            &VisualOutputs {
                html: Some(html.clone()),
                ..VisualOutputs::default()
            },
            None,
        );
        let mut report =
            crate::app::fixture::report_for(&["--tasks", "2", "--runs", "1", "-a", "threads"]);
        let measured = std::mem::take(&mut report.results);
        for part in [Part::Live, Part::Data, Part::Pictures, Part::All] {
            targets.write(Subject::Run(&report), part).unwrap();
        }
        for file in [&json, &html] {
            assert_eq!(std::fs::read(file).unwrap(), b"old", "{}", file.display());
        }
        report.results = measured;
        targets.write(Subject::Run(&report), Part::Live).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(v["results"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            std::fs::read(&html).unwrap(),
            b"old",
            "pictures wait for the end"
        );
        targets
            .write(Subject::Run(&report), Part::Pictures)
            .unwrap();
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.trim_end().ends_with("</html>"), "{page}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary left"
        );
    }
}
