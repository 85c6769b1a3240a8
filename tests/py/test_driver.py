"""End-to-end tests of parlab's Python driver (src/run/approach/python/driver.py), standard library only.

Run from the repository root: ``python3 -m unittest discover -s tests/py``.

Each test runs the driver as parlab will: a child interpreter in its own session (so every
process it forks can be found afterwards by session id), the ready line read, one request line
written, JSON lines read back. Plans are made the way parlab's ``src/workload`` makes them.
No timing assertions: the only clock checks are hang guards of several seconds.
"""

import json
import math
import os
import platform
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = os.path.join(REPO, "src", "run", "approach", "python", "driver.py")
APPROACHES = ("py-sequential", "py-threads", "py-thread-pool", "py-asyncio",
              "py-process", "py-process-pool", "py-pool")
POOLED = ("py-thread-pool", "py-process-pool", "py-pool")
PROCESSES = ("py-process", "py-process-pool", "py-pool")
GUARD_S = 20  # a hang guard, not a timing assertion
PRIME = 1000003


# ---- plans, as parlab's src/workload/mod.rs makes them ----

def divide_steps(number, cuts):
    """Rust's divide_steps: trial division of `number` split at the fractions `cuts`."""
    lo, hi = 2, math.isqrt(number)
    span = max(hi - lo, 0) + 1
    start, steps = lo, []
    for num, den in cuts:
        end = min(max(lo + span * num // den - 1, 0), hi)
        if end >= start:
            steps.append({"divide": [start, end]})
            start = end + 1
    if start <= hi or not steps:
        steps.append({"divide": [start, hi]})
    return steps


def plan(workload, number, wait_ns=2_000_000):
    wait = {"wait_ns": wait_ns}
    if workload == "cpu":
        return divide_steps(number, [])
    if workload == "io":
        return [wait]
    if workload == "noop":
        return []
    steps = [wait]
    for part in divide_steps(number, [(1, 3), (1, 2)]):
        steps += [part, wait]
    while sum("wait_ns" in s for s in steps) < 4:
        steps.append(wait)
    return steps


def is_prime_reference(n):
    """Deterministic Miller-Rabin (not trial division: an independent check)."""
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


# ---- running the driver ----

def session_members(sid):
    """Processes (zombies too) whose session is `sid`: what the driver left behind."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:
                found.append((int(entry), fields[0].decode()))
    return found


class Driver:
    """One driver process, read line by line with timeouts."""

    def __init__(self, fault="", via_c=False):
        self.fault = fault  # sent in the request, as parlab's test hook does
        env = dict(os.environ)
        if via_c:
            with open(DRIVER, encoding="utf-8") as f:
                argv = [sys.executable, "-c", f.read()]
        else:
            argv = [sys.executable, DRIVER]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.lines = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.stderr_reader.start()

    def _read(self):
        try:
            for raw in self.proc.stdout:
                self.lines.put(json.loads(raw))
        except (OSError, ValueError):  # closed by kill() during cleanup
            pass
        self.lines.put(None)

    def _read_stderr(self):
        try:
            self.stderr = self.proc.stderr.read()
        except (OSError, ValueError):
            pass

    def next(self, timeout=GUARD_S):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"no line from the driver in {timeout} s") from None

    def send(self, **request):
        if self.fault:
            request["fault"] = self.fault
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()

    def rest(self):
        """Every line up to the end of stdout (or 2 s after the driver's exit, should a
        leftover child hold stdout open), and the exit status."""
        lines, exited, deadline = [], None, time.monotonic() + GUARD_S
        while True:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if exited is None and self.proc.poll() is not None:
                    exited = time.monotonic()
                if exited is not None and time.monotonic() - exited > 2:
                    break
                if time.monotonic() > deadline:
                    self.kill()
                    raise AssertionError(f"the driver ran over {GUARD_S} s") from None
                continue
            if line is None:
                break
            lines.append(line)
        self.proc.stdin.close()
        status = self.proc.wait(timeout=GUARD_S)
        self.stderr_reader.join(2)
        return lines, status

    def kill(self):
        """Ends the driver and anything left in its process group (test cleanup)."""
        if self.proc.poll() is None or session_members(self.proc.pid):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass

    def leftovers(self):
        """Processes still in the driver's session 3 s after its exit (none expected)."""
        deadline = time.monotonic() + 3
        while session_members(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return session_members(self.proc.pid)


def request(approach, tasks=4, pool_size=2, number=PRIME, workload="cpu", progress=False,
            chunk_size=None, wait_ns=2_000_000):
    return dict(approach=approach, tasks=tasks, pool_size=pool_size, chunk_size=chunk_size,
                origin_mono_ns=time.clock_gettime_ns(time.CLOCK_MONOTONIC), number=number,
                answers="done" if workload in ("io", "noop") else "prime",
                plan=plan(workload, number, wait_ns), progress=progress)


def run(testcase, req, fault="", via_c=False):
    """Runs one request; returns (ready, lines after it, exit status, driver)."""
    return run_all(testcase, [req], fault, via_c)[0]


def run_all(testcase, reqs, fault="", via_c=False):
    """Runs requests side by side (one driver each, started together so their start-ups
    overlap); returns (ready, lines, exit status, driver) per request, having checked that
    no process is left in any driver's session and that clean runs print nothing on stderr."""
    drivers = [Driver(fault, via_c) for _ in reqs]
    for driver in drivers:
        testcase.addCleanup(driver.kill)
    readies = []
    for driver, req in zip(drivers, reqs):
        readies.append(driver.next())
        driver.send(**dict(req, origin_mono_ns=time.clock_gettime_ns(time.CLOCK_MONOTONIC)))
    results = []
    for driver, ready in zip(drivers, readies):
        lines, status = driver.rest()
        testcase.assertEqual(driver.leftovers(), [], "processes left in the driver's session")
        if status == 0:
            testcase.assertEqual(driver.stderr.decode(errors="replace"), "", "clean runs are silent")
        results.append((ready, lines, status, driver))
    return results


class PlanTests(unittest.TestCase):
    """The plans these tests send are parlab's (src/workload/mod.rs's own tests)."""

    def test_cpu_plan_is_one_division_to_the_square_root(self):
        self.assertEqual(plan("cpu", 97), [{"divide": [2, 9]}])
        self.assertEqual(plan("io", 97, 5), [{"wait_ns": 5}])
        self.assertEqual(plan("noop", 97), [])

    def test_mixed_plan_waits_at_four_points_and_covers_every_divisor(self):
        steps = plan("mixed", 1_000_000_007, 5)
        self.assertEqual(["wait_ns" in s for s in steps], [True, False] * 3 + [True])
        ranges = [s["divide"] for s in steps if "divide" in s]
        self.assertEqual(ranges[0][0], 2)
        self.assertEqual(ranges[-1][1], math.isqrt(1_000_000_007))
        for a, b in zip(ranges, ranges[1:]):
            self.assertEqual(a[1] + 1, b[0])

    def test_tiny_numbers_still_plan_four_waits_and_a_division(self):
        for n in range(4):
            steps = plan("mixed", n, 5)
            self.assertEqual(sum("wait_ns" in s for s in steps), 4, n)
            self.assertTrue(any("divide" in s for s in steps), n)


WORKLOADS = (("cpu", PRIME), ("cpu", PRIME * 3), ("io", PRIME), ("mixed", PRIME * 3),
             ("noop", PRIME))


class EventChecks(unittest.TestCase):
    """What every finished run must satisfy."""

    def check_events(self, req, final):
        approach, tasks, steps = req["approach"], req["tasks"], req["plan"]
        self.assertTrue(final.get("done"), final)
        events = final["events"]
        self.assertEqual([e["task"] for e in events], list(range(tasks)))
        if req["answers"] == "prime":
            want = "prime" if is_prime_reference(req["number"]) else "composite"
        else:
            want = "done"
        for e in events:
            self.assertEqual(e["answer"], want, e)
            self.assertEqual(len(e["steps"]), len(steps))
            self.assertEqual(len(e["step_workers"]), len(steps))
            t = e["start_ns"]
            found = False
            for step, span, worker in zip(steps, e["steps"], e["step_workers"]):
                skipped = "divide" in step and found
                self.assertEqual(span is None, skipped, e)
                self.assertEqual(worker is None, skipped, e)
                if span is not None:
                    self.assertLessEqual(t, span[0], e)
                    self.assertLessEqual(span[0], span[1], e)
                    t = span[1]
                if "divide" in step and not found:
                    lo, hi = step["divide"]
                    found = any(req["number"] % d == 0 for d in range(lo, hi + 1))
            self.assertLessEqual(t, e["end_ns"], e)
            self.assertGreaterEqual(e["start_ns"], 0, e)
        workers = {e["worker"] for e in events} | {
            w for e in events for w in e["step_workers"] if w is not None}
        self.assertEqual(workers, set(range(len(workers))), "workers numbered from 0")
        if approach in POOLED:
            self.assertLessEqual(len(workers), req["pool_size"], events)
        if approach in ("py-threads", "py-process") and tasks:
            self.assertEqual(len({e["worker"] for e in events}), tasks, "one worker per task")
        if approach == "py-sequential":
            spans = sorted((e["start_ns"], e["end_ns"]) for e in events)
            for a, b in zip(spans, spans[1:]):
                self.assertLessEqual(a[1], b[0], "py-sequential overlaps")
        self.assertGreater(final["peak_rss_kib"], 0)
        children = final["children"]
        if approach in PROCESSES:
            self.assertEqual(sorted(c["worker"] for c in children),
                             sorted({e["worker"] for e in events}))
            for c in children:
                self.assertGreater(c["peak_rss_kib"], 0, c)
                self.assertNotEqual(c["pid"], final.get("pid"))
        else:
            self.assertEqual(children, [])



class ApproachTests(EventChecks):
    """Every approach on every workload: one verified event per task, well-ordered times."""

    def run_workloads(self, approach):
        reqs = [request(approach, tasks=4, pool_size=2, number=number, workload=workload)
                for workload, number in WORKLOADS]
        for req, (ready, lines, status, _) in zip(reqs, run_all(self, reqs)):
            with self.subTest(plan=req["plan"], number=req["number"]):
                self.assertIn("ready", ready)
                self.assertEqual(status, 0, lines)
                self.assertEqual(len(lines), 1, "no ticks without progress")
                self.check_events(req, lines[0])


for _approach in APPROACHES:
    setattr(ApproachTests, "test_" + _approach.replace("-", "_"),
            lambda self, a=_approach: self.run_workloads(a))


class MoreRunTests(EventChecks):
    """Progress ticks, the embedded form (-c), chunk sizes, zero tasks, bad input."""

    def test_progress_ticks_report_every_task_once_started_then_ended(self):
        reqs = [request(approach, tasks=5, workload="mixed", progress=True, wait_ns=20_000_000)
                for approach in APPROACHES]
        for req, (_, lines, status, _) in zip(reqs, run_all(self, reqs)):
            with self.subTest(approach=req["approach"]):
                self.assertEqual(status, 0, lines)
                ticks = [line["tick"] for line in lines[:-1]]
                self.assertGreater(len(ticks), 0)
                for name in ("started", "ended"):
                    reported = [t for tick in ticks for t in tick[name]]
                    self.assertEqual(sorted(reported), list(range(5)), name)
                first = {name: {t: i for i, tick in enumerate(ticks) for t in tick[name]}
                         for name in ("started", "ended")}
                for t in range(5):
                    self.assertLessEqual(first["started"][t], first["ended"][t])
                self.assertTrue(all(tick["started"] or tick["ended"] for tick in ticks))
                self.check_events(req, lines[-1])

    def test_embedded_source_runs_with_python_c(self):
        for approach in ("py-process", "py-process-pool", "py-pool", "py-asyncio"):
            with self.subTest(approach=approach):
                req = request(approach, tasks=3, workload="mixed", number=PRIME * 3)
                _, lines, status, _ = run(self, req, via_c=True)
                self.assertEqual(status, 0, lines)
                self.check_events(req, lines[-1])

    def test_floor_call_times_a_bare_call_and_exits(self):
        out = subprocess.run([sys.executable, DRIVER, "--floor-call", "20000000"],
                             stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        floor = json.loads(out.stdout.strip().splitlines()[-1])["floor"]
        self.assertGreaterEqual(floor["calls"], 5 * 10000)
        self.assertGreater(floor["min_ns"], 0)
        self.assertLessEqual(floor["min_ns"], floor["median_ns"])
        self.assertLess(floor["median_ns"], 1e6)  # nanoseconds a call, not a millisecond

    def test_pool_honours_chunk_size_and_larger_task_counts(self):
        for chunk in (None, 1, 5):
            with self.subTest(chunk=chunk):
                req = request("py-pool", tasks=13, pool_size=3, chunk_size=chunk,
                              workload="cpu")
                _, lines, status, _ = run(self, req)
                self.assertEqual(status, 0, lines)
                self.check_events(req, lines[-1])

    def test_zero_tasks_and_tiny_numbers(self):
        for approach, number in (("py-threads", 0), ("py-threads", 1), ("py-threads", 2),
                                 ("py-threads", 4), ("py-pool", 0), ("py-pool", 3)):
            with self.subTest(approach=approach, number=number):
                req = request(approach, tasks=0 if number == 0 else 2, number=number,
                              workload="mixed", wait_ns=1000)
                _, lines, status, _ = run(self, req)
                self.assertEqual(status, 0, lines)
                self.check_events(req, lines[-1])

    def test_ready_line_describes_the_interpreter(self):
        driver = Driver()
        self.addCleanup(driver.kill)
        ready = driver.next()["ready"]
        self.assertEqual(ready["version"], platform.python_version())
        self.assertEqual(ready["pid"], driver.proc.pid)
        self.assertTrue(os.path.samefile(ready["executable"], sys.executable))
        gil = getattr(sys, "_is_gil_enabled", lambda: True)()
        self.assertEqual(ready["gil"], gil)

    def test_bad_requests_name_the_field_and_exit_1(self):
        cases = (("approach", "py-nope"), ("tasks", -1), ("pool_size", None),
                 ("plan", [{"sleep": 1}]), ("answers", "maybe"), ("number", "7"))
        for key, value in cases:
            with self.subTest(key=key):
                req = request("py-thread-pool")
                req[key] = value
                _, lines, status, _ = run(self, req)
                self.assertEqual(status, 1)
                self.assertEqual(len(lines), 1, lines)
                self.assertIsNone(lines[0]["task"])
                self.assertIn("request:", lines[0]["error"])
                self.assertIn(key if key != "plan" else "plan step", lines[0]["error"])


class FaultTests(unittest.TestCase):
    """Injected faults stop the run within seconds, name the task, and leave no process."""

    def failed_runs(self, approaches, fault):
        """Runs every approach with `fault`, side by side; returns [(approach, lines, status)].

        A list, not a generator: a generator suspended inside ``subTest`` is closed when the
        caller's assertion fails, subTest swallows the GeneratorExit and the generator yields
        again ("generator ignored GeneratorExit"). Callers wrap each item in ``subTest``."""
        reqs = [request(a, tasks=4, workload="mixed", wait_ns=2_000_000) for a in approaches]
        began = time.monotonic()
        results = run_all(self, reqs, fault=fault)
        self.assertLess(time.monotonic() - began, 15, "hang guard")
        return [(approach, lines, status)
                for approach, (_, lines, status, _) in zip(approaches, results)]

    def test_a_raising_task_is_an_error_naming_the_approach_and_task(self):
        for approach, lines, status in self.failed_runs(APPROACHES, "raise:1"):
            with self.subTest(approach=approach):
                self.assertEqual(status, 1, lines)
                self.assertEqual(lines[-1]["task"], 1, lines)
                self.assertIn(approach + ": task 1 raised RuntimeError", lines[-1]["error"])
                self.assertFalse(any(line.get("done") for line in lines))

    def test_a_dying_process_is_an_error_or_the_interpreter_exits(self):
        for approach, lines, status in self.failed_runs(APPROACHES, "exit:2"):
            with self.subTest(approach=approach):
                self.assertFalse(any(line.get("done") for line in lines))
                if approach in PROCESSES:
                    # A pool worker (or the task's own process) died: reported, named.
                    self.assertEqual(status, 1, lines)
                    self.assertEqual(lines[-1]["task"], 2, lines)
                    self.assertIn(approach + ": task 2: its ", lines[-1]["error"])
                    self.assertIn("exited with status 3", lines[-1]["error"])
                else:
                    # The task ran in the interpreter itself: it is gone, as parlab will see.
                    self.assertEqual(status, 3, lines)

    def test_eof_on_stdin_ends_a_hung_run_and_its_children(self):
        for approach in APPROACHES:
            with self.subTest(approach=approach):
                self.interrupted_run(approach, lambda d: d.proc.stdin.close(), 1)

    def test_sigterm_ends_a_hung_run_and_its_children(self):
        for approach in ("py-threads", "py-process", "py-pool"):
            with self.subTest(approach=approach):
                self.interrupted_run(approach, lambda d: d.proc.send_signal(signal.SIGTERM),
                                     128 + signal.SIGTERM)

    def interrupted_run(self, approach, stop, want_status):
        driver = Driver(fault="hang:0")
        self.addCleanup(driver.kill)
        driver.next()
        driver.send(**request(approach, tasks=3, workload="io", progress=True))
        while True:  # until the hung task is seen started (and its process exists)
            line = driver.next()
            self.assertIsNotNone(line, "driver ended early")
            if 0 in line.get("tick", {}).get("started", []):
                break
        if approach in PROCESSES:
            self.assertGreater(len(session_members(driver.proc.pid)), 1)
        stop(driver)
        self.assertEqual(driver.proc.wait(timeout=10), want_status)
        self.assertEqual(driver.leftovers(), [])

    def test_a_bad_fault_setting_is_refused(self):
        for _, lines, status in self.failed_runs(["py-threads"], "explode:1"):
            self.assertEqual(status, 1, lines)
            self.assertIn("'fault'", lines[-1]["error"])


FUNCS = """
import asyncio, os


class Point:
    def __init__(self, x):
        self.x, self.tags = x, {"b", "a", str(x)}


def point(task):
    return Point(task)


async def later(task):
    await asyncio.sleep(0.001)
    return [task, {"k": frozenset({"z", "y"})}]


def burn(task):
    return sum(i * i for i in range(20000))


def nap(task):
    import time
    time.sleep(0.02)
    return task
"""


class FunctionTests(unittest.TestCase):
    """--py-func: the user's function called per task, its values digested the same in every
    interpreter, and its call measured as computation then blocked time."""

    def setUp(self):
        import tempfile
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.file = os.path.join(self.dir.name, "funcs.py")
        with open(self.file, "w") as f:
            f.write(FUNCS)

    def call(self, approach, name, tasks=3):
        req = dict(request(approach, tasks=tasks, workload="noop"),
                   plan=[{"call": "compute"}, {"call": "blocked"}],
                   func={"module": self.file, "file": True, "name": name}, answers="done")
        _, lines, status, driver = run(self, req)
        self.assertEqual(status, 0, driver.stderr)
        return sorted(lines[-1]["events"], key=lambda e: e["task"])

    def test_values_digest_alike_in_every_approach(self):
        for name in ("point", "later"):
            digests = {a: [e["digest"] for e in self.call(a, name)] for a in APPROACHES}
            self.assertEqual(len(set(map(tuple, digests.values()))), 1, (name, digests))
            self.assertEqual(len(set(digests["py-sequential"])), 3, name)  # one per task
        shown = self.call("py-process", "point")[1]["value"]
        self.assertNotIn(" at 0x", shown)  # the attributes, not the address
        self.assertIn("'a', 'b'", shown)  # a set's elements sorted

    def test_a_call_is_computation_then_blocked_time(self):
        burn, nap = self.call("py-sequential", "burn")[0], self.call("py-sequential", "nap")[0]
        for e in (burn, nap):
            (s0, e0), (s1, e1) = e["steps"]
            self.assertLessEqual(e0, s1)  # the computation first, the rest after it
            self.assertEqual(e["step_cpu_ns"][0], e0 - s0)
            self.assertIsNone(e["step_cpu_ns"][1])
        self.assertGreater(nap["steps"][1][1] - nap["steps"][1][0], 10_000_000)  # slept 20 ms


if __name__ == "__main__":
    unittest.main()
