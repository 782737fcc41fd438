"""The memory of a whole process tree: a command and every process below it (the sandbox's fork server
and its workers are forkserver children, not the command's direct children, so ``ru_maxrss`` of the
children misses the sum), sampled from /proc while it runs.

Two figures per sample, each summed over the tree: RSS (what `ps` shows; pages shared between the fork
server and its workers counted once per process, so an upper bound) and PSS (shared pages divided
among their sharers: what the tree really holds). The peaks are the highest sums seen; a sample every
`interval` seconds can miss a spike shorter than that.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PROC = Path("/proc")


def _children_map() -> dict[int, list[int]]:
    """parent pid -> child pids, for every process this user can see."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir(_PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; (0, 0) when it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = pss = 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


@dataclass
class TreeSampler:
    """Samples the memory of `pid`'s tree in a thread until stopped."""

    pid: int
    interval: float = 0.1
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    peak_main_mb: float = 0.0
    peak_processes: int = 0
    samples: int = 0
    trace: list[tuple[float, float]] = field(default_factory=list)  # (seconds, tree PSS MB)
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds, as last seen
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        pids = descendants(self.pid)
        rss = pss = 0
        for p in pids:
            self.cpu[p] = max(self.cpu.get(p, 0.0), _cpu_seconds(p))
            r, s = _memory_kb(p)
            rss += r
            pss += s
            if p == self.pid:
                self.peak_main_mb = max(self.peak_main_mb, r / 1024)
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 1024)
        self.peak_pss_mb = max(self.peak_pss_mb, pss / 1024)
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1
        self.trace.append((time.monotonic(), pss / 1024))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.figures()

    def figures(self) -> dict[str, float]:
        return {
            "tree_peak_rss_mb": round(self.peak_rss_mb, 1),
            "tree_peak_pss_mb": round(self.peak_pss_mb, 1),
            "main_peak_rss_mb": round(self.peak_main_mb, 1),
            "processes": self.peak_processes,
            "samples": self.samples,
            # the tree's CPU time as last sampled (a process's last interval before it exits is missed)
            "cpu_s": round(sum(self.cpu.values()), 2),
        }


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    memory: dict[str, float]


def run_measured(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    interval: float = 0.1,
    timeout: float | None = None,
) -> Measured:
    """Run a command in its own process group, sampling its whole tree's memory; its output is
    collected in files (never a pipe that could fill and stall it)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        sampler = TreeSampler(proc.pid, interval).start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise
        finally:
            memory = sampler.stop()
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        return Measured(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            memory,
        )
