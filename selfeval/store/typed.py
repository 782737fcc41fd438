"""Typed target/actual values of indicator rows (numbers parsed from the text), kept beside the
text so dashboards can compare achievement in SQL."""

from __future__ import annotations

import pyarrow as pa

from selfeval.rowprep import typed_values
from selfeval.store.sqlutil import Db
from selfeval.textnorm import year_int


def refresh_typed_values(db: Db, only_missing: bool = True) -> int:
    """Recompute target_value/actual_value/achievement from the stored text (e.g. after the value
    parser improved, or when upgrading a file); returns the number of rows updated."""
    where = "WHERE i.target_value IS NULL AND i.actual_value IS NULL" if only_missing else ""
    rows = db.execute(
        f"""SELECT i.submission_id, i.position, i.target, i.actual, i.rule, s.year
            FROM indicators i JOIN submissions s ON s.id = i.submission_id {where}"""
    )
    if not rows:
        return 0
    cols: dict[str, list] = {k: [] for k in ("sid", "pos", "tv", "av", "ach")}
    for sid, pos, target, actual, rule, year in rows:
        tv, av, ach = typed_values(target, actual, rule, year_int(year or ""))
        if only_missing and tv is None and av is None:
            continue
        for k, v in zip(cols, (sid, pos, tv, av, ach), strict=True):
            cols[k].append(v)
    if not cols["sid"]:
        return 0
    staged = pa.table(
        cols,
        schema=pa.schema(
            [
                ("sid", pa.int64()),
                ("pos", pa.int32()),
                ("tv", pa.float64()),
                ("av", pa.float64()),
                ("ach", pa.float64()),
            ]
        ),
    )
    with db.stage("_typed_values", staged):
        db.execute(
            """UPDATE indicators SET target_value = v.tv, actual_value = v.av, achievement = v.ach
               FROM _typed_values v WHERE indicators.submission_id = v.sid AND indicators.position = v.pos"""
        )
    return len(cols["sid"])
