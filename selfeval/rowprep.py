"""A scored form as the store's rows, importable without the database drivers: an import's sandboxed
worker processes build these (store.rows re-exports them), so the main process only checks keys and
appends columns. Typed target/actual values (numbers parsed from the text) are computed here too."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from selfeval import values
from selfeval.model import Header, Issue, Scorecard
from selfeval.serialize import _content, finite, form_dict_and_json
from selfeval.textnorm import code_key, norm_year, year_int


def typed_values(target: str, actual: str, rule: str | None, year: int | None) -> tuple[float | None, ...]:
    """(target_value, actual_value, achievement) of one row; achievement = actual / target only for
    rows the rules scored as positive quantitative (rule "positive.*") with a target above 0."""
    tv = _parsed_number(target or "", "target", year)
    av = _parsed_number(actual or "", "actual", year)
    achievement = None
    if rule and rule.startswith("positive") and tv is not None and av is not None and tv > 0:
        achievement = av / tv
    return (tv, av, achievement)


@functools.lru_cache(maxsize=8192)
def _parsed_number(text: str, role: str, year: int | None) -> float | None:
    """The number of a cell (base units: 元, percent as 93.97), None for dates, words and the like.
    Cached: the same target texts (">90%", "100%") recur across thousands of forms."""
    try:
        measure = values.parse(text, role, year)
    except Exception:  # a parser bug must not block storing a submission
        return None
    value = getattr(measure, "value", None)
    if getattr(measure, "kind", None) != "number" or isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


def _canonical(sc: Scorecard) -> Scorecard:
    """The scorecard with its project code and year as the store keys them: one spelling of a code
    (NFKC, no invisible characters, digits of any script as ASCII) so a look-alike of another unit's
    code is that unit's project — refused, never a second project that reads the same."""
    h = sc.form.header
    code, year = code_key(h.project_code), norm_year(h.year)
    if (code, year) == (h.project_code, h.year):
        return sc
    header = replace(h, project_code=code, year=year)
    return replace(sc, form=replace(sc.form, header=header))


Columns = dict[str, list[Any]]


@dataclass
class _Prepared:
    """One form as the store's rows, before its submission id is known: small, picklable and
    columnar, so an import's worker processes build it and the main process only checks keys and
    appends columns (never the Scorecard, never a second serialisation of the form)."""

    header: Header  # code and year as the store keys them (see _canonical)
    sheet: str
    profile: str
    sha256: str
    size: int
    form_json: str
    content_hash: str  # what the form declares, whatever file kind or layout it came in
    cols: dict[str, Columns]  # table -> column -> values (no submission_id yet)

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two submissions the same content: hash, sheet, project code."""
        return (self.sha256, self.sheet, self.header.project_code)


def _columns(rows: list[dict[str, Any]]) -> Columns:
    """Rows as columns (the first row names them; no rows, no columns)."""
    return {c: [r[c] for r in rows] for c in rows[0]} if rows else {}


def prepare_file(cards: Sequence[Scorecard], data: bytes | None) -> tuple[_Prepared, ...]:
    """One file's scorecards as store rows (what an import's worker hands back to the main process)."""
    file_sha = hashlib.sha256(data).hexdigest() if data is not None else None
    size = len(data) if data is not None else None
    return tuple(_prepare(_canonical(sc), file_sha, size) for sc in cards)


def _prepare(sc: Scorecard, file_sha: str | None, file_size: int | None) -> _Prepared:
    form = sc.form
    h, f = form.header, form.funds
    as_dict, form_json = form_dict_and_json(form)  # once: the content hash is made from the same dict
    content_hash = _content_hash(as_dict, sc.profile)
    if file_sha is None:
        encoded = form_json.encode("utf-8")
        sha, size = hashlib.sha256(encoded).hexdigest(), len(encoded)
    else:
        sha, size = file_sha, file_size or 0
    issues = list(sc.issues)
    seen = set(issues)
    issues += [i for i in form.issues if i not in seen]  # reading issues the rules did not repeat
    year = year_int(h.year)
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
        "excluded": sc.excluded,  # kept out of every organisation total and rate (the views null its amounts)
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
            "place_sheet": i.loc.sheet if i.loc else None,
            "place_row": i.loc.row if i.loc else None,
            "place_col": i.loc.col if i.loc else None,
            "params": _params_json(i),
        }
        for pos, i in enumerate(issues)
    ]
    return _Prepared(
        h,
        form.sheet,
        sc.profile,
        sha,
        size,
        form_json,
        content_hash,
        {
            "forms": _columns([form_row]),
            "funds": _columns(funds_rows),
            "indicators": _columns(indicator_rows),
            "issues": _columns(issue_rows),
        },
    )


def _params_json(issue: Issue) -> str | None:
    """An issue's parameters as the store keeps them (JSON, finite numbers); None when it has none."""
    if not issue.params:
        return None
    return json.dumps(finite(dict(issue.params)), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _content_hash(as_dict: dict[str, Any], profile: str) -> str:
    """serialize.content_sha256 from the form's dict already made (the same text, the same hash)."""
    text = json.dumps([profile, _content(as_dict)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
