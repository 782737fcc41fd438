"""What every command that reads files shares: which files a path names, their bytes read with the
size checked first, and each file scored with its problems printed to stderr. Also the one way a
command writes a new file without overwriting one."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from selfeval.bulk import ACCEPTED, Totals, list_files, read_checked  # noqa: F401  (ACCEPTED re-exported)
from selfeval.ingest import score_bytes
from selfeval.messages import IMPORT
from selfeval.model import Issue
from selfeval.names import visible, write_new

PROBLEMS_SHOWN = 20  # unreadable files printed to stderr; past that the whole list goes to a report file


def expand(paths: Sequence[str]) -> Iterator[Path]:
    """Files as given, and the accepted files inside folders (sorted, recursive)."""
    for path in list_files(paths):
        yield Path(path)


def report_problems(problems, path: Path, prefix: str = "") -> bool:
    """Print a file's reading errors to stderr; True when there were any."""
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        print(visible(f"{prefix}无法读取 {path}：{problem.location}：{problem.message}"), file=sys.stderr)
    return bool(errors)


def score_paths(paths: Sequence[str], profile) -> tuple[list, bool]:
    """Read and score every file (folders expanded); (scorecards, whether any file failed)."""
    cards, failed = [], False
    for path in expand(paths):
        data, problems = read_checked(path)
        found = ()
        if data is not None:
            found, problems, _ = score_bytes(data, path.name, profile)
        failed |= report_problems(problems, path)
        cards.extend(found)
    return cards, failed


def new_file(path: Path) -> Path:
    """path, or path with （2）, （3）… before the suffix (selfeval.names.write_new): an export never
    overwrites a file (two years of one project have one template name; a second export keeps the
    first). Claims the name atomically and returns it, empty."""
    return write_new(path.parent, path.name)


# ------------------------------------------------------------------------------ `selfeval import`


def problem_lines(path: str, problems: Sequence[Issue]) -> list[str]:
    return [
        visible(IMPORT["problem"].format(path=path, location=p.location, message=p.message))
        for p in problems
        if p.severity == "error"
    ]


class ProblemLog:
    """The unreadable files of an import: the first PROBLEMS_SHOWN kept to print at the end; from the
    next one on (or from the first, when a report path is given) every file's lines are written to a
    report file as they come (by default a new file in the temporary folder, named in the summary), so
    a million bad files cost no memory."""

    def __init__(self, report: str | None = None):
        self.report = Path(report) if report else None
        self.shown: list[tuple[str, list[str]]] = []
        self.count = 0
        self.file: TextIO | None = None
        self.path: Path | None = None
        self.started = datetime.now().strftime("%Y-%m-%d %H:%M:%S")

    def add(self, path: str, problems: Sequence[Issue]) -> None:
        self.count += 1
        lines = problem_lines(path, problems)
        if len(self.shown) < PROBLEMS_SHOWN:
            self.shown.append((path, lines))
        if self.file is None and (self.report is not None or self.count > PROBLEMS_SHOWN):
            self._open()
            earlier = self.shown if self.count > len(self.shown) else self.shown[:-1]
            for _, kept in earlier:
                self._write(kept)
        if self.file is not None:
            self._write(lines)

    def _open(self) -> None:
        if self.report is not None:
            self.path = self.report
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:  # the temporary folder: never a file left in whatever folder the command ran from
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.path = new_file(Path(tempfile.gettempdir()) / f"selfeval-导入问题-{stamp}.txt")
        self.file = self.path.open("w", encoding="utf-8")
        self.file.write(IMPORT["report.header"].format(started=self.started) + "\n")

    def _write(self, lines: list[str]) -> None:
        assert self.file is not None
        self.file.write("\n".join(lines) + "\n")
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def print_summary(self) -> None:
        """The problems kept, then how many more and where all of them are."""
        for _, lines in self.shown:
            for line in lines:
                print(line, file=sys.stderr)
        if self.count > len(self.shown):
            print(IMPORT["report.more"].format(more=self.count - len(self.shown)), file=sys.stderr)
        if self.path is not None:
            print(IMPORT["report.where"].format(path=self.path), file=sys.stderr)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return IMPORT["left.none"]
    s = int(seconds + 0.5)
    if s >= 3600:
        return IMPORT["left.hours"].format(h=s // 3600, m=s % 3600 // 60)
    if s >= 60:
        return IMPORT["left.minutes"].format(m=s // 60, s=s % 60)
    return IMPORT["left.seconds"].format(s=s)


def _rate(totals: Totals) -> str:
    rate = totals.forms_per_s
    return IMPORT["rate.none"] if rate is None else f"{rate:,.0f}"


class Progress:
    """One line on stderr, redrawn at most every `every` seconds: files done of all, forms a second
    and the time left; the resumed run's sentence on a line of its own."""

    def __init__(self, total: int, every: float = 0.25, stream: TextIO | None = None):
        self.total = total
        self.every = every
        self.stream = stream or sys.stderr
        self.last = 0.0

    def update(self, totals: Totals, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every and totals.done < self.total:
            return
        self.last = now
        width = 30
        filled = width * totals.done // max(self.total, 1)
        line = IMPORT["progress"].format(
            done=f"{totals.done:,}",
            total=f"{self.total:,}",
            rate=_rate(totals),
            left=duration(totals.seconds_left),
        )
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {line}  ")
        self.stream.flush()

    def resumed(self, totals: Totals) -> None:
        rest = self.total - totals.done
        sentence = IMPORT["resumed"].format(
            forms=f"{totals.skipped_forms:,}", files=f"{totals.skipped_files:,}", rest=f"{rest:,}"
        )
        self.stream.write(f"\r{sentence}\n")
        self.stream.flush()

    def finish(self, totals: Totals) -> None:
        self.update(totals, force=True)
        self.stream.write("\n")
        self.stream.flush()


def summary(totals: Totals) -> str:
    """The last lines of an import: what was stored, already there (duplicates, the forms of skipped
    files included) and not read, and how fast."""
    duplicates = totals.duplicates + totals.skipped_forms
    lines = [
        IMPORT["summary"].format(stored=totals.stored, duplicates=duplicates, unreadable=totals.unreadable)
    ]
    if totals.skipped_files:
        lines.append(IMPORT["summary.skipped"].format(files=totals.skipped_files, forms=totals.skipped_forms))
    lines.append(
        IMPORT["summary.time"].format(elapsed=duration(totals.elapsed), read=totals.read, rate=_rate(totals))
    )
    return "\n".join(lines)
