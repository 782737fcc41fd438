"""Uploads end to end: bytes -> forms -> scorecards -> store transactions."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from selfeval.model import Issue, Scorecard
from selfeval.readers import read_bytes
from selfeval.rules import Profile, score


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one file, compactly: how many forms it held, the new ids, the duplicates and
    what could not be read. Never its scorecards: an import of a million files keeps a few hundred
    bytes per file instead of a thousand objects per form (memory, and the cycle collector's rescans)."""

    source: str
    forms: int  # forms read from the file
    stored: tuple[int, ...]  # new submission ids
    duplicates: tuple[object, ...]  # forms already stored with identical content
    problems: tuple[Issue, ...]  # what could not be read, with where


def score_bytes(
    data: bytes, name: str, profile: Profile
) -> tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]:
    """Read and score one file without storing it."""
    result = read_bytes(data, name)
    errors = tuple(p for p in result.problems if p.severity == "error")
    return tuple(score(f, profile) for f in result.forms), errors, result.kind


def _score_task(task: tuple[str, bytes, Profile]):
    name, data, profile = task
    return score_bytes(data, name, profile)


def _scored(files: Iterable[tuple[str, bytes]], profile: Profile, jobs: int, window: int) -> Iterator[tuple]:
    """(name, data, cards, problems, kind) per file, in order; with jobs > 1 the reading and scoring
    of each window of files is spread over worker processes (fork: they start with our imports and
    never touch the database)."""
    if jobs <= 1:
        for name, data in files:
            yield (name, data, *score_bytes(data, name, profile))
        return
    files = iter(files)
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        while batch := list(islice(files, window)):
            results = pool.map(_score_task, [(name, data, profile) for name, data in batch], chunksize=8)
            for (name, data), result in zip(batch, results, strict=True):
                yield (name, data, *result)


def ingest_file(
    store, name: str, data: bytes, profile: Profile, *, origin: str = "upload", submitted_by: str = ""
) -> Outcome:
    """Read, score and store one file: all its readable forms in one transaction, or none."""
    return ingest_files(store, [(name, data)], profile, origin=origin, submitted_by=submitted_by)[0]


def ingest_files(
    store,
    files: Iterable[tuple[str, bytes]],
    profile: Profile,
    *,
    origin: str = "upload",
    submitted_by: str = "",
    chunk: int = 200,
    progress: Callable[[int, str], None] | None = None,
    jobs: int = 1,
) -> list[Outcome]:
    """Read, score and store many files, `chunk` files per transaction (one commit per chunk, not per
    file); `jobs` worker processes read and score. A file that cannot be read stores nothing and does
    not stop the others. One Outcome per file, in order (see iter_ingest for a stream)."""
    return list(
        iter_ingest(
            store,
            files,
            profile,
            origin=origin,
            submitted_by=submitted_by,
            chunk=chunk,
            progress=progress,
            jobs=jobs,
        )
    )


def iter_ingest(
    store,
    files: Iterable[tuple[str, bytes]],
    profile: Profile,
    *,
    origin: str = "upload",
    submitted_by: str = "",
    chunk: int = 200,
    progress: Callable[[int, str], None] | None = None,
    jobs: int = 1,
) -> Iterator[Outcome]:
    """ingest_files as a stream: each chunk's Outcomes are yielded once its transaction commits, so a
    caller that keeps only counts and problems (the CLI's import) holds one chunk of scorecards at a
    time, whatever the number of files."""
    from selfeval.store import Upload

    outcomes: list[Outcome] = []
    pending: list[tuple[str, bytes, tuple[Scorecard, ...], tuple[Issue, ...], str]] = []

    def flush() -> None:
        uploads = [
            Upload(cards, name, data, kind, origin, submitted_by)
            for name, data, cards, _, kind in pending
            if cards
        ]
        results = iter(store.save_many(uploads)) if uploads else iter(())
        for name, _, cards, problems, _ in pending:
            saved = next(results) if cards else None
            outcomes.append(
                Outcome(
                    name,
                    len(cards),
                    saved.stored if saved else (),
                    saved.duplicates if saved else (),
                    problems,
                )
            )
        pending.clear()

    for n, (name, data, cards, problems, kind) in enumerate(_scored(files, profile, jobs, chunk), start=1):
        pending.append((name, data, cards, problems, kind))
        if len(pending) >= chunk:
            flush()
            yield from outcomes
            outcomes.clear()
        if progress:
            progress(n, name)
    flush()
    yield from outcomes
