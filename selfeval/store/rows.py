"""Scorecards as table rows: one `Prepared` per form (before its id is known), a `Batch` of rows
one transaction inserts, and stored rows turned back into IndicatorScores."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from selfeval.model import Form, Indicator, IndicatorScore, Scorecard
from selfeval.serialize import form_to_json
from selfeval.store.records import Duplicate, SaveResult, Upload
from selfeval.store.schema import TABLES
from selfeval.store.typed import _year_int, typed_values


@dataclass
class _Prepared:
    """One scorecard as table rows, before its submission id is known."""

    sc: Scorecard
    sha256: str
    size: int
    form_json: str
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
        {"forms": [form_row], "funds": funds_rows, "indicators": indicator_rows, "issues": issue_rows},
    )


@dataclass
class _Batch:
    """The rows one transaction will insert; duplicates are also recognised within the batch."""

    ids: Iterator[int]
    now: datetime
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    project_years: set[tuple[str, str]] = field(default_factory=set)

    def add(
        self, u: Upload, prepared: list[_Prepared], existing: dict[int, int], versioned: set[int], offset: int
    ) -> SaveResult:
        stored: list[int] = []
        new_versions: list[int] = []
        duplicates: list[Duplicate] = []
        for n, p in enumerate(prepared):
            i = offset + n
            h = p.sc.form.header
            earlier = existing.get(i, self.seen.get(p.key))
            if earlier is not None:
                duplicates.append(Duplicate(h.project_code, h.project_name, earlier, p.sc.form.sheet))
                continue
            sid = next(self.ids)
            self.seen[p.key] = sid
            stored.append(sid)
            if h.project_code and (i in versioned or (h.project_code, h.year) in self.project_years):
                new_versions.append(sid)
            if h.project_code:
                self.project_years.add((h.project_code, h.year))
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
                }
            )
            for table, rows in p.rows.items():
                self.tables[table].extend({"submission_id": sid, **row} for row in rows)
        return SaveResult(tuple(stored), tuple(duplicates), tuple(new_versions))


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
