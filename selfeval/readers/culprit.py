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


def culprit_exit(pool: Any, slot: Slot) -> int | None:
    """How the worker died that was running `slot`'s task when `pool` broke; None when it was not
    that task, or it cannot be told. A pool the sandbox killed for a hung task names that task."""
    hung = getattr(pool, "_selfeval_hung", None)
    if hung is not None:
        return -signal.SIGALRM if slot[1] == hung else None
    for pid, process in list((getattr(pool, "_processes", None) or {}).items()):
        code = process.exitcode
        if code is not None and code != -signal.SIGTERM and _runs(slot, pid):
            return code
    return None


def running(pool: Any, slot: Slot) -> bool:
    """Whether a live worker of `pool` is running `slot`'s task now."""
    return any(
        process.exitcode is None and _runs(slot, pid)
        for pid, process in list((getattr(pool, "_processes", None) or {}).items())
    )
