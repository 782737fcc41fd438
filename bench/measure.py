"""Timing and memory helpers shared by the measurements.

Memory is reported two ways, and each figure says which:

- ``py_peak``: the peak of Python allocations during one call, from ``tracemalloc`` (run separately
  from the timed calls, which it would slow down). It does not see native memory: DuckDB's buffers,
  Arrow arrays and python-calamine's Rust-side workbook are invisible to it.
- ``rss_peak``: the whole process's resident-set high-water mark while a block ran, minus the resident
  set just before it (``VmHWM`` after resetting it through ``/proc/self/clear_refs``; where that is not
  possible, ``ru_maxrss`` — then a block that peaks below an earlier peak shows 0). Native memory
  included; allocator noise of a few hundred KiB included too.
"""

from __future__ import annotations

import gc
import math
import re
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(seconds: list[float]) -> dict[str, float]:
    """median, p95, mean, min and count of a list of durations, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "median_ms": statistics.median(ms) if ms else math.nan,
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms) if ms else math.nan,
        "min_ms": min(ms) if ms else math.nan,
        "n": len(ms),
    }


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def repeat(fn: Callable[[], object], times: int, warmup: int = 1) -> list[float]:
    """Durations (s) of `times` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    return [timed(fn)[0] for _ in range(times)]


def _status_kb(field: str) -> int | None:
    try:
        m = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def _reset_hwm() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def rss_peak(fn: Callable[[], object]) -> tuple[dict[str, object], object]:
    """Run fn once; the growth of the process's peak resident set over its resident set before."""
    gc.collect()
    before = _status_kb("VmRSS")
    if before is not None and _reset_hwm():
        result = fn()
        peak = _status_kb("VmHWM") or 0
        method = "VmHWM reset via /proc/self/clear_refs"
    else:  # not Linux, or no permission: ru_maxrss only ever grows
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = fn()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        method = "ru_maxrss (does not see a peak below an earlier one)"
    return {
        "rss_peak_mb": max(0, peak - before) / 1024,
        "rss_before_mb": before / 1024,
        "rss_method": method,
    }, result


def py_peak(fn: Callable[[], object]) -> tuple[float, object]:
    """Run fn once under tracemalloc; the peak of Python allocations in MB."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - start) / 1e6, result


def process_peak_mb() -> float:
    """The whole process's lifetime peak resident set (ru_maxrss), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
