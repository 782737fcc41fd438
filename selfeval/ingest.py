"""Uploads end to end: bytes -> forms -> scorecards -> store transactions."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from selfeval.messages import issue
from selfeval.model import Issue, Scorecard
from selfeval.profile import Profile
from selfeval.readers import read_bytes_in_process, sandbox
from selfeval.rowprep import prepare_file
from selfeval.rules import score


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
    transfers: tuple[str, ...] = ()  # projects this file moved to another unit (administrators), in words


def score_bytes(
    data: bytes, name: str, profile: Profile
) -> tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]:
    """Read and score one file without storing it, in a sandboxed worker (selfeval.readers.sandbox):
    (scorecards, errors, kind). A file that kills or stalls its reader gives one error, never an
    exception."""
    try:
        return sandbox.call(score_bytes_in_process, bytes(data), name, profile)
    except sandbox.WorkerFailed as failed:
        return (), (issue(failed.code, name),), ""


def score_bytes_in_process(
    data: bytes, name: str, profile: Profile
) -> tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]:
    """score_bytes in this process: what the sandbox's worker runs (never on untrusted bytes in a
    process that must survive them). A form that scoring cannot handle makes the file an error."""
    result = read_bytes_in_process(data, name)
    errors = tuple(p for p in result.problems if p.severity == "error")
    try:
        cards = tuple(score(f, profile) for f in result.forms)
    except Exception as exc:  # scoring must not raise on read data; if it does, this file only fails
        return (), (*errors, issue("FILE_UNREADABLE", name, error=type(exc).__name__)), result.kind
    return cards, errors, result.kind


@dataclass(frozen=True, slots=True)
class Packed:
    """A file's prepared forms (selfeval.rowprep) pickled by the worker that made them: the main process
    holds these bytes — a fifth of the objects they unpickle to — while the file waits in the reading
    window and in its chunk, and unpacks them only when the chunk is stored."""

    forms: int
    data: bytes

    def __len__(self) -> int:
        return self.forms

    def unpack(self) -> tuple:
        return pickle.loads(self.data) if self.forms else ()


NOTHING = Packed(0, b"")


def prepare_bytes_in_process(
    data: bytes, name: str, profile: Profile
) -> tuple[Packed, tuple[Issue, ...], str]:
    """score_bytes_in_process, then the forms as the store's rows (selfeval.rowprep.prepare_file): what an
    import's worker hands back, so the main process neither unpickles scorecards nor serialises
    forms — it checks keys and appends columns. (packed prepared forms, errors, kind)."""
    cards, errors, kind = score_bytes_in_process(data, name, profile)
    prepared = prepare_file(cards, data)
    return Packed(len(prepared), pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL)), errors, kind


# files a worker reads in one pooled task (and at most this many of their bytes): the round trip - the
# task's pickles, the executor's queues and wake-ups, ~0.4 ms - is paid once for them
GROUP_FILES = 8
GROUP_BYTES = 2 * 1024 * 1024


def _scored(files: Iterable[tuple[str, bytes]], profile: Profile, jobs: int, window: int) -> Iterator[tuple]:
    """(name, prepared forms, problems, kind) per file, in order, read, scored and turned into
    store rows in the sandbox's warm workers. With jobs > 1 up to a window of files (and 64 MiB of
    their bytes) is in flight ahead of the caller, so the workers keep reading while the caller stores a transaction (the cores stay
    busy); jobs = 1 reads one file ahead. Several files go to a worker in one task (GROUP_FILES), each
    still read under its own limits. A file whose worker dies is an error of that file only."""
    tasks = ((bytes(data), name, profile) for name, data in files)
    in_flight = max(2 * jobs, min(window, 256)) if jobs > 1 else 2
    results = sandbox.map_ordered(
        prepare_bytes_in_process, tasks, in_flight=in_flight, group=GROUP_FILES, group_bytes=GROUP_BYTES
    )
    for (_, name, _), result in results:
        if isinstance(result, sandbox.WorkerFailed):
            result = NOTHING, (issue(result.code, name),), ""
        yield (name, *result)  # the bytes are not kept: the rows carry their hash and size


def ingest_file(
    store,
    name: str,
    data: bytes,
    profile: Profile,
    *,
    origin: str = "upload",
    submitted_by: str = "",
    allow_transfer: bool = False,
) -> Outcome:
    """Read, score and store one file: all its readable forms in one transaction, or none."""
    return ingest_files(
        store,
        [(name, data)],
        profile,
        origin=origin,
        submitted_by=submitted_by,
        allow_transfer=allow_transfer,
    )[0]


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
    allow_transfer: bool = False,
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
            allow_transfer=allow_transfer,
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
    allow_transfer: bool = False,
) -> Iterator[Outcome]:
    """ingest_files as a stream: each chunk's Outcomes are yielded once its transaction commits, so a
    caller that keeps only counts and problems (the CLI's import) holds one chunk of scorecards at a
    time, whatever the number of files. The files are one batch: a project code that two units
    claim in it is refused (save_many's `claims`), whichever chunk each claim falls in."""
    # imported here, not at the top: the import's workers load this module and never need the store
    from selfeval.store import BatchClaims, Upload

    outcomes: list[Outcome] = []
    pending: list[tuple[str, Packed, tuple[Issue, ...], str]] = []  # cards: packed prepared forms
    claims = BatchClaims()  # the units claiming each (code, year) in this batch, what the store cannot tell

    def flush() -> None:
        uploads = [
            Upload((), name, None, kind, origin, submitted_by, prepared=cards.unpack())
            for name, cards, _, kind in pending
            if cards
        ]
        results = (
            iter(store.save_many(uploads, allow_transfer=allow_transfer, claims=claims))
            if uploads
            else iter(())
        )
        for name, cards, problems, _ in pending:
            saved = next(results) if cards else None
            outcomes.append(
                Outcome(
                    name,
                    len(cards),
                    saved.stored if saved else (),
                    saved.duplicates if saved else (),
                    # a file the store refused (another unit's project) is reported like one it
                    # could not read: nothing of it stored, the reason said at the file
                    problems + tuple(issue("UNIT_REFUSED", name, reason=r) for r in saved.refused)
                    if saved
                    else problems,
                    saved.transfers if saved else (),
                )
            )
        pending.clear()

    for n, (name, cards, problems, kind) in enumerate(_scored(files, profile, jobs, chunk), start=1):
        pending.append((name, cards, problems, kind))
        if len(pending) >= chunk:
            flush()
            yield from outcomes
            outcomes.clear()
        if progress:
            progress(n, name)
    flush()
    yield from outcomes
