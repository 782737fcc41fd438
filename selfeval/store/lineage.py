"""Does a backup continue the history of the store it replaces? The anchor a restore checks besides
the backup's own chain (selfeval/store/trail.py).

A backup's chain and its rows can be recomputed by whoever holds the folder: an approver renamed, a
return's comment softened, a version's figures or unit changed, the chain hashed again. What the
attacker cannot recompute is the store being replaced: its trail (on PostgreSQL only ever appended
to by the app) and its versions. So a restore over a store that has a history refuses a backup that
disagrees with it where both speak — an event of the same number with another hash, a version of the
same number with other rows — and accepts an older backup (a prefix of the history) or a newer one.
Replacing a store by one of another history is said explicitly (`discard_history`), and the restore's
event then names the history it discarded.

Rows are compared as digests computed by the same SQL on the same backend, before the old tables are
dropped and after the backup's are loaded: one short string per version, never the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from selfeval.messages import AUDIT
from selfeval.store.schema import TABLES
from selfeval.store.sqlutil import COLUMNS_SQL

# columns that legitimately change after a version is stored (the current flag moves to a new version)
_MUTABLE = {"submissions": frozenset({"is_current"})}
_KEY = {"submissions": "id"}


@dataclass(frozen=True)
class History:
    """A store's trail as (id, hash) pairs in id order and {submission id: digest of its rows}."""

    events: tuple[tuple[int, str], ...]
    versions: dict[int, str]

    @property
    def head(self) -> tuple[int, str]:
        return self.events[-1] if self.events else (0, "")


def _digest_sql(db: Any, table: str) -> str:
    """SQL of (submission id, md5 of the version's rows in `table`) for every version in it."""
    key = _KEY.get(table, "submission_id")
    cols = [c for (c,) in db.execute(COLUMNS_SQL, [table]) if c not in _MUTABLE.get(table, ())]
    text = " || '|' || ".join(f"COALESCE(CAST({c} AS VARCHAR), '\\N')" for c in cols)
    return f"""SELECT {key}, md5(string_agg(md5({text}), ',' ORDER BY md5({text})))
               FROM {table} GROUP BY {key}"""


def history(db: Any) -> History:
    """The history of the store `db` reads (inside the restore's transaction)."""
    events = tuple((int(i), h or "") for i, h in db.execute("SELECT id, hash FROM audit_events ORDER BY id"))
    parts: dict[int, list[str]] = {}
    for table in TABLES:
        for sid, digest in db.execute(_digest_sql(db, table)):
            parts.setdefault(int(sid), []).append(f"{table}:{digest}")
    return History(events, {sid: ";".join(d) for sid, d in parts.items()})


def divergence(before: History, after: History) -> str | None:
    """Where the backup (`after`) rewrites the replaced store's history (`before`), in words; None
    when it does not (or when the replaced store has no trail to keep)."""
    if not before.events:
        return None
    for (bid, bhash), (aid, ahash) in zip(before.events, after.events, strict=False):
        if (bid, bhash) != (aid, ahash):
            return AUDIT["DIVERGES_EVENT"].format(id=bid)
    for sid in sorted(set(before.versions) & set(after.versions)):
        if before.versions[sid] != after.versions[sid]:
            return AUDIT["DIVERGES_VERSION"].format(sid=sid)
    return None
