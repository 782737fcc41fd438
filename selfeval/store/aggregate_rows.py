"""The aggregates of a save's new forms, counted from the columns the save is about to insert (a
`_Batch`'s tables) rather than read back with joins: what selfeval/store/aggregates.py's SQL would
compute for them, as Arrow tables staged for one merge or insert each. Only the forms that are still
current at the end of the batch count (a form replaced by a later one of the same batch does not),
and a new form's review state is a draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

_ARROW = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "VARCHAR": pa.string(),
    "DOUBLE PRECISION": pa.float64(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _arrow_type(sql_type: str) -> pa.DataType:
    return _ARROW[sql_type.replace(" NOT NULL", "")]


def count(
    rows: dict[str, Any],
    *,
    over: float,
    grades: Sequence[tuple[str, str]],
    excluded: Sequence[tuple[str, str]],
    unit_values: Sequence[str],
    project_columns: Sequence[tuple[str, str]],
    outlier_columns: Sequence[tuple[str, str]],
) -> dict[str, pa.Table]:
    """{"units", "lost", "projects", "outliers"} -> the rows to add, for the current forms among
    `rows` (table -> column -> values). `grades`: (column, grade) pairs; `excluded`: (column, reason)
    pairs (a form excluded for a reason counts there, its amounts in no sum); `unit_values`: agg_units'
    value columns in order; `*_columns`: (name, SQL type) of agg_projects and agg_outliers."""
    subs = rows["submissions"]
    current = {sid for sid, now in zip(subs["id"], subs["is_current"], strict=True) if now}
    submitted = {
        sid: (at, by)
        for sid, at, by in zip(subs["id"], subs["submitted_at"], subs["submitted_by"], strict=True)
        if sid in current
    }
    funds = rows["funds"]
    money = {
        sid: (budget, executed)
        for sid, line, budget, executed in zip(
            funds["submission_id"], funds["line_no"], funds["annual_budget"], funds["executed"], strict=True
        )
        if line == 0 and sid in current
    }
    f = rows["forms"]
    form_of: dict[int, dict[str, Any]] = {}
    for i, sid in enumerate(f["submission_id"]):
        if sid in current:
            form_of[sid] = {c: f[c][i] for c in ("year", "unit", "project_code", "project_name")}
            form_of[sid]["i"] = i

    units: dict[tuple, dict[str, float]] = {}
    projects: dict[str, list] = {c: [] for c, _ in project_columns}
    grade_column = {g: col for col, g in grades}
    excluded_column = {code: col for col, code in excluded}
    for sid, form in form_of.items():
        i = form["i"]
        u = units.setdefault((form["year"], form["unit"]), dict.fromkeys(unit_values, 0))
        total, grade, budget_score = f["total"][i], f["grade"][i], f["budget_score"][i]
        reason = f["excluded"][i]
        # an excluded form's amounts never reach a sum (current_forms gives them NULL)
        budget, executed = money.get(sid, (None, None)) if reason is None else (None, None)
        if reason is not None:
            u[excluded_column[reason]] += 1
        u["projects"] += 1
        if grade in grade_column:
            u[grade_column[grade]] += 1
        if grade is None:
            u["ungraded"] += 1
        if total is not None:
            u["scored"] += 1
            u["total_sum"] += total
        if budget is not None:
            u["budget_n"] += 1
            u["budget_sum"] += budget
        if executed is not None:
            u["executed_n"] += 1
            u["executed_sum"] += executed
        if budget_score is not None:
            u["budget_scored"] += 1
            u["budget_score_sum"] += budget_score
            if f["budget_weight"][i] is not None:
                u["budget_weight_sum"] += f["budget_weight"][i]
        u["draft"] += 1
        at, by = submitted[sid]
        values = {
            "submission_id": sid,
            "project_code": form["project_code"],
            "year": form["year"],
            "project_name": form["project_name"],
            "unit": form["unit"],
            "total": total,
            "grade": grade,
            "rate": f["rate"][i],
            "budget": budget,
            "executed": executed,
            "excluded": reason,
            "errors": f["errors"][i],
            "warnings": f["warnings"][i],
            "state": "draft",
            "submitted_at": at,
            "submitted_by": by,
        }
        for c in projects:
            projects[c].append(values[c])

    lost: dict[tuple, dict[str, float]] = {}
    lost_forms: set[tuple] = set()
    outliers: dict[str, list] = {c: [] for c, _ in outlier_columns}
    ind = rows["indicators"]
    for k, sid in enumerate(ind["submission_id"]):
        form = form_of.get(sid)
        if form is None:
            continue
        weight, score = ind["weight"][k], ind["score"][k]
        if score is not None and weight is not None and weight > 0:
            key = (form["year"], form["unit"], ind["level1"][k], ind["level2"][k])
            entry = lost.setdefault(key, {"rows": 0, "forms": 0, "weight": 0.0, "score": 0.0})
            entry["rows"] += 1
            entry["weight"] += weight
            entry["score"] += score
            if (key, sid) not in lost_forms:
                lost_forms.add((key, sid))
                entry["forms"] += 1
        achievement = ind["achievement"][k]
        if achievement is None or not (achievement >= over or achievement < 1):
            continue
        u = units[(form["year"], form["unit"])]
        u["outliers_over" if achievement >= over else "outliers_missed"] += 1
        row = {"submission_id": sid, **{c: form[c] for c in ("year", "unit", "project_code", "project_name")}}
        for c in outliers:
            outliers[c].append(row[c] if c in row else ind[c][k])

    return {
        "units": _table(
            ("year", "unit", *unit_values),
            [(*key, *(v[c] for c in unit_values)) for key, v in units.items()],
            [
                pa.string(),
                pa.string(),
                *(pa.float64() if c.endswith("_sum") else pa.int64() for c in unit_values),
            ],
        ),
        "lost": _table(
            ("year", "unit", "level1", "level2", "rows", "forms", "weight", "score"),
            [(*key, v["rows"], v["forms"], v["weight"], v["score"]) for key, v in lost.items()],
            [pa.string()] * 4 + [pa.int64(), pa.int64(), pa.float64(), pa.float64()],
        ),
        "projects": pa.table(projects, schema=pa.schema([(c, _arrow_type(t)) for c, t in project_columns])),
        "outliers": pa.table(outliers, schema=pa.schema([(c, _arrow_type(t)) for c, t in outlier_columns])),
    }


def _table(names: Sequence[str], tuples: list[tuple], types: Sequence[pa.DataType]) -> pa.Table:
    columns = list(zip(*tuples, strict=True)) if tuples else [() for _ in names]
    return pa.table(
        [pa.array(list(c), type=t) for c, t in zip(columns, types, strict=True)],
        schema=pa.schema(list(zip(names, types, strict=True))),
    )
