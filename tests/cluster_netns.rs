//! Beyond one machine, tested as two: parlab and a joined process in two network namespaces
//! joined by a veth pair, every byte between them through a relay per direction with its own
//! delay (20 ms from parlab to the host, 5 ms back: this kernel may have no `netem`). The run
//! verifies, the measured clock offset is within its stated bound (the two share one clock, so
//! the truth is 0, and the uneven delays are what the bound must cover), and cutting the link
//! mid-run is reported within the keepalive time with nothing left on either side.
//!
//! It needs root (`ip netns`); elsewhere it says why it is skipped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::PARLAB;

/// The keepalive parlab states (src/cluster/watch.rs).
const KEEPALIVE: Duration = Duration::from_secs(8);
/// From parlab to the host, and back.
const THERE: Duration = Duration::from_millis(20);
const BACK: Duration = Duration::from_millis(5);

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Two namespaces joined by a veth pair, deleted when dropped.
struct Pair {
    a: String,
    b: String,
}

impl Pair {
    fn new() -> Result<Pair, String> {
        let id = std::process::id() % 100_000;
        let pair = Pair {
            a: format!("plA{id}"),
            b: format!("plB{id}"),
        };
        let (va, vb) = (format!("pva{id}"), format!("pvb{id}"));
        ip(&["netns", "add", &pair.a])?;
        ip(&["netns", "add", &pair.b])?;
        ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb])?;
        ip(&["link", "set", &va, "netns", &pair.a])?;
        ip(&["link", "set", &vb, "netns", &pair.b])?;
        ip(&["-n", &pair.a, "addr", "add", "10.231.0.1/24", "dev", &va])?;
        ip(&["-n", &pair.b, "addr", "add", "10.231.0.2/24", "dev", &vb])?;
        for (ns, dev) in [(&pair.a, &va), (&pair.b, &vb)] {
            ip(&["-n", ns, "link", "set", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(pair)
    }

    fn cut(&self) {
        let id = std::process::id() % 100_000;
        ip(&["-n", &self.a, "link", "set", &format!("pva{id}"), "down"]).unwrap();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.a]);
        let _ = ip(&["netns", "del", &self.b]);
    }
}

/// Moves this thread into network namespace `ns` (threads it starts follow it).
fn enter(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).unwrap();
    // SAFETY: setns on a namespace file we hold open; it affects this thread only.
    assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
}

/// Copies `from` to `to`, each chunk `delay` late, in order.
fn delayed(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    thread::spawn(move || {
        for (due, bytes) in rx {
            thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0
            || tx
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
        {
            break;
        }
    }
}

/// A relay in namespace `ns` from `listen` to `target`: `out` late towards the target, `back`
/// late on the way back.
fn relay(ns: String, listen: &'static str, target: &'static str, out: Duration, back: Duration) {
    let (ready_tx, ready) = mpsc::channel();
    thread::spawn(move || {
        enter(&ns);
        let l = TcpListener::bind(listen).unwrap();
        ready_tx.send(()).unwrap();
        for client in l.incoming().map_while(Result::ok) {
            thread::spawn(move || {
                let Ok(server) = TcpStream::connect(target) else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                thread::spawn(move || delayed(s2, c2, back));
                delayed(client, server, out);
            });
        }
    });
    ready.recv().unwrap();
}

/// Runs `args` under `ip netns exec ns`, its stderr read line by line.
fn start_in(ns: &str, args: &[&str], env: &[(String, String)]) -> Running {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, PARLAB])
        .args(args)
        .envs(env.iter().cloned())
        .stdout(Stdio::piped())
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
    let mut out = child.stdout.take().unwrap();
    let stdout = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    Running {
        child,
        lines,
        stdout: Some(stdout),
        seen: Vec::new(),
    }
}

struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    stdout: Option<thread::JoinHandle<String>>,
    seen: Vec<String>,
}

impl Running {
    fn line(&mut self, needle: &str, limit: Duration) -> String {
        let until = Instant::now() + limit;
        loop {
            match self
                .lines
                .recv_timeout(until.saturating_duration_since(Instant::now()))
            {
                Ok(l) if l.contains(needle) => return l,
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no '{needle}' within {limit:?}: {:?}", self.seen),
            }
        }
    }

    /// Its exit code, stdout and stderr, and how long after the call it ended.
    fn end(mut self, limit: Duration) -> (Option<i32>, String, String, Duration) {
        let since = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                since.elapsed() < limit,
                "did not end within {limit:?}: {:?}",
                self.seen
            );
            thread::sleep(Duration::from_millis(20));
        };
        let took = since.elapsed();
        let out = self.stdout.take().unwrap().join().unwrap();
        thread::sleep(Duration::from_millis(100));
        self.seen.extend(self.lines.try_iter());
        (status.code(), out, self.seen.join("\n"), took)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The secret in the command parlab printed.
fn secret_of(printed: &str) -> Vec<(String, String)> {
    printed
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn worker_args() -> [&'static str; 7] {
    [
        "cluster-worker",
        "--join",
        "127.0.0.1:7100",
        "--index",
        "1",
        "--listen",
        "127.0.0.1:7101",
    ]
}

/// This build's parlab processes still running the test's cluster (another checkout's suite
/// may be running the same test at the same time).
fn left_behind() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains("--join 127.0.0.1:7100") || c.contains("10.231.0.1:7000"))
        .filter(|c| !c.contains("cluster_netns") && c.starts_with(PARLAB))
        .collect()
}

#[test]
fn two_namespaces_with_uneven_delays_verify_measure_the_offset_and_survive_a_cut() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: network namespaces (ip netns) need root; run the tests as root");
        return;
    }
    let pair = match Pair::new() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("skipped: cannot make two network namespaces with a veth pair: {e}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts.txt");
    std::fs::write(&hosts, "10.231.0.1:7000\n10.231.0.2:7001\n").unwrap();
    // Both relays in the host's namespace: its join connection to parlab, and parlab's mesh
    // connection to it, each 20 ms towards the host and 5 ms back.
    relay(
        pair.b.clone(),
        "127.0.0.1:7100",
        "10.231.0.1:7000",
        BACK,
        THERE,
    );
    relay(
        pair.b.clone(),
        "10.231.0.2:7001",
        "127.0.0.1:7101",
        THERE,
        BACK,
    );
    let hosts_arg = hosts.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "-a", "cluster", "--no-baseline", "--runs", "1"];
        args.extend([
            "--warmup",
            "0",
            "--join-timeout",
            "30s",
            "--hosts",
            hosts_arg,
        ]);
        args.extend(extra);
        start_in(&pair.a, &args, &[])
    };

    // 1. A run that verifies, its clock offset within its stated bound.
    let mut parlab = run(&[
        "-w",
        "mixed",
        "--io-wait",
        "20ms",
        "--tasks",
        "8",
        "--format",
        "json",
    ]);
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let worker = start_in(&pair.b, &worker_args(), &secret_of(&printed));
    let (code, out, err, _) = parlab.end(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["approach"] == "cluster")
        .unwrap();
    assert_eq!(r["verified"], true, "{r}");
    let c = &r["children"][0];
    let (offset, bound) = (
        c["clock_offset_ns"][0].as_i64().unwrap(),
        c["clock_offset_ns"][1].as_u64().unwrap(),
    );
    // One clock (the truth is 0): the estimate is within its bound, which covers the uneven
    // delays (half the round trip of 25 ms and more).
    assert!(
        offset.unsigned_abs() <= bound,
        "offset {offset} ns ± {bound}"
    );
    assert!(
        bound >= 12_000_000,
        "the relays' delays are in the bound: {bound}"
    );
    assert_eq!(worker.end(Duration::from_secs(30)).0, Some(0));

    // 2. The link cut mid-run: reported within the keepalive, nothing left on either side.
    let mut parlab = run(&["-w", "io", "--io-wait", "500ms", "--tasks", "200"]);
    let printed = parlab.line(" parlab cluster-worker ", Duration::from_secs(30));
    let worker = start_in(&pair.b, &worker_args(), &secret_of(&printed));
    thread::sleep(Duration::from_secs(4));
    pair.cut();
    let (code, _, err, took) = parlab.end(KEEPALIVE * 4);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("said nothing for 8 s"), "{err}");
    assert!(took < KEEPALIVE * 3, "reported after {took:?}");
    let (wcode, _, werr, wtook) = worker.end(KEEPALIVE * 4);
    assert_eq!(wcode, Some(1), "{werr}");
    assert!(werr.contains("parlab said nothing for 8 s"), "{werr}");
    assert!(wtook < KEEPALIVE * 3, "the host ended after {wtook:?}");
    assert_eq!(left_behind(), Vec::<String>::new());
    eprintln!(
        "offset {offset} ns ± {bound} ns; cut reported after {took:?} by parlab, {wtook:?} by the host"
    );
}
