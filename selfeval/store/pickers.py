"""The project pickers' questions (项目详情, 在线编辑) in SQL that searches and limits: how many current
projects a scope has, the first matches of a search by code, name or unit, one project's row, and
the current version of a project named by code and year. A picker over a province's 200,000
projects of a year receives a count and at most `limit` rows (issue 12).

Written once for DuckDB and PostgreSQL and filtered by the principal's units like every read.
Rows have project_scores' columns, in its order (year, unit, code, id), so a search's rows are the
head of the full list filtered in pandas (tests/test_store_overview.py checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from selfeval.store.base import Backend
from selfeval.store.sqlutil import filters

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

_COLUMNS = """f.submission_id, f.project_code, f.project_name, f.year, f.unit, f.budget_unit,
    f.budget, f.executed, f.rate, f.budget_score, f.total, f.declared_total, f.grade,
    f.errors, f.warnings, f.submitted_at, f.submitted_by, f.origin, f.source_name, f.profile"""
_ORDER = "f.year, f.unit, f.project_code, f.submission_id"
SEARCHED = ("project_code", "project_name", "unit")


class PickerQueries(Backend):
    """Searching reads for the project pickers (mixed into Queries)."""

    def _with_versions(self, where: str, params: list[Any], limit: int | None = None) -> pd.DataFrame:
        """project_scores' rows for the current forms matching `where`, the versions counted only
        for the rows returned (not for the whole store)."""
        cut = f" LIMIT {max(0, int(limit))}" if limit is not None else ""
        return self._query(
            f"""WITH p AS (SELECT {_COLUMNS} FROM current_forms f WHERE {where} ORDER BY {_ORDER}{cut}),
                v AS (SELECT s.project_code, s.year, COUNT(*) AS versions FROM submissions s
                      WHERE s.project_code IN (SELECT project_code FROM p WHERE project_code <> '')
                      GROUP BY s.project_code, s.year)
                SELECT p.*, COALESCE(v.versions, 1) AS versions
                FROM p LEFT JOIN v ON v.project_code = p.project_code AND v.year = p.year
                ORDER BY p.year, p.unit, p.project_code, p.submission_id""",
            params,
        )

    def project_count(self, year: str | int | None = None, unit: str | None = None) -> int:
        """How many current projects the scope holds (that the principal sees)."""
        where, params = filters(year, unit, self._units)
        return int(self._rows(f"SELECT COUNT(*) FROM current_forms f WHERE {where}", params)[0][0])

    def project_search(
        self, year: str | int | None = None, unit: str | None = None, text: str = "", limit: int = 50
    ) -> pd.DataFrame:
        """The first `limit` current projects whose code, name or unit contains every word of
        `text` (any case; all projects when empty), in project_scores' order."""
        where, params = filters(year, unit, self._units)
        for word in (text or "").split():
            hit = " OR ".join(f"strpos(lower(COALESCE(f.{c}, '')), lower(?)) > 0" for c in SEARCHED)
            where += f" AND ({hit})"
            params += [word] * len(SEARCHED)
        return self._with_versions(where, params, limit)

    def project_row(self, submission_id: int) -> pd.DataFrame:
        """The project_scores row of one current form (empty when it is not current or not seen)."""
        where, params = filters(None, None, self._units)
        return self._with_versions(f"f.submission_id = ? AND {where}", [int(submission_id), *params])

    def find_project(
        self,
        project_code: str,
        year: str | int | None = None,
        unit: str | None = None,
        in_year: str | None = None,
    ) -> int | None:
        """The current submission id of the project `project_code` (of `in_year` when given), within
        the scope (year, unit) the page shows; None when there is none."""
        where, params = filters(year, unit, self._units)
        where += " AND f.project_code = ?"
        params.append(str(project_code))
        if in_year:
            where += " AND f.year = ?"
            params.append(str(in_year))
        rows = self._rows(
            f"SELECT f.submission_id FROM current_forms f WHERE {where} ORDER BY {_ORDER} LIMIT 1", params
        )
        return int(rows[0][0]) if rows else None
