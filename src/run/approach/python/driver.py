"""parlab's Python driver: one measured run of a Python approach, reported as JSON lines.

parlab embeds this file and runs it as ``python3 -c <source>`` (or ``python3 driver.py``) in its
own process group. It uses the standard library only and works on CPython 3.8 and later.

Protocol: one JSON object per line, UTF-8, on stdout; the request on stdin.

1. ``{"ready": {"version", "executable", "gil", "pid"}}`` once everything is imported.
2. parlab starts its clock and writes one request line::

     {"approach": "py-threads", "tasks": 4, "pool_size": 2, "chunk_size": null,
      "origin_mono_ns": 0, "number": 97, "answers": "prime", "progress": true,
      "plan": [{"wait_ns": 1000}, {"divide": [2, 9]}]}

3. While the run goes, if ``progress`` is true: ``{"tick": {"started": [..], "ended": [..]}}`` at
   most every 100 ms, listing only tasks newly started or ended (no line when nothing is new).
4. ``{"events": [{"task", "start_ns", "end_ns", "worker", "answer", "steps", "step_cpu_ns",
   "step_workers"}..],
   "peak_rss_kib": k, "children": [{"pid", "worker", "peak_rss_kib"}..], "run_ns": [s, e],
   "run_cpu_ns": [user, sys], "done": true}``, exit 0 (``os._exit``: the interpreter's
   teardown is nobody's cost). ``run_ns`` is when the approach itself began and ended (pool
   start-up and shutdown included; reading the request, the progress threads and this report
   not); ``run_cpu_ns`` the CPU time the driver and its reaped children used between the two.
   Times are ``CLOCK_MONOTONIC`` ns minus ``origin_mono_ns``. ``steps`` holds ``[start, end]``
   or null (a divide skipped after a divisor was found) per plan step; ``step_cpu_ns`` the CPU
   time its thread used for each divide (``time.thread_time_ns``), else null; ``step_workers`` the
   worker that ran each step (it differs from the task's only in py-asyncio, whose divides run
   in the executor's threads). Workers are numbered from 0 in order of first appearance: threads
   in thread approaches, processes in process approaches.
5. On any error: ``{"error": "<approach>: task T ...", "task": T or null}``, exit 1.

EOF on stdin (parlab died) or SIGTERM: the driver kills and reaps its children, then exits.
Tasks never print nor lock: they write their own slots (threads) or return their event with
their result (processes); live progress goes through a byte per task (shared memory for
processes) that a sampler thread of the main process compares every 100 ms.

Child processes are forked (start method ``fork``) where it exists: it is what the seed tools
got on Linux, children inherit the run's settings without pickling them, and it is the only
start method that works under ``python3 -c`` (spawn and forkserver re-import ``__main__``,
which has no file then). Python 3.14 makes forkserver the Linux default, so it is named here.

``multiprocessing.Pool`` never notices a worker that dies mid-task (it starts a replacement and
the lost chunk's result never comes), so py-pool polls ``starmap_async(...).get(0.1)`` and
checks the pool's worker processes (``pool._pool``) for a non-zero exit code between polls.

The user's own function (``--py-func``): a plan of ``{"call": "compute"}`` and
``{"call": "blocked"}`` with the request's ``"func": {"module", "file", "name"}`` (and ``"check"``,
the same or null) makes each task one call ``NAME(task)``: an ``async def`` is awaited on the
loop by py-asyncio and run with ``asyncio.run`` by the others; py-asyncio runs a plain one with
``asyncio.to_thread``. The call is reported as two steps: its computation (the calling thread's
CPU time over the call, ``time.thread_time_ns``; for a coroutine, over its own turns on the
loop) then the time it was blocked: the rest of its wall time but the thread's wait for a core
(``/proc/thread-self/schedstat``'s run delay; not measured for a coroutine), which lies between
the two steps. Process approaches pickle each value back to the
driver, as multiprocessing must. After the run (outside its span) each event gains ``value``
(the start of its canonical repr), ``digest`` (a hash of all of it) and ``verdict``
(``check(task, value)``, or null without a check). ``python3 -c <driver> --probe-func JSON``
imports the function and prints ``{"func": {"async": bool}}`` or ``{"error": "..."}``.
``python3 -c <driver> --floor-call NS`` times a bare Python function call, the Python approaches'
floor (``parlab floor``), in batches for about NS ns, and prints ``{"floor": {"median_ns",
"min_ns", "calls"}}``: per call, the median and the fastest batch.

Fault injection for tests, the request's ``fault`` (parlab sends one only when built with its
test hooks): ``raise:T`` (task T raises), ``exit:T`` (the process running task T calls
``os._exit(3)``), ``hang:T`` (task T sleeps for ever).
"""

import asyncio
import concurrent.futures as cf
import importlib
import importlib.util
import inspect
import json
import multiprocessing
import os
import pickle
import platform
import queue
import resource
import signal
import sys
import threading
import time
import traceback
import warnings
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.sharedctypes import RawArray

APPROACHES = ("py-sequential", "py-threads", "py-thread-pool", "py-asyncio",
              "py-process", "py-process-pool", "py-pool")
POOLED = ("py-thread-pool", "py-process-pool", "py-pool")
WAIT, DIVIDE, CALL = 0, 1, 2
SHOWN_CHARS = 60  # how much of a value's repr comes back for messages
TICK_S = 0.1  # the sampler's period: at most ~10 tick lines a second
POLL_S = 0.1  # how often the main thread looks for dead worker processes
DEATH_WAIT_S = 5.0  # how long a dead worker's exit status may take to be readable
STARTED, ENDED = 1, 2  # a task's progress byte

DRIVER_PID = os.getpid()
CTX = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
# 3.12+ warns when forking with threads running; ours (sampler, stdin watcher, pool helpers)
# hold no lock a child uses: children write only to shared memory and their result pipes.
warnings.filterwarnings("ignore", message=r".*multi-threaded.*fork", category=DeprecationWarning)

_OUT_LOCK = threading.Lock()  # one writer of stdout at a time (sampler and main thread)
_EXIT_LOCK = threading.RLock()  # the first path to the exit wins; the final report holds it
_clock, _MONO = time.clock_gettime_ns, time.CLOCK_MONOTONIC
_DYING = False  # set on the way out: from then on no thread of ours may fork a new child

# The run, set from the request before any task or child starts (children inherit it by fork).
APPROACH, ORIGIN, NUMBER, PRIME, PLAN, FAULT, N = "driver", 0, 0, False, (), None, 0
STATE = RUNNER = None  # per task: progress byte; pid of the process running it
START = END = ANSWER = STEPS = TOKEN = STEP_TOKENS = None  # per-task result slots
FUNC = CHECK = None  # the user's function (--py-func) and check (--py-check), when calling
FUNC_NAME, FUNC_ASYNC, VALUE = "", False, None  # its name; an async def?; per-task values
PEAK = {}  # child pid -> its largest reported VmHWM, KiB
KNOWN = {}  # child pid -> multiprocessing.Process, every child started


class TaskFailed(Exception):
    """A task raised; carries the task's index to the parent (picklable)."""

    def __init__(self, task, text, verb="raised"):
        super().__init__(task, text, verb)
        self.task, self.text, self.verb = task, text, verb


def now():
    """Nanoseconds since parlab's origin on CLOCK_MONOTONIC."""
    return _clock(_MONO) - ORIGIN


def emit(obj, tick=False):
    """Writes one JSON line straight to fd 1 (no buffered stream: forks may copy its lock)."""
    data = memoryview((json.dumps(obj, separators=(",", ":")) + "\n").encode())
    try:
        with _OUT_LOCK:
            if tick and _DYING:
                return  # no tick after an error line
            while data:
                data = data[os.write(1, data):]
    except OSError:
        die(1)  # parlab is gone


def die(code):
    """Kills and reaps every child, then exits with `code` (no cleanup that could hang)."""
    global _DYING
    _EXIT_LOCK.acquire()
    _DYING = True
    kill_children()
    os._exit(code)


def _no_fork_while_dying():
    """A fork hook: Pool's handler thread replaces dead workers; once dying it must not."""
    while _DYING:
        time.sleep(3600)


def _child_defaults():
    """In a child, SIGTERM kills as usual (exit code -15): the driver's handler is the parent's."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:
        pass  # not the main thread: on_sigterm sees the child's pid and acts the same


os.register_at_fork(before=_no_fork_while_dying, after_in_child=_child_defaults)


def fail(msg, task=None):
    """Reports an error line and exits 1."""
    global _DYING
    _EXIT_LOCK.acquire()
    _DYING = True
    emit({"error": msg, "task": task})
    die(1)


def kill_children():
    """SIGKILLs and reaps every child process (rounds: one may have been forking meanwhile)."""
    if os.getpid() != DRIVER_PID:
        return
    deadline = time.monotonic() + 2.0
    for _ in range(3):
        procs = dict(KNOWN)
        try:
            procs.update((p.pid, p) for p in multiprocessing.active_children())
        except RuntimeError:  # the set changed size: another thread started a process
            pass
        live = [p for p in procs.values() if p.exitcode is None]
        if not live:
            return
        for p in live:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass
        for p in live:
            try:
                p.join(max(0.0, deadline - time.monotonic()))
            except Exception:
                pass


def on_sigterm(signum, _frame):
    if os.getpid() != DRIVER_PID:  # a child: die of the signal, its parent reaps it
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    die(128 + signum)


def watch_stdin():
    """Blocks on stdin (GIL released); EOF means parlab died: stop everything."""
    while True:
        try:
            chunk = os.read(0, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            orphan_proof_exit()


def orphan_proof_exit():
    """parlab is gone, so nobody else will clean up: kill and reap the children; should a
    child remain (one being forked as we looked), kill our own process group (parlab makes
    us its leader), which takes it and us."""
    global _DYING
    _EXIT_LOCK.acquire()
    _DYING = True
    kill_children()
    if os.getpgrp() == DRIVER_PID and any_child_left():
        os.killpg(DRIVER_PID, signal.SIGKILL)
    os._exit(1)


def any_child_left():
    try:
        entries = os.listdir("/proc")
    except OSError:
        return False
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == DRIVER_PID:
                        return True
            except (OSError, ValueError, IndexError):
                pass
    return False


def read_request():
    buf = b""
    while b"\n" not in buf:
        chunk = os.read(0, 65536)
        if not chunk:
            if not buf.strip():
                fail("request: stdin closed before the request line")
            break
        buf += chunk
    try:
        return json.loads(buf.split(b"\n", 1)[0].decode("utf-8"))
    except ValueError as e:
        fail(f"request: not valid JSON: {e}")


def vm_hwm_kib():
    """This process's peak resident memory (VmHWM), KiB, or None off Linux."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def describe(e):
    return f"{type(e).__name__}: {e}"


def task_error(e):
    """An exception in a task: its last line, and for the user's function where it was raised
    (the innermost frames of its traceback, at most three, most recent last, on one line)."""
    if FUNC is None:
        return describe(e)
    frames = traceback.extract_tb(e.__traceback__)
    frames = [f for f in frames if f.filename != "<string>"][-3:]  # the driver's own: -c
    where = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"
                      + (f": {f.line.strip()}" if f.line else "") for f in frames)
    return describe(e) + (f" (traceback, most recent call last: {where})" if where else "")


# ---- the user's function (--py-func) ----

def load_function(target):
    """Imports `target`'s module (a file by path, or a module on sys.path) and returns its
    function; raises LookupError naming what is missing."""
    module, name = target["module"], target["name"]
    if target.get("file"):
        stem = os.path.splitext(os.path.basename(module))[0]
        mod_name = stem if stem.isidentifier() and stem not in sys.modules else f"parlab_user_{stem}"
        if mod_name in sys.modules:  # the check in the function's own file: imported once
            mod = sys.modules[mod_name]
        else:
            spec = importlib.util.spec_from_file_location(mod_name, module)
            if spec is None or spec.loader is None:
                raise LookupError(f"{module} cannot be imported as a Python file")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = mod  # pickle finds the file's classes by this name
            sys.path.insert(0, os.path.dirname(module))  # its own imports of files beside it
            spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(module)
    fn = getattr(mod, name, None)
    if fn is None:
        names = sorted(n for n, v in vars(mod).items()
                       if callable(v) and not n.startswith("_")
                       and getattr(v, "__module__", None) == mod.__name__)
        has = f" (it defines: {', '.join(names[:12])})" if names else ""
        raise LookupError(f"{target.get('given') or module} has no {name!r}{has}")
    if not callable(fn):
        raise LookupError(f"{name!r} in {module} is a {type(fn).__name__}, not a function")
    return fn


def probe_function(spec):
    """`--probe-func`: imports the function (and the check) and says whether it is async."""
    try:
        req = json.loads(spec)
        fn = load_function(req["func"])
        if req.get("check"):
            load_function(req["check"])
        print(json.dumps({"func": {"async": inspect.iscoroutinefunction(fn)}}))
    except LookupError as e:
        print(json.dumps({"error": str(e.args[0]), "kind": "name"}))
    except BaseException as e:  # the module's own error, however it ends (SystemExit too)
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        if isinstance(e, SyntaxError) and e.filename:
            last = f"{last} ({os.path.basename(e.filename)}, line {e.lineno})"
        print(json.dumps({"error": last, "kind": "import"}))
    sys.stdout.flush()
    os._exit(0)


class Timed:
    """Awaits a coroutine, adding up the thread CPU time of its own turns on the loop (other
    tasks run between them)."""

    __slots__ = ("coro", "cpu")

    def __init__(self, coro):
        self.coro, self.cpu = coro, 0

    def __await__(self):
        it = self.coro.__await__()
        arg, thrown = None, None
        while True:
            c = time.thread_time_ns()
            try:
                y = it.throw(thrown) if thrown is not None else it.send(arg)
            except StopIteration as stop:
                self.cpu += time.thread_time_ns() - c
                return stop.value
            except BaseException:
                self.cpu += time.thread_time_ns() - c
                raise
            self.cpu += time.thread_time_ns() - c
            arg, thrown = None, None
            try:
                arg = yield y
            except BaseException as exc:  # noqa: B902 - handed on to the coroutine
                thrown = exc


def run_delay_ns():
    """How long the calling thread has waited for a core so far (the kernel's schedstat), ns;
    0 where it cannot be read."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        try:
            return int(os.read(fd, 128).split()[1])
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return 0


def call_steps(s, e, cpu, queued=0):
    """A call from `s` to `e` that used `cpu` ns of its thread and waited `queued` ns for a
    core: its computation, then the time it was blocked. The wait for a core is neither: it is
    other programs' (or other threads') doing, so it lies between the two steps."""
    cpu = max(0, min(cpu, e - s))
    blocked_from = min(e, s + cpu + max(0, queued))
    return [(s, s + cpu, cpu), (blocked_from, e)]


def invoke(task):
    """Calls the user's function on `task`, to its value, on the calling thread."""
    if FUNC_ASYNC:
        return asyncio.run(FUNC(task))
    return FUNC(task)


def timed_call(task):
    """One call on the calling thread: (value, start_ns, end_ns, cpu_ns, queued_ns, thread)."""
    q = run_delay_ns()
    s, c = now(), time.thread_time_ns()
    value = invoke(task)
    c = time.thread_time_ns() - c
    e = now()
    return value, s, e, c, run_delay_ns() - q, threading.current_thread()


def call_blocking(task):
    """`task` as one call of the user's function; its value goes to VALUE[task]."""
    start = now()
    STATE[task] = STARTED
    fault = injected_fault(task)
    if fault == "raise":
        raise RuntimeError(f"injected fault (raise:{task})")
    if fault == "exit":
        os._exit(3)
    while fault == "hang":
        time.sleep(3600)
    value, s, e, c, q, _ = timed_call(task)
    VALUE[task] = value
    return start, now(), "done", call_steps(s, e, c, q)


def canon(v, depth=0):
    """A repr that is the same for equal values in any interpreter: a set's elements sorted, an
    object without its own repr shown by its class and attributes (not its address)."""
    if depth > 50:
        return "..."
    t = type(v)
    if t in (list, tuple):
        inner = ", ".join(canon(x, depth + 1) for x in v)
        return f"[{inner}]" if t is list else f"({inner})"
    if t is dict:
        return "{" + ", ".join(f"{canon(k, depth + 1)}: {canon(x, depth + 1)}"
                               for k, x in v.items()) + "}"
    if t in (set, frozenset):
        return t.__name__ + "{" + ", ".join(sorted(canon(x, depth + 1) for x in v)) + "}"
    if t.__repr__ is object.__repr__ and hasattr(v, "__dict__"):
        return f"{t.__qualname__}({canon(vars(v), depth + 1)})"
    return repr(v)


def judge_values():
    """Each task's value, as (shown, digest, verdict): after the run, outside its span."""
    import hashlib  # here, not above: OpenSSL's 0.7 MiB is no cost of parlab's own work
    out = []
    for t in range(N):
        value = VALUE[t]
        try:
            text = canon(value)
        except Exception as e:
            fail(f"{APPROACH}: task {t}: the repr of {FUNC_NAME}'s value raised {describe(e)}", t)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "\u2026"
        verdict = None
        if CHECK is not None:
            try:
                verdict = bool(CHECK(t, value))
            except Exception as e:
                fail(f"{APPROACH}: task {t}: the check raised {task_error(e)}", t)
        out.append((shown, digest, verdict))
    return out


# ---- the work: identical to parlab's src/exec.rs and src/primes.rs ----

def divide(n, lo, hi):
    """Naive trial division by every d in lo..=hi; True when one divides n."""
    for d in range(lo, hi + 1):
        if n % d == 0:
            return True
    return False


def answer(found):
    if not PRIME:
        return "done"
    return "prime" if NUMBER >= 2 and not found else "composite"


def injected_fault(task):
    """What the request's fault asks of `task`: None, "raise", "exit" or "hang"."""
    return FAULT[0] if FAULT is not None and FAULT[1] == task else None


def run_blocking(task):
    """Runs `task`'s plan on the calling thread, sleeping through waits.

    Returns (start_ns, end_ns, answer, steps)."""
    if FUNC is not None:
        return call_blocking(task)
    start = now()
    STATE[task] = STARTED
    fault = injected_fault(task)
    if fault == "raise":
        raise RuntimeError(f"injected fault (raise:{task})")
    if fault == "exit":
        os._exit(3)
    while fault == "hang":
        time.sleep(3600)
    steps = [None] * len(PLAN)
    found = False
    for i, (kind, a, b) in enumerate(PLAN):
        if kind == WAIT:
            s = now()
            time.sleep(a / 1e9)
            steps[i] = (s, now())
        elif not found:
            s, c = now(), time.thread_time_ns()
            found = divide(NUMBER, a, b)
            c = time.thread_time_ns() - c
            steps[i] = (s, now(), c)
    return start, now(), answer(found), steps


def record(task, result, token):
    """Fills `task`'s slots (each task writes only its own) and marks it ended."""
    START[task], END[task], ANSWER[task], STEPS[task] = result
    TOKEN[task] = token
    STATE[task] = ENDED


def child_task(task):
    """A task in a child process: its event comes back with the result."""
    RUNNER[task] = os.getpid()
    try:
        result = run_blocking(task)
    except Exception as e:
        raise TaskFailed(task, task_error(e)) from None
    data = None
    if FUNC is not None:
        value = VALUE[task]
        try:
            data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise TaskFailed(task, f"a value of type {type(value).__qualname__} from "
                                   f"{FUNC_NAME}({task}), which cannot be pickled to come back "
                                   f"from a worker process ({describe(e)}); return plain data "
                                   "(numbers, strings, lists, dicts, dataclasses)",
                             "returned") from None
    STATE[task] = ENDED
    return task, os.getpid(), vm_hwm_kib(), result, data


def take(res):
    """The parent's side of child_task."""
    task, pid, peak, result, data = res
    if data is not None:
        VALUE[task] = pickle.loads(data)
    record(task, tuple(result), pid)
    PEAK[pid] = max(PEAK.get(pid) or 0, peak or 0)


def raised(task, text, verb="raised"):
    fail(f"{APPROACH}: task {task} {verb} {text}", task)


def how(code):
    return f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"


def running_tasks():
    """The tasks marked started and not ended, in task order."""
    marks, found = bytes(STATE), []
    i = marks.find(STARTED)
    while i != -1 and i < N:
        found.append(i)
        i = marks.find(STARTED, i + 1)
    return found


def worker_died(note="", procs=lambda: ()):
    """Reports the task whose worker process died (found through the shared pid slots).

    A process task writes its pid to RUNNER[t] before it marks itself started, so a task still
    started whose runner has exited died with it. The parent may hear of the death (a pool's
    sentinel, BrokenProcessPool) before the exit status can be read: the process's pipes close
    before it becomes a zombie, and a pool's own thread may be reaping it just then (our
    waitpid then fails, and the status shows up once that thread has it). So this looks again
    for up to DEATH_WAIT_S until a runner's status is known. ProcessPoolExecutor SIGTERMs the
    other workers once one dies: a runner killed by SIGTERM is a bystander unless it is the
    only one. `procs` gives the pool's current processes (to learn of any replacement)."""
    deadline = time.monotonic() + DEATH_WAIT_S
    while True:
        remember(procs())
        running = running_tasks()
        codes = {}
        for t in running:
            p = KNOWN.get(RUNNER[t])
            codes[t] = p.exitcode if p is not None else None
        culprits = [t for t in running if codes[t] not in (None, -signal.SIGTERM)]
        if culprits:
            break
        if all(code is not None for code in codes.values()) or time.monotonic() > deadline:
            culprits = [t for t in running if codes[t] is not None]
            break
        time.sleep(0.01)
    # Several bystanders and no other death: every runner was SIGTERMed (by someone else
    # first, then by the pool), and nothing tells which died first; likewise when no started
    # task's runner is known to have exited (a death outside any task). Only then is the task
    # unknown (null); the message still names the approach and the dead processes.
    if len(culprits) == 1 or any(codes[t] != -signal.SIGTERM for t in culprits):
        t = culprits[0]
        fail(f"{APPROACH}: task {t}: its worker process (pid {RUNNER[t]}) "
             f"{how(codes[t])}{note}", t)
    dead = {pid: p.exitcode for pid, p in KNOWN.items() if p.exitcode not in (None, 0)}
    gone = ", ".join(f"pid {pid} {how(code)}" for pid, code in sorted(dead.items()))
    fail(f"{APPROACH}: a worker process died ({gone or 'unknown'}){note}; no task identified")


def remember(procs):
    for p in procs or ():
        if p.pid is not None:
            KNOWN[p.pid] = p


# ---- the approaches ----

def run_sequential(_req):
    me = threading.current_thread()
    for t in range(N):
        try:
            result = run_blocking(t)
        except Exception as e:
            raised(t, task_error(e))
        record(t, result, me)


def run_threads(_req):
    faults = []  # list.append is atomic: a failing thread reports without a lock

    def body(t):
        try:
            result = run_blocking(t)
        except BaseException as e:
            faults.append((t, task_error(e)))
            return
        record(t, result, threading.current_thread())

    threads = [threading.Thread(target=body, args=(t,), daemon=True) for t in range(N)]
    for th in threads:
        th.start()
    for th in threads:
        while th.is_alive() and not faults:
            th.join(POLL_S)
        if faults:
            raised(*faults[0])


def thread_pool_task(t):
    try:
        result = run_blocking(t)
    except Exception as e:
        raise TaskFailed(t, task_error(e)) from None
    record(t, result, threading.current_thread())


def run_thread_pool(req):
    with cf.ThreadPoolExecutor(max_workers=req["pool_size"]) as ex:
        futures = [ex.submit(thread_pool_task, t) for t in range(N)]
        for f in cf.as_completed(futures):
            e = f.exception()
            if isinstance(e, TaskFailed):
                raised(e.task, e.text, e.verb)
            elif e is not None:
                fail(f"{APPROACH}: driver error: {describe(e)}")


def timed_divide(lo, hi):
    s, c = now(), time.thread_time_ns()
    found = divide(NUMBER, lo, hi)
    c = time.thread_time_ns() - c
    return found, s, now(), threading.current_thread(), c


async def async_call(t, loop):
    """`t` as one call on the event loop: an async def awaited there, a plain function run in
    a thread (asyncio.to_thread, or the loop's executor before 3.9)."""
    me = threading.current_thread()
    start = now()
    STATE[t] = STARTED
    fault = injected_fault(t)
    if fault == "raise":
        raise RuntimeError(f"injected fault (raise:{t})")
    if fault == "exit":
        os._exit(3)
    while fault == "hang":
        await asyncio.sleep(3600)
    if FUNC_ASYNC:
        timed = Timed(FUNC(t))
        s = now()
        value = await timed
        e, c, q, who = now(), timed.cpu, 0, me
    elif hasattr(asyncio, "to_thread"):
        value, s, e, c, q, who = await asyncio.to_thread(timed_call, t)
    else:
        value, s, e, c, q, who = await loop.run_in_executor(None, timed_call, t)
    VALUE[t] = value
    STEP_TOKENS[t] = [who, who]
    record(t, (start, now(), "done", call_steps(s, e, c, q)), me)


async def async_task(t, loop):
    if FUNC is not None:
        return await async_call(t, loop)
    me = threading.current_thread()
    start = now()
    STATE[t] = STARTED
    fault = injected_fault(t)
    if fault == "raise":
        raise RuntimeError(f"injected fault (raise:{t})")
    if fault == "exit":
        os._exit(3)
    while fault == "hang":
        await asyncio.sleep(3600)
    steps, who, found = [None] * len(PLAN), [None] * len(PLAN), False
    for i, (kind, a, b) in enumerate(PLAN):
        if kind == WAIT:
            s = now()
            await asyncio.sleep(a / 1e9)
            steps[i], who[i] = (s, now()), me
        elif not found:
            found, s, e, who[i], c = await loop.run_in_executor(None, timed_divide, a, b)
            steps[i] = (s, e, c)
    STEP_TOKENS[t] = who
    record(t, (start, now(), answer(found), steps), me)


def run_asyncio(_req):
    async def guarded(t, loop):
        try:
            await async_task(t, loop)
        except Exception as e:
            raised(t, task_error(e))

    async def main():
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(guarded(t, loop) for t in range(N)))

    asyncio.run(main())


def process_main(task, results):
    try:
        results.put(("ok", child_task(task)))
    except TaskFailed as e:
        results.put(("err", e.task, e.text, e.verb))


def run_process(_req):
    results = CTX.Queue()
    procs = []
    for t in range(N):
        p = CTX.Process(target=process_main, args=(t, results))
        p.start()
        KNOWN[p.pid] = p
        procs.append(p)
    have, got, checked = bytearray(N), 0, time.monotonic()
    while got < N:
        try:
            msg = results.get(timeout=POLL_S)
        except queue.Empty:
            msg = None
        if msg is not None and msg[0] == "err":
            raised(msg[1], msg[2], msg[3])
        if msg is not None:
            take(msg[1])
            have[msg[1][0]] = 1
            got += 1
        if msg is None or time.monotonic() - checked >= POLL_S:
            checked = time.monotonic()
            for t, p in enumerate(procs):
                if not have[t] and p.exitcode not in (None, 0):
                    fail(f"{APPROACH}: task {t}: its process (pid {p.pid}) {how(p.exitcode)}", t)
    for p in procs:
        p.join()


def run_process_pool(req):
    ex = cf.ProcessPoolExecutor(max_workers=req["pool_size"], mp_context=CTX)
    note = " (BrokenProcessPool)"

    def workers():
        return list((getattr(ex, "_processes", None) or {}).values())

    try:
        futures = [ex.submit(child_task, t) for t in range(N)]
    except BrokenProcessPool:
        worker_died(note, workers)
    remember(workers())
    for f in cf.as_completed(futures):
        try:
            take(f.result())
        except TaskFailed as e:
            raised(e.task, e.text, e.verb)
        except BrokenProcessPool:
            worker_died(note, workers)
    ex.shutdown(wait=True)  # reaps the workers, so parlab's RUSAGE_CHILDREN counts them


def run_pool(req):
    pool = CTX.Pool(processes=req["pool_size"])
    remember(pool._pool)
    pending = pool.starmap_async(child_task, [(t,) for t in range(N)], req.get("chunk_size"))
    while True:
        try:
            results = pending.get(POLL_S)
            break
        except multiprocessing.TimeoutError:
            remember(pool._pool)
            if any(p.exitcode not in (None, 0) for p in list(KNOWN.values())):
                worker_died("", lambda: list(pool._pool))
        except TaskFailed as e:
            raised(e.task, e.text, e.verb)
    for res in results:
        take(res)
    pool.close()
    pool.join()  # reaps the workers, so parlab's RUSAGE_CHILDREN counts them


RUNNERS = dict(zip(APPROACHES, (run_sequential, run_threads, run_thread_pool, run_asyncio,
                                run_process, run_process_pool, run_pool)))


# ---- request, progress, report ----

def int_field(req, key, low, allow_null=False):
    value = req.get(key)
    if value is None and allow_null:
        return None
    if type(value) is not int or value < low:
        fail(f"request: {key!r} must be an integer >= {low}, got {value!r}")
    return value


def configure(req):
    """Checks the request and sets the run's globals; returns the request, normalised."""
    global APPROACH, ORIGIN, NUMBER, PRIME, PLAN, FAULT, N, STATE, RUNNER
    global START, END, ANSWER, STEPS, TOKEN, STEP_TOKENS, FUNC, CHECK, FUNC_NAME, FUNC_ASYNC
    global VALUE
    if not isinstance(req, dict):
        fail("request: expected a JSON object")
    if req.get("approach") not in APPROACHES:
        fail(f"request: unknown approach {req.get('approach')!r} (one of {', '.join(APPROACHES)})")
    APPROACH = req["approach"]
    N = int_field(req, "tasks", 0)
    pooled = APPROACH in POOLED
    req["pool_size"] = int_field(req, "pool_size", 1, allow_null=not pooled)
    req["chunk_size"] = int_field(req, "chunk_size", 1, allow_null=True)
    ORIGIN = int_field(req, "origin_mono_ns", 0)
    NUMBER = int_field(req, "number", 0)
    if req.get("answers") not in ("prime", "done"):
        fail(f"request: 'answers' must be \"prime\" or \"done\", got {req.get('answers')!r}")
    PRIME = req["answers"] == "prime"
    plan = []
    for step in req.get("plan") if isinstance(req.get("plan"), list) else [None]:
        if isinstance(step, dict) and list(step) == ["wait_ns"] and type(step["wait_ns"]) is int \
                and step["wait_ns"] >= 0:
            plan.append((WAIT, step["wait_ns"], 0))
        elif isinstance(step, dict) and list(step) == ["divide"] and isinstance(step["divide"], list) \
                and len(step["divide"]) == 2 and all(type(x) is int for x in step["divide"]):
            plan.append((DIVIDE, step["divide"][0], step["divide"][1]))
        elif isinstance(step, dict) and list(step) == ["call"] \
                and step["call"] in ("compute", "blocked"):
            plan.append((CALL, step["call"], 0))
        else:
            fail(f"request: bad plan step {step!r}: expected {{\"wait_ns\": N}}, "
                 "{\"divide\": [FROM, TO]} or {\"call\": \"compute\"|\"blocked\"}")
    PLAN = tuple(plan)
    if any(kind == CALL for kind, _, _ in PLAN):
        if [part for _, part, _ in PLAN] != ["compute", "blocked"]:
            fail("request: a call's plan is [{\"call\": \"compute\"}, {\"call\": \"blocked\"}]")
        if not isinstance(req.get("func"), dict):
            fail("request: a call needs 'func': {\"module\", \"file\", \"name\"}")
        try:
            FUNC = load_function(req["func"])
            CHECK = load_function(req["check"]) if req.get("check") else None
        except LookupError as e:
            fail(f"--py-func: {e.args[0]}")
        except BaseException as e:
            fail(f"--py-func: importing {req['func'].get('module')} raised {describe(e)}")
        FUNC_NAME = req["func"].get("name", "?")
        FUNC_ASYNC = inspect.iscoroutinefunction(FUNC)
    fault = req.get("fault") or ""
    if fault:
        kind, _, task = fault.partition(":") if isinstance(fault, str) else ("", "", "")
        if kind not in ("raise", "exit", "hang") or not task.isdigit():
            fail(f"request: 'fault' must be raise:T, exit:T or hang:T, got {fault!r}")
        FAULT = (kind, int(task))
    if APPROACH in ("py-process", "py-process-pool", "py-pool"):
        STATE, RUNNER = RawArray("b", max(N, 1)), RawArray("i", max(N, 1))  # shared with children
    else:
        STATE = bytearray(max(N, 1))
    START, END, ANSWER, STEPS, TOKEN, VALUE = ([None] * N for _ in range(6))
    STEP_TOKENS = [None] * N if APPROACH == "py-asyncio" else None
    return req


class Sampler(threading.Thread):
    """Reports, every TICK_S, the tasks whose progress byte changed since the last look."""

    CHUNK = 4096

    def __init__(self):
        super().__init__(name="parlab-progress", daemon=True)
        self.seen = bytes(len(STATE))
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(TICK_S):
            self.tick()

    def tick(self):
        cur, seen = bytes(STATE), self.seen
        if cur == seen:
            return
        started, ended = [], []
        for lo in range(0, len(cur), self.CHUNK):  # compare in C, look closer where it differs
            hi = min(lo + self.CHUNK, len(cur))
            if cur[lo:hi] != seen[lo:hi]:
                for t in range(lo, hi):
                    if cur[t] != seen[t]:
                        if seen[t] == 0:
                            started.append(t)
                        if cur[t] == ENDED:
                            ended.append(t)
        self.seen = cur
        if started or ended:
            emit({"tick": {"started": started, "ended": ended}}, tick=True)


def cpu_ns():
    """CPU time (user, system) of this process and its reaped children so far, ns."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (round((own.ru_utime + kids.ru_utime) * 1e9),
            round((own.ru_stime + kids.ru_stime) * 1e9))


def report(span, cpu):
    """The final line, written in pieces so a million events never sit in one string."""
    firsts = []
    for t in range(N):
        if START[t] is None:
            fail(f"{APPROACH}: task {t} gave no result", t)
        firsts.append((START[t], TOKEN[t]))
        if STEP_TOKENS is not None:
            firsts.extend((s[0], w) for s, w in zip(STEPS[t], STEP_TOKENS[t]) if s is not None)
    firsts.sort(key=lambda first: first[0])  # stable: ties keep task order
    ids = {}
    for _, token in firsts:
        ids.setdefault(token, len(ids))
    values = judge_values() if FUNC is not None else None
    parts, size = ['{"events":['], 0
    for t in range(N):
        worker = ids[TOKEN[t]]
        tokens = STEP_TOKENS[t] if STEP_TOKENS is not None else [TOKEN[t]] * len(PLAN)
        event = {"task": t, "start_ns": START[t], "end_ns": END[t], "worker": worker,
                 "answer": ANSWER[t], "steps": [list(s[:2]) if s else None for s in STEPS[t]],
                 "step_cpu_ns": [s[2] if s and len(s) > 2 else None for s in STEPS[t]],
                 "step_workers": [ids[w] if s else None for s, w in zip(STEPS[t], tokens)]}
        if values is not None:
            event["value"], event["digest"], event["verdict"] = values[t]
        parts.append(("," if t else "") + json.dumps(event, separators=(",", ":")))
        size += len(parts[-1])
        if size > 1 << 20:
            write_raw("".join(parts))
            parts, size = [], 0
    children = sorted(({"pid": pid, "worker": ids[pid], "peak_rss_kib": kib}
                       for pid, kib in PEAK.items()), key=lambda c: c["worker"])
    tail = {"peak_rss_kib": vm_hwm_kib(), "children": children, "run_ns": span,
            "run_cpu_ns": cpu, "done": True}
    parts.append("]," + json.dumps(tail, separators=(",", ":"))[1:] + "\n")
    write_raw("".join(parts))


def write_raw(text):
    data = memoryview(text.encode())
    try:
        while data:
            data = data[os.write(1, data):]
    except OSError:
        die(1)


def floor_call(budget_ns):
    """`--floor-call`: a function of one argument returning None, called in a loop, timed in
    batches (at least 5, at most 40) for about ``budget_ns``; per call, as JSON."""
    def call(i):
        return None
    batch, per_call, calls = 10000, [], 0
    deadline = _clock(_MONO) + budget_ns
    while len(per_call) < 5 or (len(per_call) < 40 and _clock(_MONO) < deadline):
        start = _clock(_MONO)
        for i in range(batch):
            call(i)
        per_call.append((_clock(_MONO) - start) / batch)
        calls += batch
    per_call.sort()
    print(json.dumps({"floor": {"median_ns": per_call[len(per_call) // 2],
                                "min_ns": per_call[0], "calls": calls}}))
    sys.stdout.flush()
    os._exit(0)


def gil_enabled():
    probe = getattr(sys, "_is_gil_enabled", None)
    if probe is not None:
        return bool(probe())
    return True if platform.python_implementation() == "CPython" else None


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--probe-func":
        probe_function(sys.argv[2])
    if len(sys.argv) > 2 and sys.argv[1] == "--floor-call":
        floor_call(int(sys.argv[2]))
    signal.signal(signal.SIGTERM, on_sigterm)
    cpu_ns()  # the first call is many times slower than the rest: not inside the run
    emit({"ready": {"version": platform.python_version(), "executable": sys.executable,
                    "gil": gil_enabled(), "pid": os.getpid()}})
    req = configure(read_request())
    threading.Thread(target=watch_stdin, name="parlab-stdin", daemon=True).start()
    sampler = Sampler() if req.get("progress") else None
    if sampler is not None:
        sampler.start()
    start = now()
    cpu0 = cpu_ns()  # read inside the span, so the CPU window lies within the wall's
    try:
        RUNNERS[APPROACH](req)
    except Exception as e:
        fail(f"{APPROACH}: driver error: {describe(e)}")
    cpu1 = cpu_ns()
    end = now()
    if sampler is not None:
        sampler.stopping.set()
        sampler.join()
        sampler.tick()  # every start and end is reported before the events
    _EXIT_LOCK.acquire()  # kept: an EOF from here on no longer turns the run into a failure
    report([start, end], [cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]])
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)  # every child is reaped and the report written: skip the teardown
