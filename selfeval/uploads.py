"""What one browser session hands the readers at once (上传评分), bounded: at most
`Limits.max_upload_files` files and `Limits.max_session_bytes` of their bytes together are read; the
rest are refused each with a Chinese reason (TOO_MANY_FILES, SESSION_TOO_LARGE). The bounds live here,
in the function the page calls, not in the page.

Scored results are kept in a plain dict the caller holds (a session's state), keyed by the sha256 of
the bytes and the profile, and pruned to the current batch on every call: what a batch held is
released as soon as the batch changes, is emptied or is stored (`release`), instead of staying in a
process-wide cache keyed on bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

from selfeval.messages import issue
from selfeval.model import Issue, Scorecard
from selfeval.readers.limits import DEFAULT_LIMITS, Limits, size_text

Scorer = Callable[[bytes, str, str], tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]]


@dataclass(frozen=True)
class UploadResult:
    """One uploaded file: its bytes (until the batch is stored), digest, forms read and problems."""

    name: str
    data: bytes
    digest: str
    cards: tuple[Scorecard, ...]
    problems: tuple[Issue, ...]
    kind: str


def admit(inputs: Sequence[tuple[str, bytes]], limits: Limits | None = None) -> list[Issue | None]:
    """Per file, None when it may be read, else why not: the first max_upload_files, as long as
    their bytes together stay within max_session_bytes (a file that would pass it is refused; a
    smaller one after it may still fit)."""
    limits = limits or DEFAULT_LIMITS
    verdicts: list[Issue | None] = []
    read = held = 0
    for name, data in inputs:
        if read >= limits.max_upload_files:
            verdicts.append(issue("TOO_MANY_FILES", name, limit=str(limits.max_upload_files), filename=name))
        elif held + len(data) > limits.max_session_bytes:
            limit = size_text(limits.max_session_bytes)
            verdicts.append(issue("SESSION_TOO_LARGE", name, limit=limit, filename=name))
        else:
            read += 1
            held += len(data)
            verdicts.append(None)
    return verdicts


def score_batch(
    inputs: Sequence[tuple[str, bytes]],
    profile_name: str,
    score: Scorer,
    cache: MutableMapping[tuple[str, str], tuple],
    *,
    limits: Limits | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[UploadResult]:
    """Every file of one upload, in order: admitted files scored by `score(data, name, profile)`
    (results reused from `cache` when the same bytes were scored under the same profile), refused
    ones with their reason and no bytes kept. `cache` keeps this batch's results only."""
    wanted: set[tuple[str, str]] = set()
    results = []
    for n, ((name, data), refused) in enumerate(zip(inputs, admit(inputs, limits), strict=True), start=1):
        if progress:
            progress(n, len(inputs), name)
        if refused is not None:
            results.append(UploadResult(name, b"", "", (), (refused,), ""))
            continue
        digest = hashlib.sha256(data).hexdigest()
        key = (digest, profile_name)
        wanted.add(key)
        if key not in cache:
            try:
                cache[key] = score(data, name, profile_name)
            except Exception as exc:  # the readers never raise for bad content; this is a last guard
                cache[key] = ((), (issue("FILE_UNREADABLE", name, error=type(exc).__name__),), "")
        cards, problems, kind = cache[key]
        results.append(UploadResult(name, data, digest, cards, problems, kind))
    for key in [k for k in cache if k not in wanted]:
        del cache[key]  # an earlier batch's results: released
    return results


def release(cache: MutableMapping) -> None:
    """Forget every scored result (the batch was stored or abandoned)."""
    cache.clear()
