"""Which file killed the worker: the sandbox's pool fails every task in flight when one worker dies,
so each worker writes the token of the task it runs, and which of the task's files it is reading, into
a slot file named by its pid (rewritten as each file starts: its time is when that file began), and
the parent reads the dead worker's slot. The dead worker is the one whose exit status is its own: the
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


_MARK_WIDTH = 64  # a mark is written over the last one, padded to this width (no truncation)
_mark: tuple[int, str, int] | None = None  # in a worker: (pid, slot directory, its slot file open)


def mark_running(slot: Slot, index: int = 0) -> None:
    """In the worker, before a file of a task starts: this worker now reads file `index` of `slot`'s
    task. The slot file stays open and each mark overwrites the last in one write (opening and
    truncating it for every file cost ~0.15 ms on ext4, a third of a small form's round trip)."""
    global _mark
    try:
        if _mark is None or _mark[0] != os.getpid() or _mark[1] != slot[0]:
            fd = os.open(
                os.path.join(slot[0], str(os.getpid())), os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            if _mark is not None and _mark[0] == os.getpid():
                os.close(_mark[2])
            _mark = (os.getpid(), slot[0], fd)
        os.pwrite(_mark[2], f"{slot[1]}#{index}".encode().ljust(_MARK_WIDTH), 0)
    except OSError:
        pass


def _running(slot: Slot, pid: int) -> int | None:
    """Which file of `slot`'s task the worker `pid` last began (None: it never began that task)."""
    try:
        with open(os.path.join(slot[0], str(pid))) as mark:
            token, _, index = mark.read().strip().partition("#")
    except OSError:
        return None
    return int(index) if token == slot[1] and index.isdigit() else None


def culprit_exit(pool: Any, slot: Slot, timeout: float) -> tuple[int, int] | None:
    """(which file, how the worker died) of `slot`'s task, when a worker died reading one of its files
    and broke `pool`; None when it was not that task, or it cannot be told. A pool the sandbox killed
    for a hung file names that file (`pool._selfeval_hung`: (token, index)).

    The exit statuses are read once the executor's own thread has ended and reaped every worker
    (`pool.manager`, waited for up to `timeout` seconds): a status comes through the fork server once,
    and a second thread reading it at the same time got EOF, which multiprocessing reports as exit 255
    (READ_CRASHED for the killer, and for the innocent task whose worker was just ended). `pool.workers`
    is the executor's own dict of them, kept past its shutdown (which forgets them)."""
    hung = getattr(pool, "_selfeval_hung", None)
    if hung is not None:
        return (hung[1], -signal.SIGALRM) if hung[0] == slot[1] else None
    manager = pool.manager
    if manager is not None:
        manager.join(timeout)
        if manager.is_alive():
            return None
    for pid, process in list(pool.workers.items()):
        code = process.exitcode
        if code is not None and code != -signal.SIGTERM and (index := _running(slot, pid)) is not None:
            return index, code
    return None


def started(pool: Any, slot: Slot) -> tuple[float, int] | None:
    """(when, which) file of `slot`'s task a worker of `pool` is reading (when it began that file: the
    time its slot file was written), or None if none has begun the task. Reads no exit status (see
    culprit_exit)."""
    for pid in list(pool.workers):
        with contextlib.suppress(OSError):
            if (index := _running(slot, pid)) is not None:
                return os.stat(os.path.join(slot[0], str(pid))).st_mtime, index
    return None
