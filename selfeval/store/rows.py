"""Scorecards as table rows: one `Prepared` per form (before its id is known), a `Batch` of rows
one transaction inserts, and stored rows turned back into IndicatorScores."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from selfeval.model import Form, Indicator, IndicatorScore, Scorecard
from selfeval.serialize import content_sha256, form_to_json
from selfeval.store.errors import TRANSFERRED
from selfeval.store.records import Duplicate, SaveResult, Upload
from selfeval.store.schema import ALL_WRITTEN
from selfeval.store.typed import _year_int, typed_values


@dataclass
class _Prepared:
    """One scorecard as table rows, before its submission id is known."""

    sc: Scorecard
    sha256: str
    size: int
    form_json: str
    content_hash: str  # what the form declares, whatever file kind or layout it came in
    rows: dict[str, list[dict[str, Any]]]

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two submissions the same content: hash, sheet, project code."""
        form = self.sc.form
        return (self.sha256, form.sheet, form.header.project_code)


def _prepare(sc: Scorecard, file_sha: str | None, file_size: int | None) -> _Prepared:
    form = sc.form
    h, f = form.header, form.funds
    form_json = form_to_json(form)
    if file_sha is None:
        encoded = form_json.encode("utf-8")
        sha, size = hashlib.sha256(encoded).hexdigest(), len(encoded)
    else:
        sha, size = file_sha, file_size or 0
    issues = list(sc.issues)
    seen = set(issues)
    issues += [i for i in form.issues if i not in seen]  # reading issues the rules did not repeat
    year = _year_int(h.year)
    form_row = {
        "source": form.source,
        "sheet": form.sheet,
        "project_code": h.project_code,
        "project_name": h.project_name,
        "year": h.year,
        "unit": h.unit,
        "budget_unit": h.budget_unit,
        "goal_expected": form.goals.expected,
        "goal_achieved": form.goals.achieved,
        "declared_total_weight": form.declared_total_weight,
        "declared_total": form.declared_total,
        "total": sc.total,
        "grade": sc.grade,
        "rate": sc.rate,
        "budget_weight": sc.budget_weight,
        "budget_score": sc.budget_score,
        "errors": sum(1 for i in issues if i.severity == "error"),
        "warnings": sum(1 for i in issues if i.severity == "warning"),
    }
    funds_rows = []
    for line_no, line in enumerate((f.total, *f.parts)):
        total_line = line_no == 0
        funds_rows.append(
            {
                "line_no": line_no,
                "label": line.label,
                "money_unit": f.money_unit,
                "initial_budget": line.initial_budget,
                "annual_budget": line.annual_budget,
                "executed": line.executed,
                "declared_weight": f.declared_weight if total_line else None,
                "declared_rate": f.declared_rate if total_line else None,
                "declared_score": f.declared_score if total_line else None,
                "weight": sc.budget_weight if total_line else None,
                "rate": sc.rate if total_line else None,
                "score": sc.budget_score if total_line else None,
            }
        )
    indicator_rows = []
    for pos, s in enumerate(sc.indicators):
        ind = s.indicator
        tv, av, ach = (
            (None, None, None) if ind.not_applicable else typed_values(ind.target, ind.actual, s.rule, year)
        )
        indicator_rows.append(
            {
                "position": pos,
                "level1": ind.level1,
                "level2": ind.level2,
                "name": ind.name,
                "target": ind.target,
                "actual": ind.actual,
                "weight": ind.weight,
                "declared_score": ind.declared_score,
                "score": s.score,
                "rule": s.rule,
                "explanation": s.explanation,
                "reason": ind.reason,
                "band_low": s.band[0] if s.band else None,
                "band_high": s.band[1] if s.band else None,
                "location": str(ind.loc) if ind.loc is not None else "",
                "target_value": tv,
                "actual_value": av,
                "achievement": ach,
            }
        )
    issue_rows = [
        {
            "position": pos,
            "code": i.code,
            "severity": i.severity,
            "location": i.location,
            "message": i.message,
        }
        for pos, i in enumerate(issues)
    ]
    return _Prepared(
        sc,
        sha,
        size,
        form_json,
        content_sha256(form, sc.profile),
        {"forms": [form_row], "funds": funds_rows, "indicators": indicator_rows, "issues": issue_rows},
    )


@dataclass
class Head:
    """The current version of one project and year, as the batch sees it (stored or in the batch)."""

    submission_id: int
    content_hash: str | None
    unit: str


@dataclass
class _Batch:
    """The rows one transaction will insert. Duplicates are recognised within the batch exactly as
    against the store: the same file key seen, or the same content as the project's current version
    (`heads`, updated as the batch stores new versions). `check(form, head)` says why the acting
    principal may not store a form (None: may), and whether storing it transfers the project."""

    ids: Iterator[int]
    now: datetime
    heads: dict[tuple[str, str], Head]
    check: Callable[[Any, Head | None], tuple[str | None, bool]]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in ALL_WRITTEN})
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    superseded: list[int] = field(default_factory=list)  # stored versions no longer current
    _rows_by_id: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, u: Upload, prepared: list[_Prepared], existing: dict[int, int], offset: int) -> SaveResult:
        refused = []
        for p in prepared:
            h = p.sc.form.header
            reason, _ = self.check(
                p.sc.form, self.heads.get((h.project_code, h.year)) if h.project_code else None
            )
            if reason:
                refused.append(reason)
        if refused:  # one file, one decision: nothing of it is stored
            return SaveResult((), (), (), tuple(dict.fromkeys(refused)))
        stored: list[int] = []
        new_versions: list[int] = []
        duplicates: list[Duplicate] = []
        transfers: list[str] = []
        for n, p in enumerate(prepared):
            i = offset + n
            h = p.sc.form.header
            head = self.heads.get((h.project_code, h.year)) if h.project_code else None
            earlier = existing.get(i, self.seen.get(p.key))
            if earlier is None and head is not None and head.content_hash == p.content_hash:
                earlier = head.submission_id  # the same form in another file or layout
            if earlier is not None:
                duplicates.append(Duplicate(h.project_code, h.project_name, earlier, p.sc.form.sheet))
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
            if head is not None:  # the version it replaces is current no more
                if head.submission_id in self._rows_by_id:
                    self._rows_by_id[head.submission_id]["is_current"] = False
                else:
                    self.superseded.append(head.submission_id)
            if h.project_code:
                self.heads[(h.project_code, h.year)] = Head(sid, p.content_hash, h.unit)
            self.tables["submissions"].append(
                {
                    "id": sid,
                    "source_name": u.source_name,
                    "sha256": p.sha256,
                    "size": p.size,
                    "kind": u.kind,
                    "sheet": p.sc.form.sheet,
                    "submitted_at": self.now,
                    "submitted_by": u.submitted_by,
                    "profile": p.sc.profile,
                    "origin": u.origin,
                    "project_code": h.project_code,
                    "year": h.year,
                    "form_json": p.form_json,
                    "content_hash": p.content_hash,
                    "is_current": True,
                }
            )
            self._rows_by_id[sid] = self.tables["submissions"][-1]
            for table, rows in p.rows.items():
                self.tables[table].extend({"submission_id": sid, **row} for row in rows)
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


def _row_key(ind: Indicator) -> tuple[str, str, str, str, str]:
    return (ind.level1, ind.level2, ind.name, ind.target, ind.actual)
