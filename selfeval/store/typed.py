"""Typed target/actual values of indicator rows (numbers parsed from the text), kept beside the
text so dashboards can compare achievement in SQL."""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa

from selfeval.store.schema import F64, I32, I64
from selfeval.store.sqlutil import as_db
from selfeval.textnorm import year_int

try:  # typed target/actual values; the store works (with null typed columns) without them
    from selfeval import values as _values
except ModuleNotFoundError as exc:  # pragma: no cover - only while values.py does not exist
    if exc.name != "selfeval.values":
        raise
    _values = None


def _year_int(year: str) -> int | None:
    """The form's year as a number (four ASCII digits within 1990–2100), else None: never raises."""
    return year_int(year)


def typed_values(target: str, actual: str, rule: str | None, year: int | None) -> tuple[float | None, ...]:
    """(target_value, actual_value, achievement) of one row; achievement = actual / target only for
    rows the rules scored as positive quantitative (rule "positive.*") with a target above 0."""
    if _values is None:
        return (None, None, None)
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
        measure = _values.parse(text, role, year)
    except Exception:  # a parser bug must not block storing a submission
        return None
    value = getattr(measure, "value", None)
    if getattr(measure, "kind", None) != "number" or isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


def refresh_typed_values(con: Any, only_missing: bool = True) -> int:
    """Recompute target_value/actual_value/achievement from the stored text (e.g. after the value
    parser improved, or when upgrading a file); returns the number of rows updated."""
    if _values is None:
        return 0
    where = "WHERE i.target_value IS NULL AND i.actual_value IS NULL" if only_missing else ""
    db = as_db(con)
    rows = db.execute(
        f"""SELECT i.submission_id, i.position, i.target, i.actual, i.rule, s.year
            FROM indicators i JOIN submissions s ON s.id = i.submission_id {where}"""
    )
    if not rows:
        return 0
    cols: dict[str, list] = {k: [] for k in ("sid", "pos", "tv", "av", "ach")}
    for sid, pos, target, actual, rule, year in rows:
        tv, av, ach = typed_values(target, actual, rule, _year_int(year or ""))
        if only_missing and tv is None and av is None:
            continue
        for k, v in zip(cols, (sid, pos, tv, av, ach), strict=True):
            cols[k].append(v)
    if not cols["sid"]:
        return 0
    staged = pa.table(
        cols, schema=pa.schema([("sid", I64), ("pos", I32), ("tv", F64), ("av", F64), ("ach", F64)])
    )
    with db.stage("_typed_values", staged):
        db.execute(
            """UPDATE indicators SET target_value = v.tv, actual_value = v.av, achievement = v.ach
               FROM _typed_values v WHERE indicators.submission_id = v.sid AND indicators.position = v.pos"""
        )
    return len(cols["sid"])
