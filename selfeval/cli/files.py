"""What every command that reads files shares: which files a path names, their bytes read with the
size checked first, and each file scored with its problems printed to stderr. Also the one way a
command writes a new file without overwriting one."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from selfeval.ingest import score_bytes
from selfeval.messages import issue
from selfeval.model import Issue
from selfeval.names import write_new
from selfeval.readers.limits import DEFAULT_LIMITS, refuse, size_text

ACCEPTED = {".xlsx", ".xls", ".pdf", ".txt", ".md", ".tsv", ".csv", ".text"}


def expand(paths: Sequence[str]) -> Iterator[Path]:
    """Files as given, and the accepted files inside folders (sorted, recursive)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED)
        else:
            yield path


def report_problems(problems, path: Path, prefix: str = "") -> bool:
    """Print a file's reading errors to stderr; True when there were any."""
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        print(f"{prefix}无法读取 {path}：{problem.location}：{problem.message}", file=sys.stderr)
    return bool(errors)


def read_checked(path: Path) -> tuple[bytes | None, tuple[Issue, ...]]:
    """The file's bytes, or why not (an error Issue): the size is checked with stat before anything is
    read, so a 3 GB file is refused in Chinese without being loaded; an OS error stays this file's."""
    try:
        if not path.is_file():
            return None, (issue("FILE_MISSING", str(path)),)
        size = path.stat().st_size
        if size > DEFAULT_LIMITS.max_bytes:
            refusal = refuse("TOO_LARGE", size=size_text(size), limit=size_text(DEFAULT_LIMITS.max_bytes))
            return None, (issue(refusal.code, path.name, **refusal.fields),)
        return path.read_bytes(), ()
    except (OSError, MemoryError) as exc:
        return None, (issue("FILE_UNREADABLE", path.name, error=type(exc).__name__),)


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
