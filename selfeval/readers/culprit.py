"""Which task killed the worker: the sandbox's pool fails every task in flight when one worker dies,
so each worker writes the token of the task it starts into a slot file named by its pid, and the
parent reads the dead worker's slot. The dead worker is the one whose exit status is its own: the
executor ends the others with SIGTERM (or they are still alive). Used by selfeval/readers/sandbox.py.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import signal
import tempfile
import threading
from typing import Any

Slot = tuple[str, str]  # (slot directory of the submitting process, task token)

_lock = threading.Lock()
_slots: str | None = None
_slots_pid = 0
_tokens = itertools.count(1)


def _remove(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked child exiting leaves its parent's slots alone
        shutil.rmtree(path, ignore_errors=True)


def new_slot() -> Slot:
    """(slot directory, a new task token) for a task this process submits."""
    global _slots, _slots_pid
    with _lock:
        if _slots is None or _slots_pid != os.getpid():
            _slots, _slots_pid = tempfile.mkdtemp(prefix="selfeval-sandbox-"), os.getpid()
            atexit.register(_remove, _slots, _slots_pid)
        return _slots, f"{os.getpid()}-{next(_tokens)}"


def mark_running(slot: Slot) -> None:
    """In the worker, before the task starts: this worker now runs `slot`'s task."""
    with contextlib.suppress(OSError), open(os.path.join(slot[0], str(os.getpid())), "w") as mark:
        mark.write(slot[1])


def _runs(slot: Slot, pid: int) -> bool:
    try:
        with open(os.path.join(slot[0], str(pid))) as mark:
            return mark.read() == slot[1]
    except OSError:
        return False


def culprit_exit(pool: Any, slot: Slot, timeout: float) -> int | None:
    """How the worker died that was running `slot`'s task when `pool` broke; None when it was not
    that task, or it cannot be told. A pool the sandbox killed for a hung task names that task.

    The exit statuses are read once the executor's own thread has ended and reaped every worker
    (`pool.manager`, waited for up to `timeout` seconds): a status comes through the fork server once,
    and a second thread reading it at the same time got EOF, which multiprocessing reports as exit 255
    (READ_CRASHED for the killer, and for the innocent task whose worker was just ended). `pool.workers`
    is the executor's own dict of them, kept past its shutdown (which forgets them)."""
    hung = getattr(pool, "_selfeval_hung", None)
    if hung is not None:
        return -signal.SIGALRM if slot[1] == hung else None
    manager = pool.manager
    if manager is not None:
        manager.join(timeout)
        if manager.is_alive():
            return None
    for pid, process in list(pool.workers.items()):
        code = process.exitcode
        if code is not None and code != -signal.SIGTERM and _runs(slot, pid):
            return code
    return None


def started(pool: Any, slot: Slot) -> float | None:
    """When a worker of `pool` began `slot`'s task (the time its slot file was written), or None
    if none has begun it. Reads no exit status (see culprit_exit)."""
    for pid in list(pool.workers):
        with contextlib.suppress(OSError):
            if _runs(slot, pid):
                return os.stat(os.path.join(slot[0], str(pid))).st_mtime
    return None
