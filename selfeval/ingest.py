"""One upload, end to end: bytes -> forms -> scorecards -> one store transaction."""

from __future__ import annotations

from dataclasses import dataclass

from selfeval.model import Issue, Scorecard
from selfeval.readers import read_bytes
from selfeval.rules import Profile, score


@dataclass(frozen=True)
class Outcome:
    source: str
    cards: tuple[Scorecard, ...]
    stored: tuple[int, ...]  # new submission ids
    duplicates: tuple[object, ...]  # forms already stored with identical content
    problems: tuple[Issue, ...]  # what could not be read, with where


def score_bytes(data: bytes, name: str, profile: Profile) -> tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]:
    """Read and score one file without storing it."""
    result = read_bytes(data, name)
    errors = tuple(p for p in result.problems if p.severity == "error")
    return tuple(score(f, profile) for f in result.forms), errors, result.kind


def ingest_file(store, name: str, data: bytes, profile: Profile, *, origin: str = "upload", submitted_by: str = "") -> Outcome:
    """Read, score and store one file: all its readable forms in one transaction, or none."""
    cards, problems, kind = score_bytes(data, name, profile)
    if not cards:
        return Outcome(name, (), (), (), problems)
    saved = store.save(list(cards), source_name=name, data=data, kind=kind, origin=origin, submitted_by=submitted_by)
    return Outcome(name, cards, tuple(saved.stored), tuple(saved.duplicates), problems)
