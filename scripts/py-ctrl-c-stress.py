#!/usr/bin/env python3
"""Ctrl-C during a --py-func run, at every phase, on a busy machine (issue 26's hang).

Starts two CPU hogs (`--hogs N`), then runs N times
    PARLAB run --py-func faults.py:nap --py-check faults.py:yes -a py-process-pool
        --no-baseline --tasks 4 --pool-size 2 --runs 1 --warmup 0 --no-progress
sending one SIGINT at a moment chosen in turn: right after the start, during the import probe,
once 1, 2 or 3 driver processes exist, or 0-3 s into the run. Each run has `--timeout` s
(default 30) to end; a run that does not is a hang (its threads' wchan are printed, then it is
killed). Counts hangs, exit statuses other than 130 and runs that left a tagged process.
`--ignore-sigint` starts parlab with SIGINT ignored, as a background job of a non-interactive
shell inherits it. The hogs are killed at the end.

Usage: scripts/py-ctrl-c-stress.py PARLAB N [--hogs 2] [--timeout 30] [--ignore-sigint]
"""
import os, random, signal, subprocess, sys, tempfile, time

FAULTS = '''
import time
def nap(task):
    time.sleep(60)
    return task
def yes(task, value):
    return True
'''
MARK = b"parlab's Python driver"


def tagged(tag):
    needle = f"PARLAB_TEST_TAG={tag}\0".encode()
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            env = open(f"/proc/{e}/environ", "rb").read()
            stat = open(f"/proc/{e}/stat").read()
            cmd = open(f"/proc/{e}/cmdline", "rb").read()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            continue
        if needle in env:
            out.append((int(e), MARK in cmd, b"--probe-func" in cmd.split(b"\0")))
    return out


def threads(pid):
    res = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                comm = open(f"/proc/{pid}/task/{t}/comm").read().strip()
                wchan = open(f"/proc/{pid}/task/{t}/wchan").read().strip()
                st = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()[0]
                res.append(f"{comm} {st} {wchan}")
            except OSError:
                pass
    except OSError:
        pass
    return "; ".join(res)


def main():
    parlab, n = sys.argv[1], int(sys.argv[2])
    hogs_n = 2
    timeout = 30.0
    args = sys.argv[3:]
    if "--hogs" in args:
        hogs_n = int(args[args.index("--hogs") + 1])
    ignore = "--ignore-sigint" in args
    if "--timeout" in args:
        timeout = float(args[args.index("--timeout") + 1])
    d = tempfile.mkdtemp(prefix="h26-stress-")
    f = os.path.join(d, "faults.py")
    open(f, "w").write(FAULTS)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs_n)]
    modes = ["start", "probe", "py1", "py2", "py3", "run"]
    results = []
    try:
        for i in range(n):
            mode = modes[i % len(modes)]
            tag = f"h26-stress-{os.getpid()}-{i}"
            env = dict(os.environ, PARLAB_TEST_TAG=tag, NO_COLOR="1")
            env.pop("PARLAB_PY_FAULT", None)
            p = subprocess.Popen(
                [parlab, "run", "--py-func", f"{f}:nap", "--py-check", f"{f}:yes",
                 "-a", "py-process-pool", "--no-baseline", "--tasks", "4", "--pool-size", "2",
                 "--runs", "1", "--warmup", "0", "--no-progress"],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore else None)
            t0 = time.monotonic()
            sent = None
            # wait for the moment
            while p.poll() is None and time.monotonic() - t0 < timeout:
                procs = tagged(tag)
                drivers = [x for x in procs if x[1] and not x[2]]
                probing = any(x[2] for x in procs)
                if mode == "start" and time.monotonic() - t0 > random.uniform(0, 0.3):
                    break
                if mode == "probe" and probing:
                    break
                if mode in ("py1", "py2", "py3") and len(drivers) >= int(mode[2]):
                    break
                if mode == "run" and len(drivers) >= 3:
                    time.sleep(random.uniform(0, 3))
                    break
                time.sleep(0.002)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGINT)
                sent = time.monotonic() - t0
            hung = False
            dump = ""
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                hung = True
                dump = threads(p.pid)
                p.kill()
                p.wait()
            err = p.stderr.read().decode(errors="replace")
            p.stderr.close()
            time.sleep(0.5)
            left = tagged(tag)
            for pid, _, _ in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            took = time.monotonic() - t0
            results.append((mode, hung, p.returncode, len(left)))
            last = err.strip().splitlines()[-1:] if err.strip() else [""]
            print(f"{i:3} {mode:5} sigint@{sent if sent is None else round(sent, 2)} "
                  f"rc={p.returncode} hung={hung} left={len(left)} took={took:.1f}s "
                  f"{dump} | {last[0][:120]}", flush=True)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        os.unlink(f)
        os.rmdir(d)
    hangs = sum(1 for r in results if r[1])
    leftovers = sum(1 for r in results if r[3])
    bad_rc = sum(1 for r in results if not r[1] and r[2] != 130)
    print(f"TOTAL {len(results)}: hangs {hangs}, runs leaving processes {leftovers}, "
          f"other exit status {bad_rc}")


if __name__ == "__main__":
    main()
