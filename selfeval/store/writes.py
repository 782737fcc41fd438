"""Every write of the store, written once for both backends: saving uploads (duplicates and new
versions recognised in SQL) and restoring an earlier version.

A backend provides `_writing()` — a context manager that serialises writers (a lock per file for
DuckDB, an advisory lock for PostgreSQL), opens one transaction and yields its `Db` — and
`_insert_rows(db, table, rows)`, one bulk insert (the contract: base.Backend).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from selfeval.access import ROLE_LABELS, can, governs_all
from selfeval.model import Header, Scorecard
from selfeval.serialize import form_from_json
from selfeval.store import aggregates
from selfeval.store.audit import record_event, record_versions
from selfeval.store.base import Backend
from selfeval.store.errors import (
    CLAIMED_TWICE,
    NOT_YOUR_UNIT,
    NOT_YOUR_UNIT_LOOKALIKE,
    OWNED_BY_OTHER,
    ROLE_CANNOT,
    TRANSFER_NOT_ASKED,
    AccessDenied,
    NotFound,
    StoreError,
)
from selfeval.store.queries import NOT_FOUND
from selfeval.store.records import ORIGINS, BatchClaims, Origin, SaveResult, Upload
from selfeval.store.rows import Head, _Batch, _Prepared, prepare_file
from selfeval.store.schema import ALL_WRITTEN, COLUMNS, TABLES
from selfeval.store.sqlutil import now


class Writes(Backend):
    """Write methods shared by the backends (mixed into each Store class)."""

    def save(
        self,
        scorecards: Iterable[Scorecard],
        *,
        source_name: str,
        data: bytes | None,
        kind: str,
        origin: Origin,
        submitted_by: str = "",
        allow_transfer: bool = False,
    ) -> SaveResult:
        """Store the scorecards of one upload (or editor save, or import) in one transaction.

        Identical content already stored (same sha256 of the file's bytes — or of the form's canonical
        JSON when there are no bytes — same sheet, same project code), or a form whose content equals
        its project's current version (the same form in another file or layout), is reported as a
        duplicate and not written; a changed one for the same project and year becomes its new
        current version. Raises AccessDenied (naming the owner unit) when the principal may not
        store it; use save_many to get refusals as results instead. A form naming another unit than
        its project's owner moves the project only for an administrator of every unit who says so
        (`allow_transfer`)."""
        upload = Upload(tuple(scorecards), source_name, data, kind, origin, submitted_by)
        result = self.save_many([upload], allow_transfer=allow_transfer)[0]
        if result.refused:
            raise AccessDenied("；".join(result.refused))
        return result

    def save_many(
        self,
        uploads: Sequence[Upload],
        *,
        allow_transfer: bool = False,
        claims: BatchClaims | None = None,
    ) -> list[SaveResult]:
        """Store several uploads in one transaction: a batch import or a multi-file upload pays one
        commit instead of one per file. One SaveResult per upload.

        Duplicates are recognised in SQL by keys, never by comparing stored JSON: the same file key
        (sha256 of the bytes, sheet, project code) anywhere in the history, or the same content hash
        as the project's current version — within the batch exactly as against the store, so one
        form sent as .txt, .xlsx and .xls in one batch is stored once. An upload with a form the
        acting principal may not store (another unit's project, a unit not theirs, a project code
        two units claim in this batch, a move without `allow_transfer`) stores nothing and says why
        in `refused`; the other uploads of the batch are stored. `claims` carries the units claiming
        each (code, year) across the calls of one batch (an import's chunks; see BatchClaims)."""
        for u in uploads:
            if u.origin not in ORIGINS:
                raise ValueError(f"origin must be one of {ORIGINS}, not {u.origin!r}")
        self._require("save", "保存自评表")
        # an import's workers hand the rows over ready (Upload.prepared); others are prepared here
        prepared: list[Sequence[_Prepared]] = [
            u.prepared if u.prepared is not None else prepare_file(u.scorecards, u.data) for u in uploads
        ]
        flat = [p for group in prepared for p in group]
        if not flat:
            return [SaveResult((), ()) for _ in uploads]
        claims = BatchClaims() if claims is None else claims
        for p in flat:  # the units claiming each project and year, in the order the batch names them
            if p.header.project_code:
                units = claims.units.setdefault((p.header.project_code, p.header.year), [])
                if p.header.unit not in units:
                    units.append(p.header.unit)

        def check(h: Header, head: Head | None) -> tuple[str | None, bool]:
            units = claims.claimants(h.project_code, h.year, head) if h.project_code else []
            if len(units) > 1:
                shown = "、".join(f"“{u or '（未填写实施单位）'}”" for u in units)
                return CLAIMED_TWICE.format(code=h.project_code, year=h.year, units=shown), False
            return self._may_store(h, head, allow_transfer=allow_transfer)

        with self._writing() as db:
            existing, heads = self._lookup(db, flat)
            next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0][0]
            batch = _Batch(itertools.count(next_id), now(), heads, check)
            offset = 0
            results = []
            for u, group in zip(uploads, prepared, strict=True):
                results.append(batch.add(u, group, existing, offset))
                offset += len(group)
            self._supersede(db, batch.superseded)
            for table in ALL_WRITTEN:
                self._insert_rows(db, table, batch.tables[table])
            if batch.stored:
                record_versions(db, self.who, next_id, stored=batch.versions())
                aggregates.refresh(
                    db,
                    added=(next_id, next_id + batch.stored - 1),
                    removed=batch.superseded,
                    rows=batch.tables,
                )
            for t in batch.tables["transfers"]:
                self._audit_transfer(db, t)
        _stored_claims(claims, batch, next_id)
        return results

    @staticmethod
    def _lookup(db: Any, flat: Sequence[_Prepared]) -> tuple[dict[int, int], dict[tuple[str, str], Head]]:
        """What the store already holds for a batch, in one scan of `submissions` (the batch's file
        hashes, or the current versions of its projects) and one look-up of their units: {batch
        position: latest stored id with the same file key}, {(code, year): current version}. Set
        based, per transaction; the matching is on the few rows found (never the stored form)."""
        shas = sorted({p.sha256 for p in flat})
        codes = sorted({p.header.project_code for p in flat if p.header.project_code})
        rows = db.execute(
            """SELECT id, sha256, sheet, project_code, year, content_hash, is_current FROM submissions
               WHERE sha256 = ANY(CAST(? AS VARCHAR[]))
                  OR (is_current AND project_code = ANY(CAST(? AS VARCHAR[])))""",
            [shas, codes],
        )
        latest: dict[tuple[str, str, str], int] = {}
        wanted = {(p.header.project_code, p.header.year) for p in flat if p.header.project_code}
        current: dict[tuple[str, str], tuple[int, str | None]] = {}
        for sid, sha, sheet, code, year, content, is_current in rows:
            key = (sha, sheet, code)
            if key in latest:
                latest[key] = max(latest[key], sid)
            else:
                latest[key] = sid
            if is_current and code and (code, year) in wanted:
                current[(code, year)] = (sid, content)
        existing = {i: latest[p.key] for i, p in enumerate(flat) if p.key in latest}
        units: dict[int, str] = {}
        if current:
            units = dict(
                db.execute(
                    "SELECT submission_id, unit FROM forms WHERE submission_id = ANY(CAST(? AS BIGINT[]))",
                    [sorted(sid for sid, _ in current.values())],
                )
            )
        heads = {k: Head(sid, content, units.get(sid) or "") for k, (sid, content) in current.items()}
        return existing, heads

    def _audit_transfer(self, db: Any, t: dict[str, Any]) -> None:
        record_event(
            db,
            self.who,
            "transfer",
            project_code=t["project_code"],
            year=t["year"],
            submission_id=t["submission_id"],
            unit=t["to_unit"],
            comment=f"{t['from_unit']} → {t['to_unit']}",
        )

    @staticmethod
    def _supersede(db: Any, ids: Sequence[int]) -> None:
        """Clear the current flag of the versions a write replaces (before the new ones go in:
        PostgreSQL's unique index allows one current version per project and year)."""
        for start in range(0, len(ids), 1000):
            chunk = [int(i) for i in ids[start : start + 1000]]
            marks = ", ".join("?" for _ in chunk)
            db.execute(f"UPDATE submissions SET is_current = FALSE WHERE id IN ({marks})", chunk)

    @staticmethod
    def _heads(db: Any, wanted: str, params: Sequence[Any] = ()) -> dict[tuple[str, str], Head]:
        """The current version (id, content hash, unit) of the projects and years `wanted` selects,
        by the current flag and key columns only (never the stored form)."""
        rows = db.execute(
            f"""SELECT s.project_code, s.year, s.id, s.content_hash, f.unit
                FROM submissions s JOIN forms f ON f.submission_id = s.id
                JOIN ({wanted}) k ON s.project_code = k.project_code AND s.year = k.year
                WHERE s.is_current AND s.project_code <> ''""",
            params,
        )
        return {(code, year): Head(sid, content, unit or "") for code, year, sid, content, unit in rows}

    def rebuild_aggregates(self) -> tuple[int, int]:
        """Recompute 总览's kept figures (selfeval/store/aggregates.py) from the rows, in one
        transaction: what to do if they are ever in doubt. Administrators of every unit only; on
        PostgreSQL the app's login may (selfeval/store/grants.py). (current projects, year and unit
        pairs) counted."""
        self._require_unrestricted("重算汇总数据")
        with self._writing() as db:
            aggregates.rebuild(db)
            groups, projects = db.execute("SELECT COUNT(*), COALESCE(SUM(projects), 0) FROM agg_units")[0]
        return int(projects), int(groups)

    # -- who may store what --------------------------------------------------------------------------
    def _require(self, action: str, what: str) -> None:
        if not can(self.who, action):
            raise AccessDenied(
                ROLE_CANNOT.format(role=ROLE_LABELS.get(self.who.role, self.who.role), what=what)
            )

    def _may_store(
        self, h: Header, head: Head | None, *, allow_transfer: bool = False
    ) -> tuple[str | None, bool]:
        """(why not, transfer): a form (its header `h`) must name one of the principal's units (a
        placeholder unit only for a principal of every unit), and a project belongs to the unit of
        its current version — only an administrator of every unit moves it, and only when asked to."""
        who = self.who
        if not who.sees_unit(h.unit):
            why = NOT_YOUR_UNIT.format(unit=h.unit or "（未填写实施单位）", units=who.units_text())
            if mine := who.lookalike(h.unit):
                why += NOT_YOUR_UNIT_LOOKALIKE.format(unit=h.unit, mine=mine)
            return why, False
        if head is None or head.unit == h.unit:
            return None, False
        if can(who, "transfer") and governs_all(who):
            if allow_transfer:
                return None, True
            return TRANSFER_NOT_ASKED.format(
                code=h.project_code, year=h.year, owner=head.unit, unit=h.unit
            ), False
        return OWNED_BY_OTHER.format(code=h.project_code, year=h.year, owner=head.unit, unit=h.unit), False

    def refusals(self, headers: Sequence[Header]) -> list[str | None]:
        """Why the acting principal could not store each of these forms (None: it could), in the
        words save would use: asked when a file is uploaded, so another unit's project is flagged
        before anyone edits it, not at 保存. Reads only."""
        codes = sorted({(h.project_code, h.year) for h in headers if h.project_code})
        heads: dict[tuple[str, str], Head] = {}
        if codes:
            wanted = " UNION ALL ".join(
                "SELECT CAST(? AS VARCHAR) AS project_code, CAST(? AS VARCHAR) AS year" for _ in codes
            )
            with self._snapshot() as db:
                heads = self._heads(db, wanted, [x for pair in codes for x in pair])
        return [self._may_store(h, heads.get((h.project_code, h.year)))[0] for h in headers]

    def transfer_project(
        self, project_code: str, year: str | int, to_unit: str, *, submitted_by: str = ""
    ) -> int:
        """Move a project to another unit (administrators only): its current version saved again
        as a new version naming `to_unit` (origin editor), recorded in `transfers` and the audit
        trail. Returns the new submission id."""
        self._require("transfer", "转移项目")
        self._require_unrestricted("转移项目")
        rows = self._rows(
            "SELECT f.submission_id FROM current_forms f WHERE f.project_code = ? AND f.year = ?",
            [project_code, str(year)],
        )
        if not project_code or not rows:
            raise NotFound(f"没有项目 {project_code}（{year} 年度）。")
        card = self.load_scorecard(rows[0][0])
        if card.form.header.unit == to_unit:
            raise StoreError(f"项目 {project_code}（{year} 年度）已属于“{to_unit}”。")
        form = dataclasses.replace(card.form, header=dataclasses.replace(card.form.header, unit=to_unit))
        saved = self.save(
            [dataclasses.replace(card, form=form)],
            source_name=f"转移：{project_code}",
            data=None,
            kind="editor",
            origin="editor",
            submitted_by=submitted_by or self.who.name,
            allow_transfer=True,
        )
        return saved.stored[0]

    def restore_version(
        self, submission_id: int, *, submitted_by: str = "", allow_transfer: bool = False
    ) -> int:
        """Make an earlier version current again by copying it as a new submission (origin editor).
        Returns the new id, or the same id when it is already current. Only versions of projects
        the principal sees, and only into a unit they may store for (an earlier version naming
        another unit moves the project back: an administrator's, with `allow_transfer`)."""
        self._require("restore", "恢复历史版本")
        with self._writing() as db:
            visible, vparams = self._visible()
            row = db.execute(
                f"""SELECT s.project_code, s.year, f.unit, s.form_json FROM submissions s
                    JOIN forms f ON f.submission_id = s.id WHERE s.id = ? AND {visible}""",
                [int(submission_id), *vparams],
            )
            if not row:
                raise NotFound(NOT_FOUND.format(id=submission_id))
            code, year, unit, form_json = row[0]
            if db.execute("SELECT submission_id FROM current_forms WHERE submission_id = ?", [submission_id]):
                return submission_id
            head = (
                self._heads(
                    db, "SELECT CAST(? AS VARCHAR) AS project_code, CAST(? AS VARCHAR) AS year", [code, year]
                ).get((code, year))
                if code
                else None
            )
            reason, transfer = self._may_store(
                form_from_json(form_json).header, head, allow_transfer=allow_transfer
            )
            if reason:
                raise AccessDenied(reason)
            new_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0][0]
            stamp = now()
            if head is not None:
                self._supersede(db, [head.submission_id])
            for table in TABLES:
                cols = [c for c, _ in COLUMNS[table]]
                if table == "submissions":
                    key, params = "id", [new_id, stamp, submitted_by]
                    override = {
                        "id": "?",
                        "submitted_at": "?",
                        "submitted_by": "?",
                        "origin": "'editor'",
                        "is_current": "TRUE",
                    }
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
            aggregates.refresh(
                db, added=(new_id, new_id), removed=[head.submission_id] if head is not None else []
            )
            if transfer:
                moved = {
                    "submission_id": new_id,
                    "project_code": code,
                    "year": year,
                    "from_unit": head.unit,
                    "to_unit": unit,
                    "transferred_by": submitted_by,
                    "transferred_at": stamp,
                }
                self._insert_rows(db, "transfers", [moved])
                self._audit_transfer(db, moved)
            return new_id


def _stored_claims(claims: BatchClaims, batch: _Batch, first_id: int) -> None:
    """After a call of a batch commits: the claims it stored are the store's to tell from now on
    (BatchClaims), so they leave `claims`; a code two units claimed stays."""
    if not batch.stored:
        return
    if claims.first_id is None:
        claims.first_id = first_id
    subs = batch.tables["submissions"]
    for code, year in zip(subs["project_code"], subs["year"], strict=True):
        if code and len(claims.units.get((code, year), ())) == 1:
            del claims.units[(code, year)]
