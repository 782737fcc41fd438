"""A province in one command: any number of files imported with memory bounded by one chunk, committed
chunk by chunk, and resumable.

- The files to import are listed once, sorted, and held compactly (a directory's names joined in one
  string: a few bytes a file, not a Path object each).
- Each file's bytes are hashed when read; a group of them is looked up in the store by that hash, and a
  file already stored (by content, in an earlier run that was stopped or finished) is skipped without
  being read again. Sorted order makes a stopped run's stored files a prefix, so the run that resumes
  says once how much was already there (`on_resume`) and carries on.
- The rest go through `selfeval.ingest.iter_ingest`: read, scored and turned into rows in the sandbox's
  workers, stored `chunk` files per transaction. A transaction is whole or absent, so a run killed at
  any moment leaves whole chunks, and the next run skips them.
- Nothing per file is kept once its chunk is committed: the caller gets counts (`Totals`) and each
  unreadable file's problems as they come (`on_problem`), to print or write to a report.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from selfeval.ingest import iter_ingest
from selfeval.messages import issue
from selfeval.model import Issue
from selfeval.profile import Profile
from selfeval.readers.limits import DEFAULT_LIMITS, refuse, size_text

ACCEPTED = frozenset({".xlsx", ".xls", ".pdf", ".txt", ".md", ".tsv", ".csv", ".text"})
LOOKUP_FILES = 200  # files whose hashes one query looks up
LOOKUP_BYTES = 64 * 1024 * 1024  # … and at most this many of their bytes held meanwhile


# ------------------------------------------------------------------------------------- the file list


@dataclass
class FileList:
    """Paths in import order, held compactly: runs of names of one directory joined by NUL (which no
    file name holds), so a folder of a million files costs megabytes, not a Path object a file."""

    runs: list[tuple[str, str]] = field(default_factory=list)  # (directory or "", NUL-joined names)
    count: int = 0

    def _add(self, directory: str, names: list[str]) -> None:
        if names:
            self.runs.append((directory, "\0".join(names)))
            self.count += len(names)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        for directory, joined in self.runs:
            for name in joined.split("\0"):
                yield os.path.join(directory, name) if directory else name


def list_files(paths: Sequence[str | os.PathLike]) -> FileList:
    """The files `paths` name, in the order sorted(Path.rglob) gives inside a folder (entries by name,
    a subfolder's files where the subfolder sorts), only the accepted suffixes inside folders; a
    path that is not a folder is kept as given (reading it says what is wrong). Symbolic links to
    folders are not followed (no loops)."""
    out = FileList()
    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            _walk(path, out)
        else:
            out._add("", [path])
    return out


def _walk(directory: str, out: FileList) -> None:
    try:
        with os.scandir(directory) as it:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
    except OSError:
        return
    names: list[str] = []
    for name, is_dir in entries:
        if is_dir:
            out._add(directory, names)
            names = []
            _walk(os.path.join(directory, name), out)
        elif os.path.splitext(name)[1].lower() in ACCEPTED and os.path.isfile(os.path.join(directory, name)):
            names.append(name)
    out._add(directory, names)


def read_checked(path: str | Path) -> tuple[bytes | None, tuple[Issue, ...]]:
    """The file's bytes, or why not (an error Issue): the size is checked with stat before anything is
    read, so a 3 GB file is refused in Chinese without being loaded; an OS error stays this file's."""
    path = Path(path)
    try:
        if not path.is_file():
            return None, (issue("FILE_MISSING", str(path)),)
        size = path.stat().st_size
        if size > DEFAULT_LIMITS.max_bytes:
            return None, (_too_large(path.name, size),)
        data = path.read_bytes()
        if len(data) > DEFAULT_LIMITS.max_bytes:  # grew between the stat and the read
            return None, (_too_large(path.name, len(data)),)
        return data, ()
    except (OSError, MemoryError) as exc:
        return None, (issue("FILE_UNREADABLE", path.name, error=type(exc).__name__),)


def _too_large(name: str, size: int) -> Issue:
    refusal = refuse("TOO_LARGE", size=size_text(size), limit=size_text(DEFAULT_LIMITS.max_bytes))
    return issue(refusal.code, name, **refusal.fields)


# ------------------------------------------------------------------------------------------ the import


@dataclass
class Totals:
    """What an import has done so far: counts only, whatever the number of files."""

    files: int  # files to handle in this run
    done: int = 0  # files handled (stored, duplicates, skipped or unreadable)
    read: int = 0  # files read in this run (not skipped)
    forms: int = 0  # forms read in this run
    stored: int = 0  # forms stored
    duplicates: int = 0  # forms whose content was stored already (in another file or layout)
    skipped_files: int = 0  # files stored in an earlier run (by content): not read again
    skipped_forms: int = 0  # … and the forms they hold
    unreadable: int = 0  # files with an error (nothing or not everything of them stored)
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def forms_per_s(self) -> float | None:
        """Forms read (stored or found duplicate) a second in this run, skipped files not counted."""
        elapsed = self.elapsed
        return self.forms / elapsed if elapsed > 0 and self.read else None

    @property
    def seconds_left(self) -> float | None:
        """Time left at the rate files have been read in this run (None before the first is)."""
        elapsed = self.elapsed
        if not self.read or elapsed <= 0:
            return None
        return (self.files - self.done) * elapsed / self.read


def import_files(
    store,
    files: Iterable[str] | FileList,
    profile: Profile,
    *,
    jobs: int = 1,
    chunk: int = 200,
    total: int | None = None,
    on_progress: Callable[[Totals], None] | None = None,
    on_problem: Callable[[str, tuple[Issue, ...]], None] | None = None,
    on_resume: Callable[[Totals], None] | None = None,
    on_transfer: Callable[[str, str], None] | None = None,
    allow_transfer: bool = False,
) -> Totals:
    """Import files (paths) into `store` in chunks of `chunk` files a transaction, `jobs` workers
    reading; files already stored (by the sha256 of their bytes, as the acting principal sees the
    store) are skipped unread. Returns the counts; problems go to `on_problem(path, issues)` as they
    are found, progress to `on_progress(totals)` after every file, and `on_resume(totals)` is called
    once when the first file to read follows files skipped as stored. A form naming another unit than
    its project's owner is refused unless `allow_transfer`; each move made goes to
    `on_transfer(path, sentence)`."""
    if total is None:
        total = len(files) if isinstance(files, FileList | list | tuple) else 0
    totals = Totals(files=total)
    in_flight: deque[str] = deque()  # paths sent to the workers, in order, until their outcome

    def problem(path: str, issues: tuple[Issue, ...]) -> None:
        totals.unreadable += 1
        if on_problem:
            on_problem(path, issues)

    def progress() -> None:
        if on_progress:
            on_progress(totals)

    def to_read() -> Iterator[tuple[str, bytes]]:
        resumed = False
        for path, data, issues, stored_forms in _looked_up(store, files):
            if data is None:
                totals.done += 1
                problem(path, issues)
            elif stored_forms:
                totals.done += 1
                totals.skipped_files += 1
                totals.skipped_forms += stored_forms
            else:
                if totals.skipped_files and not resumed and on_resume:
                    on_resume(totals)
                resumed = True
                in_flight.append(path)
                yield os.path.basename(path), data
                continue
            progress()

    outcomes = iter_ingest(
        store, to_read(), profile, origin="import", jobs=jobs, chunk=chunk, allow_transfer=allow_transfer
    )
    for outcome in outcomes:
        path = in_flight.popleft()
        totals.done += 1
        totals.read += 1
        totals.forms += outcome.forms
        totals.stored += len(outcome.stored)
        totals.duplicates += len(outcome.duplicates)
        if outcome.problems:
            problem(path, outcome.problems)
        for moved in outcome.transfers:
            if on_transfer:
                on_transfer(path, moved)
        progress()
    return totals


def _looked_up(store, files: Iterable[str]) -> Iterator[tuple[str, bytes | None, tuple[Issue, ...], int]]:
    """(path, bytes or None, problems, forms already stored from these bytes) per file, in
    order: files read and hashed a group at a time (LOOKUP_FILES, LOOKUP_BYTES), each group looked up
    in the store with one query."""
    group: list[tuple[str, bytes | None, str, tuple[Issue, ...]]] = []
    held = 0

    def flush() -> Iterator:
        shas = sorted({sha for _, data, sha, _ in group if data is not None})
        stored = store.stored_files(shas) if shas else {}
        for path, data, sha, issues in group:
            yield path, data, issues, stored.get(sha, 0) if data is not None else 0
        group.clear()

    for path in files:
        data, issues = read_checked(path)
        sha = hashlib.sha256(data).hexdigest() if data is not None else ""
        group.append((path, data, sha, issues))
        held += len(data or b"")
        if len(group) >= LOOKUP_FILES or held >= LOOKUP_BYTES:
            yield from flush()
            held = 0
    yield from flush()
