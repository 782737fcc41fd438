"""总览's first-run figures kept by the writers, in the same transaction as the rows they count, so the
page reads a few hundred rows instead of scanning every indicator row of a province (issue 23: at a
million forms two queries scanned 17.5 million rows on every first run).

    agg_units     per year and unit: projects, grades, the sums behind mean score and execution
                  rate, the budget-execution points, review states, target outliers by status
    agg_lost      per year, unit, 一级 and 二级 indicator: scored rows, forms, weight and score
    agg_outliers  the current forms' positive quantitative rows whose actual is ≥ OVER × the target
                  or below it, with what the page's table shows of them
    agg_projects  one row per current form with the figures the page orders and cuts by (score,
                  execution, budget, review state): its lists read one narrow table, not three joined

Every figure is over the current forms, as `current_forms` gives them (an excluded form's amounts
NULL). A write passes what it changed:
the submissions that became current (a range of new ids: those still current at commit count) and
those that stopped being current (their rows are never deleted, so their contribution is read back
and subtracted). A review step passes the one version it changed, as removed before and added after.
Sums are floating point like the scans' SUM (a DECIMAL overflows on values a form may still hold),
rounded to 6 decimals at each update: at real magnitudes (budgets to 1e12 元, scores to 100) what a
million adds and subtracts leave stays far below the 0.01 the pages print; `rebuild` recomputes every
figure from the rows (the
migration, a restore, `selfeval rebuild-aggregates`), and the tests compare them with the scans.
SQL both backends accept; each id predicate is on every table's own column, so DuckDB skips row groups
by their min/max and PostgreSQL uses its indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selfeval.model import EXCLUDING
from selfeval.store import aggregate_rows
from selfeval.store.records import GRADES
from selfeval.store.sqlutil import Db

OVER = 1.5  # achievement at or above which a row's target was probably set too low (总览's check)
DEC = "DOUBLE PRECISION"  # as the scans' SUM: no overflow for any value a form may hold
TABLES: tuple[str, ...] = ("agg_units", "agg_lost", "agg_outliers", "agg_projects")
STATES = ("draft", "submitted", "approved", "returned")
GRADE_COLUMNS = tuple(f"grade_{n}" for n in range(1, len(GRADES) + 1))  # in GRADES order: 优 良 中 差

# A form whose amounts would poison the organisation's figures (forms.excluded, migration 9) counts as
# a project but its budget and executed amounts never reach a sum, as current_forms gives them NULL;
# agg_units counts such forms per reason (总览 says how many were left out and why).
COUNTED_BUDGET = "CASE WHEN f.excluded IS NULL THEN fu.annual_budget END"
COUNTED_EXECUTED = "CASE WHEN f.excluded IS NULL THEN fu.executed END"
EXCLUDED_COLUMNS: tuple[tuple[str, str], ...] = tuple((f"excluded_{c.lower()}", c) for c in EXCLUDING)

# value columns of agg_units (all summed): name, SQL over f (forms), fu (funds line 0), r (review
# state), o (the form's outlier counts)
_UNIT_VALUES: tuple[tuple[str, str], ...] = (
    ("projects", "COUNT(*)"),
    *(
        (col, f"COUNT(CASE WHEN f.grade = '{g}' THEN 1 END)")
        for col, g in zip(GRADE_COLUMNS, GRADES, strict=True)
    ),
    ("ungraded", "COUNT(CASE WHEN f.grade IS NULL THEN 1 END)"),
    ("scored", "COUNT(f.total)"),
    ("total_sum", "COALESCE(SUM(f.total), 0)"),
    ("budget_n", f"COUNT({COUNTED_BUDGET})"),
    ("budget_sum", f"COALESCE(SUM({COUNTED_BUDGET}), 0)"),
    ("executed_n", f"COUNT({COUNTED_EXECUTED})"),
    ("executed_sum", f"COALESCE(SUM({COUNTED_EXECUTED}), 0)"),
    ("budget_scored", "COUNT(f.budget_score)"),
    (
        "budget_weight_sum",
        "COALESCE(SUM(CASE WHEN f.budget_score IS NOT NULL THEN f.budget_weight END), 0)",
    ),
    ("budget_score_sum", "COALESCE(SUM(f.budget_score), 0)"),
    *((s, f"COUNT(CASE WHEN COALESCE(r.state, 'draft') = '{s}' THEN 1 END)") for s in STATES),
    ("outliers_over", "COALESCE(SUM(o.over_n), 0)"),
    ("outliers_missed", "COALESCE(SUM(o.missed_n), 0)"),
    *((col, f"COUNT(CASE WHEN f.excluded = '{code}' THEN 1 END)") for col, code in EXCLUDED_COLUMNS),
)
_LOST_VALUES: tuple[tuple[str, str], ...] = (
    ("rows", "SUM(p.n)"),
    ("forms", "COUNT(*)"),
    ("weight", "SUM(p.w)"),
    ("score", "SUM(p.s)"),
)
# agg_outliers' columns: (name, type, SQL over f (forms) and i (indicators))
_OUTLIER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("submission_id", "BIGINT NOT NULL", "i.submission_id"),
    ("position", "INTEGER NOT NULL", "i.position"),
    ("year", "VARCHAR", "f.year"),
    ("unit", "VARCHAR", "f.unit"),
    ("project_code", "VARCHAR", "f.project_code"),
    ("project_name", "VARCHAR", "f.project_name"),
    ("level1", "VARCHAR", "i.level1"),
    ("level2", "VARCHAR", "i.level2"),
    ("name", "VARCHAR", "i.name"),
    ("target", "VARCHAR", "i.target"),
    ("actual", "VARCHAR", "i.actual"),
    ("target_value", "DOUBLE PRECISION", "i.target_value"),
    ("actual_value", "DOUBLE PRECISION", "i.actual_value"),
    ("achievement", "DOUBLE PRECISION", "i.achievement"),
    ("weight", "DOUBLE PRECISION", "i.weight"),
    ("score", "DOUBLE PRECISION", "i.score"),
    ("rule", "VARCHAR", "i.rule"),
    ("location", "VARCHAR", "i.location"),
)
OUTLIER_COLUMNS: tuple[str, ...] = tuple(c for c, _, _ in _OUTLIER_COLUMNS)
# agg_projects' columns: (name, type, SQL over f (forms), s (submissions), fu (funds line 0) and r
# (review state))
_PROJECT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("submission_id", "BIGINT NOT NULL", "f.submission_id"),
    ("project_code", "VARCHAR", "f.project_code"),
    ("year", "VARCHAR", "f.year"),
    ("project_name", "VARCHAR", "f.project_name"),
    ("unit", "VARCHAR", "f.unit"),
    ("total", "DOUBLE PRECISION", "f.total"),
    ("grade", "VARCHAR", "f.grade"),
    ("rate", "DOUBLE PRECISION", "f.rate"),
    ("budget", "DOUBLE PRECISION", COUNTED_BUDGET),
    ("executed", "DOUBLE PRECISION", COUNTED_EXECUTED),
    ("excluded", "VARCHAR", "f.excluded"),
    ("errors", "INTEGER", "f.errors"),
    ("warnings", "INTEGER", "f.warnings"),
    ("state", "VARCHAR NOT NULL", "COALESCE(r.state, 'draft')"),
    ("submitted_at", "TIMESTAMP", "s.submitted_at"),
    ("submitted_by", "VARCHAR", "s.submitted_by"),
)


def _bigint(name: str) -> str:
    return f"{name} BIGINT NOT NULL"


DDL: tuple[str, ...] = (
    "CREATE TABLE agg_units (year VARCHAR, unit VARCHAR, "
    + ", ".join(f"{c} {DEC} NOT NULL" if c.endswith("_sum") else _bigint(c) for c, _ in _UNIT_VALUES)
    + ")",
    "CREATE TABLE agg_lost (year VARCHAR, unit VARCHAR, level1 VARCHAR, level2 VARCHAR, "
    f"rows BIGINT NOT NULL, forms BIGINT NOT NULL, weight {DEC} NOT NULL, score {DEC} NOT NULL)",
    "CREATE TABLE agg_outliers (" + ", ".join(f"{c} {t}" for c, t, _ in _OUTLIER_COLUMNS) + ")",
    "CREATE TABLE agg_projects (" + ", ".join(f"{c} {t}" for c, t, _ in _PROJECT_COLUMNS) + ")",
)
# PostgreSQL plans on indexes (DuckDB scans and skips row groups by their min/max): the rows of one
# submission (taken out when it stops being current) and the page's order within a year
PG_INDEXES: tuple[str, ...] = (
    "CREATE INDEX agg_outliers_submission ON agg_outliers (submission_id)",
    "CREATE INDEX agg_outliers_rank ON agg_outliers (year, achievement DESC, project_code, position)",
    "CREATE INDEX agg_projects_submission ON agg_projects (submission_id)",
    "CREATE INDEX agg_projects_year ON agg_projects (year, unit)",
)


# ------------------------------------------------------------------------- what the reads take

# target_outliers' columns, in order (before its status)
OUTLIER_ORDER = (
    "submission_id",
    "project_code",
    "project_name",
    "year",
    "unit",
    "position",
    "level1",
    "level2",
    "name",
    "target",
    "actual",
    "target_value",
    "actual_value",
    "achievement",
    "weight",
    "score",
    "rule",
    "location",
)


def dbl(sql: str) -> str:
    """A kept sum read as a number on both backends."""
    return f"CAST({sql} AS DOUBLE PRECISION)"


# portfolio_summary's figures from agg_units (NULL where the scan's SUM and AVG would be)
KEPT_FIGURES = ", ".join(
    (
        "CAST(SUM(f.projects) AS BIGINT) AS forms",
        f"CASE WHEN SUM(f.budget_n) > 0 THEN {dbl('SUM(f.budget_sum)')} END AS budget",
        f"CASE WHEN SUM(f.executed_n) > 0 THEN {dbl('SUM(f.executed_sum)')} END AS executed",
        f"CASE WHEN SUM(f.budget_n) > 0 AND SUM(f.executed_n) > 0 THEN 100.0 * {dbl('SUM(f.executed_sum)')}"
        f" / NULLIF({dbl('SUM(f.budget_sum)')}, 0) END AS rate",
        f"{dbl('SUM(f.total_sum)')} / NULLIF(SUM(f.scored), 0) AS mean_score",
    )
)
KEPT_GRADES = ", ".join(
    f'CAST(SUM(f.{col}) AS BIGINT) AS "{g}"' for col, g in zip(GRADE_COLUMNS, GRADES, strict=True)
)


# ----------------------------------------------------------------------------------- which forms


class _Ids:
    """A set of submission ids as a predicate on any table's id column: a range (new ids) or a list."""

    def __init__(self, lo: int | None = None, hi: int | None = None, ids: Sequence[int] = ()):
        self.lo, self.hi, self.ids = lo, hi, sorted({int(i) for i in ids})

    def on(self, column: str) -> str:
        if self.lo is not None:
            return f"{column} BETWEEN {int(self.lo)} AND {int(self.hi)}"
        return f"{column} IN ({', '.join(map(str, self.ids))})" if self.ids else "FALSE"


_ALL = type("_All", (), {"on": staticmethod(lambda column: "TRUE")})()


def _units_delta(ids: Any, sign: int, current_only: bool) -> str:
    values = ", ".join(f"{sign} * {sql} AS {col}" for col, sql in _UNIT_VALUES)
    current = " AND s.is_current" if current_only else ""
    return f"""SELECT f.year, f.unit, {values}
        FROM forms f JOIN submissions s ON s.id = f.submission_id AND {ids.on("s.id")}{current}
        LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0 AND {ids.on("fu.submission_id")}
        LEFT JOIN review_states r ON r.submission_id = f.submission_id AND {ids.on("r.submission_id")}
        LEFT JOIN (SELECT i.submission_id,
                          COUNT(CASE WHEN i.achievement >= {OVER} THEN 1 END) AS over_n,
                          COUNT(CASE WHEN i.achievement < 1 THEN 1 END) AS missed_n
                   FROM indicators i WHERE {ids.on("i.submission_id")} AND i.achievement IS NOT NULL
                   GROUP BY i.submission_id) o ON o.submission_id = f.submission_id
        WHERE {ids.on("f.submission_id")}
        GROUP BY f.year, f.unit"""


def _lost_delta(ids: Any, sign: int, current_only: bool) -> str:
    values = ", ".join(f"{sign} * {sql} AS {col}" for col, sql in _LOST_VALUES)
    current = " AND s.is_current" if current_only else ""
    return f"""SELECT f.year, f.unit, p.level1, p.level2, {values}
        FROM (SELECT i.submission_id, i.level1, i.level2, COUNT(*) AS n,
                     SUM(i.weight) AS w, SUM(i.score) AS s
              FROM indicators i
              WHERE {ids.on("i.submission_id")} AND i.score IS NOT NULL AND i.weight > 0
              GROUP BY i.submission_id, i.level1, i.level2) p
        JOIN forms f ON f.submission_id = p.submission_id AND {ids.on("f.submission_id")}
        JOIN submissions s ON s.id = p.submission_id AND {ids.on("s.id")}{current}
        GROUP BY f.year, f.unit, p.level1, p.level2"""


def _outlier_rows(ids: Any) -> str:
    cols = ", ".join(c for c, _, _ in _OUTLIER_COLUMNS)
    exprs = ", ".join(sql for _, _, sql in _OUTLIER_COLUMNS)
    return f"""INSERT INTO agg_outliers ({cols})
        SELECT {exprs} FROM indicators i
        JOIN forms f ON f.submission_id = i.submission_id AND {ids.on("f.submission_id")}
        JOIN submissions s ON s.id = i.submission_id AND {ids.on("s.id")} AND s.is_current
        WHERE {ids.on("i.submission_id")} AND i.achievement IS NOT NULL
          AND (i.achievement >= {OVER} OR i.achievement < 1)"""


def _project_rows(ids: Any) -> str:
    cols = ", ".join(c for c, _, _ in _PROJECT_COLUMNS)
    exprs = ", ".join(sql for _, _, sql in _PROJECT_COLUMNS)
    return f"""INSERT INTO agg_projects ({cols})
        SELECT {exprs} FROM forms f
        JOIN submissions s ON s.id = f.submission_id AND {ids.on("s.id")} AND s.is_current
        LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0 AND {ids.on("fu.submission_id")}
        LEFT JOIN review_states r ON r.submission_id = f.submission_id AND {ids.on("r.submission_id")}
        WHERE {ids.on("f.submission_id")}"""


# ------------------------------------------------------------------------------------- the writes


def _apply(db: Db, table: str, keys: tuple[str, ...], values: tuple[str, ...], deltas: list[str]) -> None:
    """Add the signed rows of `deltas` (SQL giving keys + values) to `table` (see _merge)."""
    summed = ", ".join(f"SUM({v}) AS {v}" for v in values)
    key_list = ", ".join(keys)
    db.execute(
        f"CREATE TEMP TABLE _agg_delta AS SELECT {key_list}, {summed} "
        f"FROM ({' UNION ALL '.join(deltas)}) d GROUP BY {key_list}"
    )
    try:
        _merge(db, table, keys, values, "_agg_delta")
    finally:
        db.execute("DROP TABLE _agg_delta")


def _merge(db: Db, table: str, keys: tuple[str, ...], values: tuple[str, ...], source: str) -> None:
    """Add `source`'s rows (one per key: keys + signed values) to `table`, keyed by `keys` (NULL
    matching NULL), and drop the keys whose count fell to zero."""
    match = " AND ".join(f"{table}.{k} IS NOT DISTINCT FROM d.{k}" for k in keys)
    # sums rounded to 6 decimals at each step (and when first inserted, and by rebuild): the residue
    # of adding and taking away the same 0.1s never accumulates, and however a batch was cut into
    # transactions the kept figures are the same (figures have 2 decimals; amounts at most 1e12 元)
    sets = ", ".join(
        f"{v} = {_round6(db, f'{table}.{v} + d.{v}')}" if v in _SUMS else f"{v} = {table}.{v} + d.{v}"
        for v in values
    )
    db.execute(f"UPDATE {table} SET {sets} FROM {source} d WHERE {match}")
    cols = (*keys, *values)
    exists = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in keys)
    picked = ", ".join(_round6(db, f"d.{c}") if c in _SUMS else f"d.{c}" for c in cols)
    db.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picked} "
        f"FROM {source} d WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {exists})"
    )
    db.execute(f"DELETE FROM {table} WHERE {values[0]} = 0")


def _round6(db: Db, sql: str) -> str:
    """sql rounded to 6 decimals, as a double (PostgreSQL rounds only NUMERIC, which has no bound)."""
    if db.dialect == "postgres":
        return f"CAST(ROUND(CAST({sql} AS NUMERIC), 6) AS DOUBLE PRECISION)"
    return f"ROUND({sql}, 6)"


_SUMS = frozenset({c for c, _ in _UNIT_VALUES if c.endswith("_sum")} | {"weight", "score"})
_UNIT_KEYS = ("year", "unit")
_LOST_KEYS = ("year", "unit", "level1", "level2")
_UNIT_COLS = tuple(c for c, _ in _UNIT_VALUES)
_LOST_COLS = tuple(c for c, _ in _LOST_VALUES)


def refresh(
    db: Db,
    *,
    added: tuple[int, int] | None = None,
    removed: Sequence[int] = (),
    rows: dict[str, Any] | None = None,
) -> None:
    """Apply one transaction's change of the current forms: `added` is the range of ids it stored
    (those still current count), `removed` the ids that were current before it and are no more.
    `rows`, when given, are the columns the transaction inserted for `added` (a save's batch): their
    figures are then counted from them in this process (selfeval/store/aggregate_rows.py) instead of
    read back with joins — the same figures, a fifth of the time for a chunk of an import."""
    removed_parts = [(_Ids(ids=removed[s : s + 1000]), -1, False) for s in range(0, len(removed), 1000)]
    if removed_parts:
        _apply(db, "agg_units", _UNIT_KEYS, _UNIT_COLS, [_units_delta(i, s, c) for i, s, c in removed_parts])
        _apply(db, "agg_lost", _LOST_KEYS, _LOST_COLS, [_lost_delta(i, s, c) for i, s, c in removed_parts])
        for ids, _, _ in removed_parts:
            db.execute(f"DELETE FROM agg_outliers WHERE {ids.on('submission_id')}")
            db.execute(f"DELETE FROM agg_projects WHERE {ids.on('submission_id')}")
    if added is None or added[0] > added[1]:
        return
    if rows is None:
        ids = _Ids(added[0], added[1])
        _apply(db, "agg_units", _UNIT_KEYS, _UNIT_COLS, [_units_delta(ids, 1, True)])
        _apply(db, "agg_lost", _LOST_KEYS, _LOST_COLS, [_lost_delta(ids, 1, True)])
        db.execute(_outlier_rows(ids))
        db.execute(_project_rows(ids))
        return
    counted = aggregate_rows.count(
        rows,
        over=OVER,
        grades=tuple(zip(GRADE_COLUMNS, GRADES, strict=True)),
        excluded=EXCLUDED_COLUMNS,
        unit_values=_UNIT_COLS,
        project_columns=tuple((c, t) for c, t, _ in _PROJECT_COLUMNS),
        outlier_columns=tuple((c, t) for c, t, _ in _OUTLIER_COLUMNS),
    )
    for name, table in counted.items():
        if table.num_rows == 0:
            continue
        with db.stage(f"_agg_{name}", table):
            if name == "units":
                _merge(db, "agg_units", _UNIT_KEYS, _UNIT_COLS, f"_agg_{name}")
            elif name == "lost":
                _merge(db, "agg_lost", _LOST_KEYS, _LOST_COLS, f"_agg_{name}")
            else:
                cols = ", ".join(table.column_names)
                db.execute(f"INSERT INTO agg_{name} ({cols}) SELECT {cols} FROM _agg_{name}")


def refresh_one(db: Db, submission_id: int, change: Any) -> Any:
    """Around a change of one version that the aggregates count (a review step: its state): its
    contribution taken out before `change()` and put back after, when it is current."""
    current = db.execute("SELECT is_current FROM submissions WHERE id = ?", [int(submission_id)])
    if not (current and current[0][0]):
        return change()
    refresh(db, removed=[submission_id])
    result = change()
    refresh(db, added=(submission_id, submission_id))
    return result


def rebuild(db: Db) -> None:
    """Recompute every aggregate from the rows (inside the caller's transaction)."""
    for table in TABLES:
        db.execute(f"DELETE FROM {table}")
    cols = ", ".join(_UNIT_COLS)
    db.execute(f"INSERT INTO agg_units (year, unit, {cols}) {_units_delta(_ALL, 1, True)}")
    cols = ", ".join(_LOST_COLS)
    db.execute(f"INSERT INTO agg_lost (year, unit, level1, level2, {cols}) {_lost_delta(_ALL, 1, True)}")
    db.execute(_outlier_rows(_ALL))
    db.execute(_project_rows(_ALL))
    for table, values in (("agg_units", _UNIT_COLS), ("agg_lost", _LOST_COLS)):  # as every update rounds
        sets = ", ".join(f"{v} = {_round6(db, v)}" for v in values if v in _SUMS)
        db.execute(f"UPDATE {table} SET {sets}")
