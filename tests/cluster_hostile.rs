//! The cluster against strangers and failures: joins proven in both directions (a stranger
//! without the secret gets nothing of the run and takes no slot; a genuine `cluster-worker`
//! runs nothing from a stranger), a slow or silent stranger holds up neither the join nor
//! Ctrl-C, a relay rewriting a host's figures is caught, and a stopped cluster process (local
//! or joined) ends the run within the keepalive. Every case runs under a time limit and checks
//! that no process is left.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{PARLAB, SMALL_PRIME, parlab_std};

/// The keepalive parlab states (src/cluster/watch.rs): a process silent this long is gone.
const KEEPALIVE: Duration = Duration::from_secs(8);

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Processes whose command line holds `needle`.
fn processes_running(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

/// The pids of processes whose command line holds `needle`.
fn pids_running(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let c = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&c)
                .replace('\0', " ")
                .contains(needle)
                .then_some(pid)
        })
        .collect()
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill with plain integers, on a process this test started.
    unsafe { libc::kill(pid, sig) };
}

/// A child whose stderr is read line by line as it comes, and which is killed if the test
/// ends early.
struct Watched {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watched {
    fn start(mut cmd: Command) -> Watched {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line holding `needle`, waiting up to `limit`.
    fn line(&mut self, needle: &str, limit: Duration) -> String {
        let until = Instant::now() + limit;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(needle) {
                        return l;
                    }
                }
                Err(_) => panic!("no line with '{needle}' in {limit:?}: {:?}", self.seen),
            }
        }
    }

    /// Waits up to `limit` for its end: its exit code, everything it wrote to stderr, and how
    /// long it took.
    fn end(mut self, limit: Duration) -> (Option<i32>, String, Duration) {
        let since = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if since.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "pid {} did not end within {limit:?}: {:?}",
                    self.child.id(),
                    self.seen
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        let took = since.elapsed();
        thread::sleep(Duration::from_millis(100));
        self.seen.extend(self.lines.try_iter());
        (status.code(), self.seen.join("\n"), took)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A hosts file for two processes on localhost, its folder and parlab's and the other's port.
fn two_hosts() -> (tempfile::TempDir, std::path::PathBuf, u16, u16) {
    let (p0, p1) = (free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.txt");
    std::fs::write(&path, format!("127.0.0.1:{p0}\n127.0.0.1:{p1}\n")).unwrap();
    (dir, path, p0, p1)
}

/// parlab over `hosts` with `args`, waiting up to `join` for the hosts.
fn parlab_over(hosts: &std::path::Path, join: &str, args: &[&str]) -> Watched {
    let mut cmd = parlab_std();
    cmd.args(["run", "-a", "cluster", "--no-baseline", "--runs", "1"])
        .args(["--warmup", "0", "--join-timeout", join])
        .args(args)
        .arg("--hosts")
        .arg(hosts);
    Watched::start(cmd)
}

/// The command parlab printed on `line` (`  HOST:PORT:  [VAR=VALUE ...] parlab ARGS`), with
/// `--join` pointed at `join` if given.
fn printed_command(line: &str, join: Option<&str>) -> Command {
    let (_, command) = line.split_once(":  ").expect("HOST:PORT:  COMMAND");
    let mut words = command.split_whitespace().peekable();
    let mut run = Command::new(PARLAB);
    while let Some((name, value)) = words.peek().and_then(|w| w.split_once('=')) {
        run.env(name, value);
        words.next();
    }
    assert_eq!(words.next(), Some("parlab"), "{line}");
    let mut args: Vec<String> = words.map(str::to_owned).collect();
    if let Some(j) = join {
        let at = args.iter().position(|a| a == "--join").unwrap();
        args[at + 1] = j.to_owned();
    }
    run.args(args);
    run
}

#[test]
fn a_stranger_without_the_secret_gets_nothing_of_the_run_and_takes_no_slot() {
    let (_dir, hosts, p0, _) = two_hosts();
    let command = "test {task} -ge 0 # leaked-if-seen";
    let mut parlab = parlab_over(
        &hosts,
        "30s",
        &["--command", command, "--tasks", "4", "--format", "json"],
    );
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    // The stranger says it is process 1 (as an old parlab's host would), and then whatever it
    // likes, and reads all it is sent.
    let mut stranger = TcpStream::connect(("127.0.0.1", p0)).unwrap();
    stranger.write_all(b"join 1 4242 4 fakeboot-1\n").unwrap();
    stranger.write_all(&[0u8; 64]).unwrap();
    stranger
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    let _ = stranger.read_to_end(&mut got);
    assert!(
        got.len() <= 24 + 33,
        "only the challenge and a refusal: {got:?}"
    );
    let seen = String::from_utf8_lossy(&got);
    assert!(
        !seen.contains("run") && !seen.contains("leaked-if-seen"),
        "{got:?}"
    );
    // The real host still takes slot 1, and the run verifies.
    let worker = Watched::start(printed_command(&printed, None));
    let (code, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("turned away a connection from 127.0.0.1"),
        "{err}"
    );
    let (wcode, werr, _) = worker.end(Duration::from_secs(30));
    assert_eq!(wcode, Some(0), "{werr}");
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{p0}")),
        Vec::<String>::new()
    );
}

#[test]
fn a_slow_or_silent_stranger_holds_up_neither_the_join_limit_nor_ctrl_c() {
    // One byte every 1.5 s used to stretch --join-timeout 4s to 41 s.
    let (_dir, hosts, p0, _) = two_hosts();
    let mut parlab = parlab_over(&hosts, "4s", &["--tasks", "2"]);
    parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let since = Instant::now();
    let dribble = thread::spawn(move || {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", p0)) else {
            return;
        };
        for _ in 0..30 {
            if s.write_all(b"j").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(1500));
        }
    });
    let silent = TcpStream::connect(("127.0.0.1", p0)).unwrap();
    let (code, err, _) = parlab.end(Duration::from_secs(60));
    let took = since.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("did not join within the time limit of 4"),
        "{err}"
    );
    // 4 s and some (a busy machine), far from the 41 s of a limit stretched per byte.
    assert!(took < Duration::from_secs(20), "took {took:?}");
    drop(silent);
    dribble.join().unwrap();

    // Ctrl-C while a stranger holds a connection open, saying nothing.
    let (_dir, hosts, p0, _) = two_hosts();
    let mut parlab = parlab_over(&hosts, "60s", &["--tasks", "2"]);
    parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let _silent = TcpStream::connect(("127.0.0.1", p0)).unwrap();
    thread::sleep(Duration::from_millis(500));
    signal(parlab.pid() as i32, libc::SIGINT);
    let (code, err, took) = parlab.end(Duration::from_secs(30));
    assert_ne!(code, Some(0), "{err}");
    assert!(
        took < Duration::from_secs(10),
        "SIGINT heard after {took:?}: {err}"
    );
}

/// A stand-in for parlab that a genuine `cluster-worker` meets at its `--join` address: it
/// listens, and `act` does what it likes with the first connection.
fn fake_parlab(act: impl FnOnce(TcpStream) + Send + 'static) -> (u16, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            act(s)
        }
    });
    (port, t)
}

#[test]
fn a_genuine_worker_runs_nothing_from_a_process_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("PWNED");
    let run = format!(
        "run {{\"env\":[[\"PARLAB_COMMAND\",\"touch {}\"]]}}\n",
        pwned.display()
    );
    type Act = Box<dyn FnOnce(TcpStream, String) + Send>;
    let cases: Vec<(&str, Act, &str)> = vec![
        (
            "sends the run at once",
            Box::new(|mut s, run| {
                let _ = s.write_all(run.as_bytes());
                thread::sleep(Duration::from_secs(2));
            }),
            "is not the parlab that printed this command",
        ),
        (
            "plays the challenge, then accepts any proof",
            Box::new(|mut s, run| {
                let _ = s.write_all(b"parlab\x01\x000123456789abcdef");
                let mut answer = [0u8; 56];
                let _ = s.read_exact(&mut answer);
                let _ = s.write_all(&[0u8; 33]);
                let _ = s.write_all(run.as_bytes());
                thread::sleep(Duration::from_secs(2));
            }),
            "do not share the secret",
        ),
        (
            "says nothing",
            Box::new(|s, _| {
                thread::sleep(Duration::from_secs(12));
                drop(s);
            }),
            "did not finish the handshake",
        ),
    ];
    for (what, act, says) in cases {
        let r = run.clone();
        let (port, fake) = fake_parlab(move |s| act(s, r));
        let mut worker = Command::new(PARLAB);
        worker
            .env("PARLAB_CLUSTER_SECRET", "0f".repeat(16))
            .args(["cluster-worker", "--join", &format!("127.0.0.1:{port}")])
            .args([
                "--index",
                "1",
                "--listen",
                &format!("127.0.0.1:{}", free_port()),
            ]);
        let (code, err, _) = Watched::start(worker).end(Duration::from_secs(30));
        assert_eq!(code, Some(1), "{what}: {err}");
        assert!(
            err.contains(says) && err.contains("nothing was run"),
            "{what}: {err}"
        );
        assert!(!pwned.exists(), "{what}: ran the stranger's command");
        fake.join().unwrap();
    }
    // Without a secret at all it says how to start it.
    let out = Command::new(PARLAB)
        .env_remove("PARLAB_CLUSTER_SECRET")
        .env_remove("PARLAB_CLUSTER_SECRET_FILE")
        .args(["cluster-worker", "--join", "127.0.0.1:9", "--index", "1"])
        .args(["--listen", "127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARLAB_CLUSTER_SECRET"));
}

#[test]
fn a_secret_given_by_hand_must_be_128_bits_and_is_used_by_both_sides() {
    let (_dir, hosts, p0, _) = two_hosts();
    let out = parlab_std()
        .env("PARLAB_CLUSTER_SECRET", "abcd")
        .args(["run", "-a", "cluster", "--hosts"])
        .arg(&hosts)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("PARLAB_CLUSTER_SECRET") && err.contains("128"),
        "{err}"
    );
    // From a file, for a scripted cluster: parlab does not print it; the host gets the file.
    let file = _dir.path().join("secret");
    std::fs::write(&file, "5a".repeat(20) + "\n").unwrap();
    let mut cmd = parlab_std();
    cmd.env("PARLAB_CLUSTER_SECRET_FILE", &file)
        .args([
            "run", "-a", "cluster", "--runs", "1", "--warmup", "0", "--tasks", "4",
        ])
        .args(["--no-baseline", "--join-timeout", "30s", "--hosts"])
        .arg(&hosts);
    let mut parlab = Watched::start(cmd);
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    assert!(!printed.contains(&"5a".repeat(20)), "{printed}");
    let mut worker = printed_command(&printed, None);
    worker.env("PARLAB_CLUSTER_SECRET_FILE", &file);
    let worker = Watched::start(worker);
    let (code, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(worker.end(Duration::from_secs(30)).0, Some(0));
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{p0}")),
        Vec::<String>::new()
    );
}

/// Forwards `from` to `to`: the first `raw` bytes as they come, then line by line, each
/// handed to `edit`.
fn pass(from: TcpStream, mut to: TcpStream, raw: usize, edit: fn(String) -> String) {
    let mut r = BufReader::new(from);
    let mut buf = [0u8; 64];
    let mut left = raw;
    while left > 0 {
        match r.read(&mut buf[..left.min(64)]) {
            Ok(n) if n > 0 && to.write_all(&buf[..n]).is_ok() => left -= n,
            _ => return,
        }
    }
    let mut line = String::new();
    while r.read_line(&mut line).is_ok_and(|n| n > 0) {
        if to
            .write_all(edit(std::mem::take(&mut line)).as_bytes())
            .is_err()
        {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// A relay on a port of its own to parlab's `p0`, rewriting what the host says with `edit`.
fn rewriting_relay(p0: u16, edit: fn(String) -> String) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((host, _)) = l.accept() else { return };
        let parlab = TcpStream::connect(("127.0.0.1", p0)).unwrap();
        let (h2, p2) = (host.try_clone().unwrap(), parlab.try_clone().unwrap());
        // parlab to the host: the challenge (24 bytes) and verdict (33), then lines, as they are.
        thread::spawn(move || pass(p2, h2, 24 + 33, |l| l));
        // The host to parlab: its proof (56 bytes), then lines, rewritten.
        pass(host, parlab, 56, edit);
    });
    port
}

#[test]
fn a_relay_rewriting_a_hosts_figures_is_caught() {
    let (_dir, hosts, p0, _) = two_hosts();
    let mut parlab = parlab_over(&hosts, "30s", &["--tasks", "4", "--number", SMALL_PRIME]);
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    // CPU 2m03s claimed for a run of a fraction of a second.
    let relay = rewriting_relay(p0, |l| match l.strip_prefix("end ") {
        Some(rest) => {
            let peak = rest.split_whitespace().next().unwrap_or("0").to_owned();
            format!("end {peak} 123000000000 0\n")
        }
        None => l,
    });
    let worker = Watched::start(printed_command(
        &printed,
        Some(&format!("127.0.0.1:{relay}")),
    ));
    let (code, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cluster process 1") && err.contains("more than its cores can do"),
        "{err}"
    );
    let (wcode, _, _) = worker.end(Duration::from_secs(30));
    assert!(wcode.is_some());
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{relay}")),
        Vec::<String>::new()
    );
}

#[test]
fn a_stranger_on_a_joined_hosts_listen_port_is_not_taken_for_parlab() {
    let (_dir, hosts, p0, p1) = two_hosts();
    let mut parlab = parlab_over(
        &hosts,
        "30s",
        &["-w", "io", "--io-wait", "300ms", "--tasks", "6"],
    );
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let worker = Watched::start(printed_command(&printed, None));
    // It connects to the host's mesh port and says it is timely process 1 (parlab).
    let until = Instant::now() + Duration::from_secs(20);
    let stranger = loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", p1)) {
            let _ = s.write_all(&1u64.to_le_bytes());
            break s;
        }
        assert!(Instant::now() < until, "the host never listened");
        thread::sleep(Duration::from_millis(50));
    };
    let (code, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(worker.end(Duration::from_secs(30)).0, Some(0));
    drop(stranger);
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{p0}")),
        Vec::<String>::new()
    );
}

#[test]
fn a_stopped_local_cluster_process_ends_the_run_within_the_keepalive() {
    let mut cmd = parlab_std();
    cmd.args(["run", "-a", "cluster", "--no-baseline", "-w", "io"])
        .args(["--io-wait", "500ms", "--tasks", "200", "--pool-size", "2"])
        .args(["--runs", "1", "--warmup", "0"]);
    let parlab = Watched::start(cmd);
    let needle = format!("cluster-worker --parent {} ", parlab.pid());
    let until = Instant::now() + Duration::from_secs(30);
    let child = loop {
        if let Some(&pid) = pids_running(&needle).first() {
            break pid;
        }
        assert!(
            Instant::now() < until,
            "no cluster process: {:?}",
            parlab.seen
        );
        thread::sleep(Duration::from_millis(20));
    };
    thread::sleep(Duration::from_millis(1500));
    signal(child, libc::SIGSTOP);
    let since = Instant::now();
    let (code, err, _) = parlab.end(Duration::from_secs(60));
    let took = since.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cluster process 1") && err.contains("said nothing for 8 s: it is stopped"),
        "{err}"
    );
    // Reported within the keepalive and a margin for a busy machine, not never.
    assert!(took < KEEPALIVE * 3, "took {took:?}");
    assert_eq!(processes_running(&needle), Vec::<String>::new());
}

#[test]
fn a_stopped_joined_process_ends_the_run_within_the_keepalive_and_then_itself() {
    let (_dir, hosts, p0, _) = two_hosts();
    let mut parlab = parlab_over(
        &hosts,
        "30s",
        &["-w", "io", "--io-wait", "500ms", "--tasks", "200"],
    );
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let mut worker = Watched::start(printed_command(&printed, None));
    let wpid = worker.pid() as i32;
    thread::sleep(Duration::from_millis(3000));
    signal(wpid, libc::SIGSTOP);
    let since = Instant::now();
    let (code, err, _) = parlab.end(Duration::from_secs(60));
    let took = since.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cluster process 1 (127.0.0.1:") && err.contains("said nothing for 8 s"),
        "{err}"
    );
    assert!(took < KEEPALIVE * 3, "took {took:?}");
    // Woken, it finds parlab gone and ends: nothing is left.
    signal(wpid, libc::SIGCONT);
    let (wcode, werr) = {
        worker.seen.clear();
        let (c, e, _) = worker.end(Duration::from_secs(30));
        (c, e)
    };
    assert_eq!(wcode, Some(1), "{werr}");
    assert!(!werr.contains("panicked"), "{werr}");
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{p0}")),
        Vec::<String>::new()
    );
}

#[test]
fn a_host_that_joined_first_waits_for_a_late_one_past_the_keepalive() {
    // parlab says `beat` to each host from the moment it is admitted: the first does not take
    // parlab's wait for the second for silence.
    let (p0, p1, p2) = (free_port(), free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts.txt");
    std::fs::write(
        &hosts,
        format!("127.0.0.1:{p0}\n127.0.0.1:{p1}\n127.0.0.1:{p2}\n"),
    )
    .unwrap();
    let mut parlab = parlab_over(&hosts, "60s", &["--tasks", "6", "--number", SMALL_PRIME]);
    let first = parlab.line("--index 1 ", Duration::from_secs(30));
    let second = parlab.line("--index 2 ", Duration::from_secs(30));
    let one = Watched::start(printed_command(&first, None));
    thread::sleep(KEEPALIVE + Duration::from_secs(2));
    let two = Watched::start(printed_command(&second, None));
    let (code, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{err}");
    for w in [one, two] {
        let (c, e, _) = w.end(Duration::from_secs(30));
        assert_eq!(c, Some(0), "{e}");
    }
    assert_eq!(
        processes_running(&format!("--join 127.0.0.1:{p0}")),
        Vec::<String>::new()
    );
}
