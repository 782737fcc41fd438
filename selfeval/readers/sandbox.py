"""Parse untrusted bytes in worker processes with memory, CPU and wall-clock limits.

Preflight is the fast first gate; this is the one that holds whatever slips past it. python-calamine
aborts the whole process on some files (a 512 GiB allocation for a cell at XFD1048576, loops in a
damaged .xls), and a slow parse would stall a Streamlit server thread. So every read of an uploaded or
imported file runs here:

* a warm ``ProcessPoolExecutor`` (module-level, created on first use, replaced when broken or when
  this process is a fork of the one that made it) whose workers start from a ``forkserver`` (a clean
  single-threaded process, safe from Streamlit's threads) with the readers already imported;
* each worker's address space is capped (``RLIMIT_AS``: what it holds after start-up plus
  ``memory_bytes``), and each task gets a CPU budget (``RLIMIT_CPU`` soft limit, moved up before every
  task because CPU time accumulates over the worker's life) and a wall-clock alarm (``SIGALRM``, whose
  default action kills the worker even inside Rust code that never returns to Python);
* an import sends several files in one task (``map_ordered(group=…)``: the round trip paid once for
  them), each read as if it were a task of its own: its own CPU budget and alarm, its own exception;
* when a worker dies, ``concurrent.futures`` breaks the whole pool and fails every task in flight. The
  pool is replaced. The culprit is known: each worker writes the token of the task and the index of
  the file it starts into a slot file named by its pid, and the dead worker's exit status (the others
  are ended by the executor with SIGTERM, or are still alive) names its slot — so the culprit becomes
  ``WorkerFailed`` at once, with a Chinese reason chosen from how it died, and is never read twice (a
  20 MB file that killed its worker used to cost the wall-clock limit twice). Only the innocent files
  in flight (those of the culprit's task included) run again, alone in a one-off process with the same
  limits (the culprit too, when it cannot be told). A file that overran its wall clock is the culprit
  of the pool this code kills. The caller - the server, the CLI, the other files of a batch - carries
  on.

Measured (engineering.md): a warm round trip costs about a millisecond over the in-process read;
``bench/sandbox.py`` measures it in every benchmark run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import Any

from selfeval.readers.culprit import culprit_exit, new_slot, started
from selfeval.readers.spawning import WorkerProcess as _Process  # noqa: F401  (tests patch its start)
from selfeval.readers.spawning import context
from selfeval.readers.worker import (
    MIB,
    SandboxLimits,
    WorkerFailed,
    configured,
    run_tasks,
    solo_main,
    worker_init,
)

# seconds past a task's wall clock before the parent takes it for stuck beyond its own alarm
SLACK = 10.0
# one-off processes a task gets when none of them began it (a fork refused, a start stalled)
ATTEMPTS = 3

# ------------------------------------------------------------------------------------ parent side

_lock = threading.Lock()
_pool: _Pool | None = None
_pool_pid = 0
_pool_limits: SandboxLimits | None = None


class _Pool(ProcessPoolExecutor):
    """The executor, keeping what telling a culprit needs after a shutdown has forgotten it (the next
    submit shuts a broken pool down, maybe before the tasks in flight are settled): its own dict of
    worker processes and the thread that ends and reaps them when the pool breaks."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.workers = self._processes
        self.manager: threading.Thread | None = None

    def submit(self, fn, /, *args, **kwargs):
        future = super().submit(fn, *args, **kwargs)
        self.manager = self._executor_manager_thread or self.manager
        return future


def _workers(limits: SandboxLimits) -> int:
    return limits.workers or max(1, os.cpu_count() or 1)


def _get_pool(limits: SandboxLimits) -> _Pool:
    """The warm pool; a new one after a fork, after a break or for other limits."""
    global _pool, _pool_pid, _pool_limits
    with _lock:
        pool = _pool
        if (
            pool is None
            or _pool_pid != os.getpid()
            or getattr(pool, "_broken", False)
            or _pool_limits != limits
        ):
            if pool is not None and _pool_pid == os.getpid():
                pool.shutdown(wait=False, cancel_futures=True)
            pool = _Pool(
                _workers(limits),
                mp_context=context(),
                initializer=worker_init,
                initargs=(limits.memory_bytes,),
            )
            _pool, _pool_pid, _pool_limits = pool, os.getpid(), limits
        return pool


def _discard(pool: _Pool, hung: tuple[str, int] | None = None) -> None:
    """Kill a pool's workers (`hung`: the task and which of its files overran its wall clock) so that
    the next call gets a new pool; the other files in flight, failed by it, are innocent
    (`culprit_exit`)."""
    global _pool
    pool._selfeval_hung = hung or ("", -1)  # type: ignore[attr-defined]
    with _lock:
        for process in list(pool.workers.values()):
            with contextlib.suppress(Exception):
                process.kill()
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _after_fork_in_child() -> None:
    """A forked child owns neither the pool nor the fork server (it is not their parent): forget both,
    so that its first read starts its own."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()
    server = forkserver._forkserver
    if server._forkserver_pid is not None:
        with contextlib.suppress(OSError, TypeError):
            os.close(server._forkserver_alive_fd)
        server._forkserver_address = None
        server._forkserver_alive_fd = None
        server._forkserver_pid = None
        server._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _noop() -> None:
    return None


def warm(limits: SandboxLimits | None = None) -> None:
    """Start the pool and a worker now, without waiting (a server can call it at start-up, so that the
    first upload does not pay the fork server's start and the imports, ~0.5 s)."""
    with contextlib.suppress(Exception):
        _get_pool(limits or configured()).submit(_noop)


def shutdown() -> None:
    """Stop the warm pool (tests, benchmarks); the next call starts a new one."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None and _pool_pid == os.getpid():
        pool.shutdown(wait=True, cancel_futures=True)


def _failure_from_exit(exitcode: int | None) -> WorkerFailed:
    if exitcode in (-signal.SIGXCPU, -signal.SIGALRM, None):
        return WorkerFailed("READ_TIMEOUT", f"exit {exitcode}")
    if exitcode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
        return WorkerFailed("READ_MEMORY", f"exit {exitcode}")  # allocation failures abort
    return WorkerFailed("READ_CRASHED", f"exit {exitcode}")


def run_alone(fn: Callable[..., Any], args: tuple, limits: SandboxLimits | None = None) -> Any:
    """Run one task in a one-off process with the limits; WorkerFailed says how it died. A process
    that died or stalled before it began the task (a fork the busy machine refused or was slow to
    give) says nothing about the task: another is started, up to ATTEMPTS in all, and then the file
    is READ_UNAVAILABLE (the machine, not the file), never refused as if it had killed its reader."""
    limits = limits or configured()
    for _attempt in range(ATTEMPTS):
        began, status, value = _solo(fn, args, limits)
        if status == "ok":
            return value
        if status == "raised":
            raise value
        if began:
            raise _failure_from_exit(value)
    raise WorkerFailed("READ_UNAVAILABLE", f"{ATTEMPTS} one-off processes did not begin the task")


def _solo(fn: Callable[..., Any], args: tuple, limits: SandboxLimits) -> tuple[bool, str, Any]:
    """One one-off process: (began the task, status, value) - "ok" with the result, "raised" with
    the exception, "died" with the exit status, "hung" (killed here: no answer within the wall clock
    and SLACK, counted from when it began) or "unstarted" (no process) with None."""
    ctx = context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=solo_main, args=(sender, fn, args, limits), daemon=True)
    try:
        process.start()
    except OSError:  # no fork to be had (EAGAIN, ENOMEM) or the fork server unreachable
        receiver.close()
        sender.close()
        return False, "unstarted", None
    sender.close()
    began, message = False, None
    try:
        while message is None and receiver.poll(limits.wall_seconds + SLACK):
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = ("died", None)
            if message[0] == "started":
                began, message = True, None
    finally:
        receiver.close()
    if message is None:
        process.kill()
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join()
    if message is None:
        return began, "hung", None
    if message[0] == "died":
        return began, "died", process.exitcode
    return began, *message


Outcome = tuple[bool, Any]  # (True, the result) or (False, the exception: WorkerFailed or fn's own)


def _settle(
    pool: _Pool, future: Future, fn, group: Sequence[tuple], limits: SandboxLimits, slot: tuple[str, str]
) -> list[Outcome]:
    """The outcome of each file of a pooled task (`group`: the files' arguments; worker.run_tasks).
    A broken pool: the file that killed the worker is refused at once, every other file of the task
    (and of the tasks in flight with it) runs again, alone - never a good file lost, never a killer
    read twice. An overrun - a file running SLACK seconds past its wall clock, counted from when its
    worker began that file, not from when the task was submitted (on a busy machine it may wait for a
    worker) - is refused, as its alarm should have ended it: the worker is stuck beyond signals. A
    task no worker has begun by then, or one whose results could not come back, runs alone, file by
    file."""
    wait = limits.wall_seconds + SLACK
    culprit: tuple[int, int | None] | None = None  # (which file, how its worker died)
    while True:
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            began = started(pool, slot)
            if began is not None and (wait := began[0] + limits.wall_seconds + SLACK - time.time()) > 0:
                continue
            _discard(pool, None if began is None else (slot[1], began[1]))
            if began is not None:
                culprit = (began[1], None)
        except BrokenProcessPool:
            culprit = culprit_exit(pool, slot, limits.wall_seconds + SLACK)
        except CancelledError:  # shut down by a caller with other limits before a worker began it
            pass
        except Exception:  # the task's results did not come back (one of them not picklable)
            pass
        break
    return [
        (False, _failure_from_exit(culprit[1]))
        if culprit is not None and i == culprit[0]
        else _alone(fn, args, limits)
        for i, args in enumerate(group)
    ]


def _alone(fn: Callable[..., Any], args: tuple, limits: SandboxLimits) -> Outcome:
    try:
        return True, run_alone(fn, args, limits)
    except Exception as exc:
        return False, exc


def _submit(fn, group: list[tuple], limits: SandboxLimits) -> tuple[_Pool, Future, tuple[str, str]]:
    pool, slot = _get_pool(limits), new_slot()
    try:
        future = pool.submit(run_tasks, fn, group, limits.cpu_seconds, limits.wall_seconds, slot)
    except (BrokenProcessPool, RuntimeError):  # broken or shut down by another thread just now
        pool = _get_pool(limits)
        future = pool.submit(run_tasks, fn, group, limits.cpu_seconds, limits.wall_seconds, slot)
    return pool, future, slot


def call(fn: Callable[..., Any], *args: Any, limits: SandboxLimits | None = None) -> Any:
    """fn(*args) in a warm sandboxed worker; raises WorkerFailed when the worker dies or overruns,
    and whatever fn raises (pickled back) otherwise. fn must be a module-level function."""
    limits = limits or configured()
    pool, future, slot = _submit(fn, [args], limits)
    ok, value = _settle(pool, future, fn, [args], limits, slot)[0]
    if ok:
        return value
    raise value


def _weight(args: tuple) -> int:
    return sum(len(a) for a in args if isinstance(a, bytes | bytearray))


def map_ordered(
    fn: Callable[..., Any],
    tasks: Iterable[tuple],
    *,
    in_flight: int = 0,
    max_bytes: int = 64 * MIB,
    group: int = 1,
    group_bytes: int = 2 * MIB,
    limits: SandboxLimits | None = None,
) -> Iterator[tuple[tuple, Any]]:
    """(args, result or WorkerFailed) per task, in order, with up to in_flight tasks (and max_bytes of
    their bytes arguments, at least one task) submitted ahead of the consumer: the workers keep
    reading while the caller stores what it has been given, and memory stays bounded by the window.
    Up to `group` tasks (and `group_bytes` of their bytes, at least one) go to a worker together, so
    the round trip is paid once for them; each is still limited, refused and told apart as if alone
    (worker.run_tasks, _settle). What fn raised for a task is raised when that task's turn comes."""
    limits = limits or configured()
    in_flight = in_flight or 4 * _workers(limits)
    group = max(1, min(group, in_flight))
    window: deque[tuple[list[tuple], _Pool, Future, int, tuple[str, str]]] = deque()
    filling: list[tuple] = []  # the next group, not yet submitted
    filling_bytes = held = ahead = 0  # bytes of the next group, bytes and tasks not yet handed over

    def settle(args_group, pool, future, weight, slot) -> Iterator[tuple[tuple, Any]]:
        nonlocal held, ahead
        held -= weight
        ahead -= len(args_group)
        for args, (ok, value) in zip(
            args_group, _settle(pool, future, fn, args_group, limits, slot), strict=True
        ):
            if not ok and not isinstance(value, WorkerFailed):
                raise value
            yield args, value

    def submit() -> None:
        nonlocal filling, filling_bytes
        pool, future, slot = _submit(fn, filling, limits)
        window.append((filling, pool, future, filling_bytes, slot))
        filling, filling_bytes = [], 0

    for args in tasks:
        weight = _weight(args)
        if filling and (len(filling) >= group or filling_bytes + weight > group_bytes):
            submit()
        while window and (ahead >= in_flight or held + weight > max_bytes):
            yield from settle(*window.popleft())
        filling.append(args)
        filling_bytes += weight
        held += weight
        ahead += 1
    if filling:
        submit()
    while window:
        yield from settle(*window.popleft())
