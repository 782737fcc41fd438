"""The worker side of the sandbox (sandbox.py is the parent side): the limits a task runs under, and
what runs in a reading process - set up once (address space capped, Ctrl-C left to the parent, the
readers imported, leave with the parent), then each task under its CPU budget and wall-clock alarm,
each file's mark first written to the worker's slot file so the parent can tell which file a dead worker read.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from selfeval.messages import READING
from selfeval.readers.culprit import mark_running

MIB = 1024 * 1024

# imported once in the fork server, so every worker starts with the readers loaded
PRELOAD = (
    "python_calamine",
    "selfeval.readers",
    "selfeval.readers.preflight",
    "selfeval.readers.excel",
    "selfeval.readers.text",
    "selfeval.readers.pdf",
    "selfeval.readers.recognize",
    "selfeval.rules",
)


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 1024 * MIB  # address space a task may add to a started worker
    cpu_seconds: int = 20  # CPU time per task
    wall_seconds: float = 60.0  # wall-clock time per task (the machine may be busy: generous)
    workers: int = 0  # 0: one per core


DEFAULT = SandboxLimits()


def configured() -> SandboxLimits:
    """DEFAULT, with any of SELFEVAL_READ_MEMORY_MB, SELFEVAL_READ_CPU_SECONDS and
    SELFEVAL_READ_WALL_SECONDS from the environment (a deployment's own bounds; tests)."""
    env = os.environ
    if not any(
        k in env
        for k in ("SELFEVAL_READ_MEMORY_MB", "SELFEVAL_READ_CPU_SECONDS", "SELFEVAL_READ_WALL_SECONDS")
    ):
        return DEFAULT
    return SandboxLimits(
        memory_bytes=int(float(env.get("SELFEVAL_READ_MEMORY_MB", DEFAULT.memory_bytes / MIB)) * MIB),
        cpu_seconds=int(env.get("SELFEVAL_READ_CPU_SECONDS", DEFAULT.cpu_seconds)),
        wall_seconds=float(env.get("SELFEVAL_READ_WALL_SECONDS", DEFAULT.wall_seconds)),
    )


class WorkerFailed(Exception):
    """A task whose worker died or hit a limit; .code is stable, .message a Chinese sentence."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        self.message = READING[code]
        super().__init__(self.message)

    def __reduce__(self):
        return (WorkerFailed, (self.code, self.detail))


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _exit_with_parent() -> None:
    """A pool worker holds both ends of its task queue (and the fork server's lifeline), so it would
    wait forever if the process that owns the pool died without shutting it down (killed, os._exit in
    a forked child): watch the parent's sentinel and leave with it."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="selfeval-parent-watch", daemon=True).start()


# the worker's address space when it started, and how much of a task's memory the readers' memos
# may keep between files (see forget_if_grown); 0: not a worker
_started_at = 0
_memo_budget = 0


def clear_memos() -> int:
    """Empty every memo (functools.lru_cache) of selfeval's modules; how many there were."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "selfeval" or name.startswith("selfeval.")):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
                    cleared += 1
    return cleared


def forget_if_grown() -> bool:
    """After each file. The readers memoise what they ask of a cell's text (labels recur form after
    form), and a worker keeps those memos from file to file. Long texts are rare in real forms but
    free to an attacker, whose upload could fill a worker so that the next, innocent file dies of the
    memory left: a good file lost. When the worker has grown by more than a quarter of a task's memory
    since it started, every memo is emptied, so each file starts with three quarters of its budget."""
    if not _memo_budget or _address_space() - _started_at <= _memo_budget:
        return False
    clear_memos()
    gc.collect()
    return True


def worker_init(memory_bytes: int) -> None:
    """Runs once in each worker: cap the address space, leave Ctrl-C to the parent, warm the imports.

    A parser dying of its limits writes to stderr ("memory allocation of … failed" and a Rust
    backtrace); the caller reports it in Chinese, so the worker's stderr is silenced unless
    SELFEVAL_WORKER_STDERR is set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    if not os.environ.get("SELFEVAL_WORKER_STDERR"):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    for name in PRELOAD:
        __import__(name)
    global _started_at, _memo_budget
    if memory_bytes:
        _started_at, _memo_budget = _address_space(), memory_bytes // 4
        limit = _started_at + memory_bytes
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run_task(
    fn: Callable[..., Any],
    args: tuple,
    cpu_seconds: int,
    wall_seconds: float,
    slot: tuple[str, str] | None = None,
) -> Any:
    """Runs in the worker: one task under its own CPU budget and wall-clock alarm; first the task's
    token goes into this worker's slot file (`slot`: directory, token), so that the parent knows which
    task a worker was reading when it died."""
    if slot is not None:
        mark_running(slot)
    return _limited(fn, args, cpu_seconds, wall_seconds)


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    cpu_seconds: int,
    wall_seconds: float,
    slot: tuple[str, str],
) -> list[tuple[bool, Any]]:
    """Runs in the worker: several files in one pooled task, so that the round trip to the worker (the
    task's pickling both ways, the executor's queues) is paid once for all of them. Each file as if it
    were a task of its own: its index goes into the slot file before it starts (the parent tells
    which file killed the worker, and when the file it waits for began), its own CPU budget and
    wall-clock alarm, and what it raises is its own. (True, result) or (False, exception) per file."""
    out: list[tuple[bool, Any]] = []
    for index, args in enumerate(tasks):
        mark_running(slot, index)
        try:
            out.append((True, _limited(fn, args, cpu_seconds, wall_seconds)))
        except Exception as exc:  # this file's, sent back with the others' results
            out.append((False, _picklable(exc)))
    return out


def _picklable(exc: Exception) -> Exception:
    """exc, or a RuntimeError naming it when it would not come back through a pickle (one file's odd
    exception must not fail its neighbours' results, nor break the pool when the parent unpickles)."""
    try:
        pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _limited(fn: Callable[..., Any], args: tuple, cpu_seconds: int, wall_seconds: float) -> Any:
    """fn(*args) under a CPU budget of its own (the soft RLIMIT_CPU moved up: CPU time accumulates
    over the worker's life) and a wall-clock alarm."""
    if cpu_seconds:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = used + cpu_seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    if wall_seconds:
        signal.alarm(max(1, int(wall_seconds + 0.999)))
    try:
        return fn(*args)
    except MemoryError:
        raise WorkerFailed("READ_MEMORY", "MemoryError") from None
    finally:
        if wall_seconds:
            signal.alarm(0)
        forget_if_grown()


def solo_main(conn, fn, args, limits: SandboxLimits) -> None:
    worker_init(limits.memory_bytes)
    conn.send(("started", None))  # from here on, how this process ends is the task's own doing
    try:
        result = ("ok", run_task(fn, args, limits.cpu_seconds, limits.wall_seconds))
    except BaseException as exc:  # sent back as it is: the parent decides
        result = ("raised", exc)
    try:
        conn.send(result)
    except Exception as exc:  # an unpicklable exception: its name is enough
        conn.send(("raised", RuntimeError(f"{type(exc).__name__}: {exc}")))
    conn.close()
