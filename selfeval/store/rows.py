"""Scorecards as table rows: one `_Prepared` per form (made by selfeval.rowprep, in an import's
worker processes, before its id is known), a `_Batch` of columns one transaction inserts, and stored
rows turned back into IndicatorScores."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from selfeval.model import Form, Indicator, IndicatorScore, Issue, Loc
from selfeval.rowprep import _canonical, _prepare, _Prepared, prepare_file  # noqa: F401  (re-exported)
from selfeval.store.errors import TRANSFERRED
from selfeval.store.records import Duplicate, SaveResult, Upload
from selfeval.store.schema import COLUMNS, TABLES


@dataclass
class Head:
    """The current version of one project and year, as the batch sees it (stored or in the batch)."""

    submission_id: int
    content_hash: str | None
    unit: str


def _empty_tables() -> dict[str, Any]:
    tables: dict[str, Any] = {t: {c: [] for c, _ in COLUMNS[t]} for t in TABLES}
    tables["transfers"] = []  # rare: rows as dicts
    return tables


@dataclass
class _Batch:
    """The rows one transaction will insert, as columns per table. Duplicates are recognised within
    the batch exactly as against the store: the same file key seen, or the same content as the
    project's current version (`heads`, updated as the batch stores new versions).
    `check(header, head)` says why the acting principal may not store a form (None: may), and
    whether storing it transfers the project."""

    ids: Iterator[int]
    now: datetime
    heads: dict[tuple[str, str], Head]
    check: Callable[[Any, Head | None], tuple[str | None, bool]]
    tables: dict[str, Any] = field(default_factory=_empty_tables)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    superseded: list[int] = field(default_factory=list)  # stored versions no longer current
    _index_by_id: dict[int, int] = field(default_factory=dict)  # batch id -> its submissions row

    @property
    def stored(self) -> int:
        return len(self.tables["submissions"]["id"])

    def versions(self) -> list[tuple[int, str, str, str, str]]:
        """(id, origin, project code, year, unit) of each submission the batch stores, in id order:
        what the audit trail records of them (audit.record_versions), as the rows will say."""
        subs, forms = self.tables["submissions"], self.tables["forms"]
        unit = dict(zip(forms["submission_id"], forms["unit"], strict=True))
        return [
            (sid, origin, code, year, unit.get(sid) or "")
            for sid, origin, code, year in zip(
                subs["id"], subs["origin"], subs["project_code"], subs["year"], strict=True
            )
        ]

    def add(
        self, u: Upload, prepared: Sequence[_Prepared], existing: dict[int, int], offset: int
    ) -> SaveResult:
        refused = []
        for p in prepared:
            h = p.header
            reason, _ = self.check(h, self.heads.get((h.project_code, h.year)) if h.project_code else None)
            if reason:
                refused.append(reason)
        if refused:  # one file, one decision: nothing of it is stored
            return SaveResult((), (), (), tuple(dict.fromkeys(refused)))
        stored: list[int] = []
        new_versions: list[int] = []
        duplicates: list[Duplicate] = []
        transfers: list[str] = []
        subs = self.tables["submissions"]
        for n, p in enumerate(prepared):
            i = offset + n
            h = p.header
            head = self.heads.get((h.project_code, h.year)) if h.project_code else None
            earlier = existing.get(i, self.seen.get(p.key))
            if earlier is None and head is not None and head.content_hash == p.content_hash:
                earlier = head.submission_id  # the same form in another file or layout
            if earlier is not None:
                duplicates.append(Duplicate(h.project_code, h.project_name, earlier, p.sheet))
                continue
            sid = next(self.ids)
            self.seen[p.key] = sid
            stored.append(sid)
            if head is not None:
                new_versions.append(sid)
                if head.unit != h.unit:
                    transfers.append(
                        TRANSFERRED.format(code=h.project_code, year=h.year, old=head.unit, new=h.unit)
                    )
                    self.tables["transfers"].append(
                        {
                            "submission_id": sid,
                            "project_code": h.project_code,
                            "year": h.year,
                            "from_unit": head.unit,
                            "to_unit": h.unit,
                            "transferred_by": u.submitted_by,
                            "transferred_at": self.now,
                        }
                    )
                # the version it replaces is current no more
                if head.submission_id in self._index_by_id:
                    subs["is_current"][self._index_by_id[head.submission_id]] = False
                else:
                    self.superseded.append(head.submission_id)
            if h.project_code:
                self.heads[(h.project_code, h.year)] = Head(sid, p.content_hash, h.unit)
            self._index_by_id[sid] = len(subs["id"])
            for c, v in (
                ("id", sid),
                ("source_name", u.source_name),
                ("sha256", p.sha256),
                ("size", p.size),
                ("kind", u.kind),
                ("sheet", p.sheet),
                ("submitted_at", self.now),
                ("submitted_by", u.submitted_by),
                ("profile", p.profile),
                ("origin", u.origin),
                ("project_code", h.project_code),
                ("year", h.year),
                ("form_json", p.form_json),
                ("content_hash", p.content_hash),
                ("is_current", True),
            ):
                subs[c].append(v)
            for table, cols in p.cols.items():
                target = self.tables[table]
                n_rows = 0
                for c, values in cols.items():
                    target[c].extend(values)
                    n_rows = len(values)
                target["submission_id"].extend([sid] * n_rows)
        return SaveResult(tuple(stored), tuple(duplicates), tuple(new_versions), (), tuple(transfers))


def _indicator_score(form: Form, row: tuple) -> IndicatorScore:
    """An IndicatorScore from a stored row; the Indicator is the form's own (with its cell locations)
    when the row matches one, else rebuilt from the row (the rules may have changed it)."""
    level1, level2, name, target, actual, weight, declared, reason, score, rule, explanation, lo, hi = row
    rebuilt = Indicator(level1, level2, name, target, actual, weight, declared, reason or "")
    indicator = next((ind for ind in form.indicators if ind == rebuilt), None)
    if indicator is None:
        same_row = next(
            (
                i
                for i in form.indicators
                if (i.level1, i.level2, i.name, i.target, i.actual) == _row_key(rebuilt)
            ),
            None,
        )
        indicator = replace(rebuilt, loc=same_row.loc, cells=same_row.cells) if same_row else rebuilt
    band = (lo, hi) if lo is not None and hi is not None else None
    return IndicatorScore(indicator, score, rule or "", explanation or "", band)


def _issue(row: tuple) -> Issue:
    """An Issue from a stored row: its place a Loc when the row keeps one, else the text it was given."""
    code, severity, location, message, sheet, row_no, col, params = row
    place = Loc(sheet or "", row_no, col) if row_no is not None else location or ""
    return Issue(code, severity, place, message or "", json.loads(params) if params else {})


def _row_key(ind: Indicator) -> tuple[str, str, str, str, str]:
    return (ind.level1, ind.level2, ind.name, ind.target, ind.actual)
