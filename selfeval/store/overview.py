"""总览's questions answered in SQL that aggregates, orders and limits: the page receives a handful
of numbers and at most a few dozen rows however many forms are stored (issue 12: a province's
200,000 projects of a year used to travel to the page as one DataFrame).

Written once for DuckDB and PostgreSQL and filtered by the acting principal's units like every
other read (`filters(..., self._units)`); `with_basis("approved")` reads approved_forms instead of
current_forms by rewriting the view's name, as for the other queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from selfeval.model import EXCLUDING
from selfeval.store.aggregates import EXCLUDED_COLUMNS, GRADE_COLUMNS
from selfeval.store.audit import STATE_SQL
from selfeval.store.base import Backend
from selfeval.store.records import GRADES
from selfeval.store.sqlutil import filters

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

HIGH_GRADES = ("优", "良")
# the columns of one project row on 总览 (the lowest table, the charts, the sentence)
PROJECT_COLUMNS = (
    "submission_id",
    "project_code",
    "year",
    "project_name",
    "unit",
    "total",
    "grade",
    "rate",
    "budget",
    "executed",
    "errors",
    "warnings",
)
# ties broken as project_scores orders its rows, so a limited list is the head of the full one
_TIES = "f.year, f.unit, f.project_code, f.submission_id"
_ORDERS = {
    "total": f"f.total ASC NULLS FIRST, f.project_code, {_TIES}",  # the weakest (unscored first)
    "budget": f"f.budget DESC NULLS LAST, {_TIES}",  # the largest budgets
    "rate": f"f.rate ASC NULLS LAST, {_TIES}",  # the lowest execution
}


class OverviewQueries(Backend):
    """Aggregating reads for 总览 (mixed into Queries)."""

    @property
    def _projects(self) -> str:
        """Where the current projects' figures are read: the writers' narrow copy (agg_projects),
        or the view over three tables when this store reads the approved versions."""
        return "agg_projects" if self._kept else "current_forms"  # type: ignore[attr-defined]

    def overview_counts(
        self,
        year: str | int | None = None,
        unit: str | None = None,
        low_rate: float = 90.0,
        flag_rate: float = 60.0,
    ) -> dict[str, Any]:
        """One row of figures over the current forms: projects, mean total, budget and executed
        (元), how many got each grade and how many none, how many executed below `low_rate` %, how
        many are graded 优/良 while executing below `flag_rate` % (the auditor's flag), and how many
        were left out of the totals and rates, by reason (`excluded`: {EXCLUDING code: n})."""
        where, params = filters(year, unit, self._units)
        high = ", ".join(f"'{g}'" for g in HIGH_GRADES)
        if self._kept:  # type: ignore[attr-defined]
            return self._kept_counts(where, params, float(low_rate), float(flag_rate))
        grades = ", ".join(f"COUNT(CASE WHEN f.grade = '{g}' THEN 1 END)" for g in GRADES)
        left_out = ", ".join(f"COUNT(CASE WHEN f.excluded = '{code}' THEN 1 END)" for code in EXCLUDING)
        row = self._rows(
            f"""SELECT COUNT(*), AVG(f.total), SUM(f.budget), SUM(f.executed),
                       COUNT(CASE WHEN f.grade IS NULL THEN 1 END),
                       COUNT(CASE WHEN f.rate < ? AND f.excluded IS NULL THEN 1 END),
                       COUNT(CASE WHEN f.rate < ? AND f.grade IN ({high}) THEN 1 END), {left_out}, {grades}
                FROM current_forms f WHERE {where}""",
            [float(low_rate), float(flag_rate), *params],
        )[0]
        n, mean, budget, executed, ungraded, low, flagged, *rest = row
        excluded, by_grade = rest[: len(EXCLUDING)], rest[len(EXCLUDING) :]
        return {
            "projects": int(n or 0),
            "mean_total": None if mean is None else float(mean),
            "budget": float(budget or 0),
            "executed": float(executed or 0),
            "ungraded": int(ungraded or 0),
            "low_rate": int(low or 0),
            "flagged": int(flagged or 0),
            "grades": {g: int(c or 0) for g, c in zip(GRADES, by_grade, strict=True)},
            "excluded": {code: int(c or 0) for code, c in zip(EXCLUDING, excluded, strict=True) if c},
        }

    def _kept_counts(
        self, where: str, params: list[Any], low_rate: float, flag_rate: float
    ) -> dict[str, Any]:
        """overview_counts from agg_units (the forms left out of the sums counted per reason there),
        but for the two counts below thresholds the page chooses (see _below)."""
        grades = ", ".join(f"SUM(f.{col})" for col in GRADE_COLUMNS)
        left_out = ", ".join(f"SUM(f.{col})" for col, _ in EXCLUDED_COLUMNS)
        n, scored, total, budget_n, budget, executed_n, executed, ungraded, *rest = self._rows(
            f"""SELECT SUM(f.projects), SUM(f.scored), SUM(f.total_sum), SUM(f.budget_n), SUM(f.budget_sum),
                       SUM(f.executed_n), SUM(f.executed_sum), SUM(f.ungraded), {left_out}, {grades}
                FROM agg_units f WHERE {where}""",
            params,
        )[0]
        excluded, by_grade = rest[: len(EXCLUDED_COLUMNS)], rest[len(EXCLUDED_COLUMNS) :]
        low, flagged = self._below(where, params, low_rate, flag_rate)
        return {
            "projects": int(n or 0),
            "mean_total": float(total) / int(scored) if scored else None,
            "budget": float(budget or 0) if budget_n else 0.0,
            "executed": float(executed or 0) if executed_n else 0.0,
            "ungraded": int(ungraded or 0),
            "low_rate": int(low or 0),
            "flagged": int(flagged or 0),
            "grades": {g: int(c or 0) for g, c in zip(GRADES, by_grade, strict=True)},
            "excluded": {code: int(c) for (_, code), c in zip(EXCLUDED_COLUMNS, excluded, strict=True) if c},
        }

    def _below(self, where: str, params: list[Any], low_rate: float, flag_rate: float) -> tuple[int, int]:
        """(executing below low_rate %, graded 优/良 while executing below flag_rate %) among the
        current forms, from the writers' narrow copy of them (agg_projects)."""
        high = ", ".join(f"'{g}'" for g in HIGH_GRADES)
        return self._rows(
            f"""SELECT COUNT(CASE WHEN f.rate < ? AND f.excluded IS NULL THEN 1 END),
                       COUNT(CASE WHEN f.rate < ? AND f.grade IN ({high}) THEN 1 END)
                FROM agg_projects f WHERE f.rate < ? AND {where}""",
            [low_rate, flag_rate, max(low_rate, flag_rate), *params],
        )[0]

    def overview_projects(
        self,
        year: str | int | None = None,
        unit: str | None = None,
        order: str = "total",
        limit: int = 10,
        below: float | None = None,
        flagged_below: float | None = None,
    ) -> pd.DataFrame:
        """The first `limit` current projects in `order`: "total" (lowest score first, unscored
        first), "budget" (largest first) or "rate" (lowest execution first); only those executing
        below `below` % when given, only those graded 优/良 below `flagged_below` % when given."""
        if order not in _ORDERS:
            raise ValueError(f"order must be one of {sorted(_ORDERS)}, not {order!r}")
        where, params = filters(year, unit, self._units)
        more = []
        if below is not None:
            where += " AND f.rate < ?"
            more.append(float(below))
        if flagged_below is not None:
            high = ", ".join(f"'{g}'" for g in HIGH_GRADES)
            where += f" AND f.rate < ? AND f.grade IN ({high})"
            more.append(float(flagged_below))
        columns = ", ".join(f"f.{c}" for c in PROJECT_COLUMNS)
        return self._query(
            f"""SELECT {columns} FROM {self._projects} f WHERE {where}
                ORDER BY {_ORDERS[order]} LIMIT {max(0, int(limit))}""",
            [*params, *more],
        )

    def overview_rest(
        self, year: str | int | None = None, unit: str | None = None, top: int = 30
    ) -> dict[str, Any]:
        """The projects after the `top` largest budgets, as one aggregate: how many, their budget
        and executed (元) — what a chart of the largest budgets leaves out ("其余 n 个项目")."""
        where, params = filters(year, unit, self._units)
        if self._kept:  # all of them (kept per unit) less the first `top`: no sort of the rest
            n, budget, executed = self._rows(
                f"SELECT SUM(f.projects), SUM(f.budget_sum), SUM(f.executed_sum) FROM agg_units f WHERE {where}",
                params,
            )[0]
            first = self._rows(
                f"""SELECT COUNT(*), SUM(r.budget), SUM(r.executed) FROM (
                        SELECT f.budget, f.executed FROM agg_projects f WHERE {where}
                        ORDER BY {_ORDERS["budget"]} LIMIT {max(0, int(top))}) r""",
                params,
            )[0]
            if int(n or 0) <= int(first[0] or 0):
                return {"projects": 0, "budget": 0.0, "executed": 0.0}
            return {
                "projects": int(n or 0) - int(first[0] or 0),
                "budget": float(budget or 0) - float(first[1] or 0),
                "executed": float(executed or 0) - float(first[2] or 0),
            }
        row = self._rows(
            f"""SELECT COUNT(*), SUM(r.budget), SUM(r.executed) FROM (
                    SELECT f.budget, f.executed FROM current_forms f WHERE {where}
                    ORDER BY {_ORDERS["budget"]} OFFSET {max(0, int(top))}) r""",
            params,
        )[0]
        return {"projects": int(row[0] or 0), "budget": float(row[1] or 0), "executed": float(row[2] or 0)}

    def score_counts(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """total, n: how many current projects have each total (the score histogram's input: a few
        thousand distinct totals at most, whatever the number of projects)."""
        where, params = filters(year, unit, self._units)
        return self._query(
            f"""SELECT f.total, COUNT(*) AS n FROM {self._projects} f
                WHERE f.total IS NOT NULL AND {where} GROUP BY f.total ORDER BY f.total""",
            params,
        )

    def pending_projects(
        self, year: str | int | None = None, unit: str | None = None, limit: int = 200
    ) -> pd.DataFrame:
        """The first `limit` current projects not yet approved (unit, then 未提交 / 已退回 / 已送审,
        then code), with their state and the returned comment: the organisation view's to-do list,
        cut in SQL (the full list of a province is 200,000 rows)."""
        where, params = filters(year, unit, self._units)
        rank = f"CASE {STATE_SQL} WHEN 'draft' THEN 0 WHEN 'returned' THEN 1 WHEN 'submitted' THEN 2 END"
        return self._query(
            f"""SELECT f.submission_id, f.unit, f.project_name, f.project_code, f.year, {STATE_SQL} AS state,
                       COALESCE(r.comment, '') AS comment
                FROM {self._projects} f LEFT JOIN review_states r ON r.submission_id = f.submission_id
                WHERE {where} AND {STATE_SQL} <> 'approved'
                ORDER BY f.unit, {rank}, f.project_code, f.submission_id LIMIT {max(0, int(limit))}""",
            params,
        )

    def pending_count(self, year: str | int | None = None, unit: str | None = None) -> int:
        """How many current projects are not yet approved (what pending_projects cuts)."""
        where, params = filters(year, unit, self._units)
        if self._kept:  # type: ignore[attr-defined]
            kept = self._rows(
                f"SELECT SUM(f.projects) - SUM(f.approved) FROM agg_units f WHERE {where}", params
            )
            return int(kept[0][0] or 0)
        return int(
            self._rows(
                f"""SELECT COUNT(*) FROM current_forms f
                    LEFT JOIN review_states r ON r.submission_id = f.submission_id
                    WHERE {where} AND {STATE_SQL} <> 'approved'""",
                params,
            )[0][0]
        )
