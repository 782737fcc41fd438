"""Memory given back to the system once a big buffer is freed (a long-running server, a long import).

glibc's malloc serves an allocation above its mmap threshold (128 KiB at start) from a mapping of
its own, unmapped when freed — but each time such a buffer is freed it raises the threshold to that
size (up to 32 MiB), so the next ones of that size come from its heap, which it seldom shrinks. A
server reading 19 MB uploads grew by about 7 MB an upload that way although nothing kept them
(tests/test_upload_memory.py). Fixing the threshold keeps every buffer from 1 MiB up in a mapping of
its own: freed, it is gone from the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD = 1024 * 1024


def return_big_buffers(threshold: int = THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes (idempotent); False where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, int(threshold)))
    except (OSError, AttributeError):  # another C library: nothing to set
        return False
