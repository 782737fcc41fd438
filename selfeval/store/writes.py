"""Every write of the store, written once for both backends: saving uploads (duplicates and new
versions recognised in SQL) and restoring an earlier version.

A backend provides `_writing()` — a context manager that serialises writers (a lock per file for
DuckDB, an advisory lock for PostgreSQL), opens one transaction and yields its `Db` — and
`_insert_rows(db, table, rows)`, one bulk insert.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from selfeval.model import Scorecard
from selfeval.serialize import content_sha256, form_from_json
from selfeval.store.records import ORIGINS, Origin, SaveResult, Upload
from selfeval.store.review import record_versions
from selfeval.store.rows import _Batch, _prepare, _Prepared
from selfeval.store.schema import COLUMNS, I64, STR, TABLES
from selfeval.store.sqlutil import now

_KEYS_SCHEMA = pa.schema([("i", I64), ("sha256", STR), ("sheet", STR), ("project_code", STR), ("year", STR)])


class Writes:
    """Write methods shared by the backends (mixed into each Store class)."""

    who: Any

    def save(
        self,
        scorecards: Iterable[Scorecard],
        *,
        source_name: str,
        data: bytes | None,
        kind: str,
        origin: Origin,
        submitted_by: str = "",
    ) -> SaveResult:
        """Store the scorecards of one upload (or editor save, or import) in one transaction.

        Identical content already stored (same sha256 of the file's bytes — or of the form's canonical
        JSON when there are no bytes — same sheet, same project code), or a form whose content equals
        its project's current version (the same form in another file or layout), is reported as a
        duplicate and not written; a changed one for the same project and year becomes its new
        current version.
        """
        return self.save_many([Upload(tuple(scorecards), source_name, data, kind, origin, submitted_by)])[0]

    def save_many(self, uploads: Sequence[Upload]) -> list[SaveResult]:
        """Store several uploads in one transaction (all of them or none): a batch import or a
        multi-file upload pays one commit instead of one per file. One SaveResult per upload."""
        for u in uploads:
            if u.origin not in ORIGINS:
                raise ValueError(f"origin must be one of {ORIGINS}, not {u.origin!r}")
        prepared: list[list[_Prepared]] = []
        for u in uploads:
            file_sha = hashlib.sha256(u.data).hexdigest() if u.data is not None else None
            size = len(u.data) if u.data is not None else None
            prepared.append([_prepare(sc, file_sha, size) for sc in u.scorecards])
        flat = [p for group in prepared for p in group]
        if not flat:
            return [SaveResult((), ()) for _ in uploads]
        keys = pa.table(
            {
                "i": list(range(len(flat))),
                "sha256": [p.sha256 for p in flat],
                "sheet": [p.sc.form.sheet for p in flat],
                "project_code": [p.sc.form.header.project_code for p in flat],
                "year": [p.sc.form.header.year for p in flat],
            },
            schema=_KEYS_SCHEMA,
        )
        with self._writing() as db:
            with db.stage("_keys", keys):
                existing = dict(
                    db.execute(
                        """SELECT k.i, MAX(s.id) FROM _keys k JOIN submissions s
                           ON s.sha256 = k.sha256 AND s.sheet = k.sheet AND s.project_code = k.project_code
                           GROUP BY k.i"""
                    )
                )
                versioned = {
                    i
                    for (i,) in db.execute(
                        """SELECT DISTINCT k.i FROM _keys k JOIN submissions s
                           ON s.project_code = k.project_code AND s.year = k.year
                           WHERE k.project_code <> ''"""
                    )
                }
                current = db.execute(
                    """SELECT k.i, s.id, s.form_json, s.profile FROM _keys k JOIN submissions s
                       ON s.project_code = k.project_code AND s.year = k.year
                       WHERE k.project_code <> '' AND s.id = (
                           SELECT MAX(s2.id) FROM submissions s2
                           WHERE s2.project_code = s.project_code AND s2.year = s.year)"""
                )
            for i, sid, form_json, profile in current:
                p = flat[i]
                if i not in existing and content_sha256(form_from_json(form_json), profile) == content_sha256(
                    p.sc.form, p.sc.profile
                ):
                    existing[i] = sid
            next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0][0]
            batch = _Batch(itertools.count(next_id), now())
            offset = 0
            results = []
            for u, group in zip(uploads, prepared, strict=True):
                results.append(batch.add(u, group, existing, versioned, offset))
                offset += len(group)
            for table in TABLES:
                self._insert_rows(db, table, batch.tables[table])
            record_versions(db, self.who, next_id)
        return results

    def restore_version(self, submission_id: int, *, submitted_by: str = "") -> int:
        """Make an earlier version current again by copying it as a new submission (origin editor).
        Returns the new id, or the same id when it is already current."""
        with self._writing() as db:
            row = db.execute("SELECT project_code, year FROM submissions WHERE id = ?", [submission_id])
            if not row:
                raise KeyError(submission_id)
            if db.execute("SELECT submission_id FROM current_forms WHERE submission_id = ?", [submission_id]):
                return submission_id
            new_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0][0]
            stamp = now()
            for table in TABLES:
                cols = [c for c, _ in COLUMNS[table]]
                if table == "submissions":
                    key, params = "id", [new_id, stamp, submitted_by]
                    override = {"id": "?", "submitted_at": "?", "submitted_by": "?", "origin": "'editor'"}
                else:
                    key, params = "submission_id", [new_id]
                    override = {"submission_id": "?"}
                select = ", ".join(override.get(c, c) for c in cols)  # placeholders in column order
                db.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE {key} = ?",
                    [*params, submission_id],
                )
            record_versions(
                db, self.who, new_id, action="restore", comment=f"恢复自编号 {submission_id} 的版本"
            )
            return new_id
