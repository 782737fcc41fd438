"""Every read of the store, written once for both backends and always filtered by the acting
principal's units in SQL (`self.who`): a page of an editor of unit A never receives a row of unit B.

Written on the backend's `_rows(sql, params)` (tuples) and `_query(sql, params)` (a DataFrame):
the contract is base.Backend.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from selfeval.model import Form, Issue, Scorecard
from selfeval.serialize import form_from_json
from selfeval.store import aggregates
from selfeval.store.errors import NotFound, StoreError
from selfeval.store.overview import OverviewQueries
from selfeval.store.pickers import PickerQueries
from selfeval.store.records import BUDGET_LEVEL1, BUDGET_LEVEL2, GRADES
from selfeval.store.rows import _indicator_score, _issue
from selfeval.store.schema import TABLES
from selfeval.store.sqlutil import COLUMNS_SQL, RELATIONS_SQL, filters, split_relations

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

NOT_FOUND = "没有编号为 {id} 的自评表，或您无权查看它。"


class Queries(OverviewQueries, PickerQueries):
    """Read methods shared by the backends (mixed into each Store class)."""

    _use_kept = True  # see scanning()

    @property
    def _kept(self) -> bool:
        """Whether the figures the writers keep (selfeval/store/aggregates.py) answer for this store:
        they count the current forms, so not when it reads the approved ones (with_basis)."""
        return self._use_kept and getattr(self, "basis", "latest") == "latest"

    def scanning(self) -> Any:
        """This store answering every figure by scanning the rows instead of reading the kept
        aggregates: what they are checked against (tests, `selfeval rebuild-aggregates --check`)."""
        other = copy.copy(self)
        other._owner = False  # the connection stays the original's to close
        other._use_kept = False
        return other

    # -- reads ---------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """Nothing stored at all (whoever asks: one bit about the whole store, which pages need
        to tell "upload something first" from "nothing of your units this year")."""
        return self._rows("SELECT COUNT(*) FROM submissions")[0][0] == 0

    def stored_files(self, shas: Sequence[str]) -> dict[str, int]:
        """{sha256 of a file's bytes: forms stored from it} for those of `shas` the store holds, as the
        acting principal sees it (a file of another unit's projects is not theirs to know about):
        what a resumed import skips without reading. One query for the whole group."""
        shas = sorted({str(s) for s in shas})
        if not shas:
            return {}
        visible, vparams = self._visible()
        rows = self._rows(
            f"""SELECT s.sha256, COUNT(*) FROM submissions s
                WHERE s.sha256 = ANY(CAST(? AS VARCHAR[])) AND {visible} GROUP BY s.sha256""",
            [shas, *vparams],
        )
        return {sha: int(n) for sha, n in rows}

    def load_form(self, submission_id: int) -> Form:
        """The Form exactly as it was submitted (any version, current or not)."""
        visible, params = self._visible()
        rows = self._rows(
            f"SELECT form_json FROM submissions s WHERE s.id = ? AND {visible}", [int(submission_id), *params]
        )
        if not rows:
            raise NotFound(NOT_FOUND.format(id=submission_id))
        return form_from_json(rows[0][0])

    def load_scorecard(self, submission_id: int) -> Scorecard:
        """The Scorecard as stored (scores, rules, explanations, issues), without rescoring."""
        cards = self._scorecards("s.id = ?", [int(submission_id)])
        if not cards:
            raise NotFound(NOT_FOUND.format(id=submission_id))
        return cards[0]

    def load_scorecards(self, submission_ids: Sequence[int]) -> dict[int, Scorecard]:
        """{id: Scorecard as stored} of those of `submission_ids` the principal sees, read in one go
        (three queries however many): what a page listing a handful of projects needs."""
        ids = sorted({int(i) for i in submission_ids})
        if not ids:
            return {}
        return dict(self._scorecards_by_id("s.id = ANY(CAST(? AS BIGINT[]))", [ids]))

    def current_scorecards(self, year: str | int | None = None, unit: str | None = None) -> list[Scorecard]:
        """The stored Scorecards of the current forms, by year, unit and project code."""
        where, params = filters(year, unit, self._units)
        return self._scorecards(
            f"s.id IN (SELECT f.submission_id FROM current_forms f WHERE {where})", params
        )

    def _scorecards(self, where: str, params: list[Any]) -> list[Scorecard]:
        return [card for _, card in self._scorecards_by_id(where, params)]

    def _scorecards_by_id(self, where: str, params: list[Any]) -> list[tuple[int, Scorecard]]:
        """(submission id, Scorecard) of the submissions `where` picks that the principal sees, by
        year, unit, project code and id."""
        visible, vparams = self._visible()
        where, params = f"({where}) AND {visible}", [*params, *vparams]
        heads = self._rows(
            f"""SELECT s.id, s.form_json, s.profile, f.rate, f.budget_weight, f.budget_score, f.total, f.grade
                FROM submissions s JOIN forms f ON f.submission_id = s.id WHERE {where}
                ORDER BY f.year, f.unit, f.project_code, s.id""",
            params,
        )
        if not heads:
            return []
        chosen = f"SELECT s.id FROM submissions s WHERE {where}"
        ind_cols = (
            "submission_id, level1, level2, name, target, actual, weight, declared_score, reason, score, "
            "rule, explanation, band_low, band_high"
        )
        inds = self._rows(
            f"SELECT {ind_cols} FROM indicators WHERE submission_id IN ({chosen}) ORDER BY submission_id, position",
            params,
        )
        issues = self._rows(
            f"""SELECT submission_id, code, severity, location, message, place_sheet, place_row, place_col,
                       params
                FROM issues WHERE submission_id IN ({chosen}) ORDER BY submission_id, position""",
            params,
        )
        by_id_inds: dict[int, list[tuple]] = {}
        for row in inds:
            by_id_inds.setdefault(row[0], []).append(row[1:])
        by_id_issues: dict[int, list[Issue]] = {}
        for sid, *fields in issues:
            by_id_issues.setdefault(sid, []).append(_issue(tuple(fields)))
        cards = []
        for sid, form_json, profile, rate, budget_weight, budget_score, total, grade in heads:
            form = form_from_json(form_json)
            scores = tuple(_indicator_score(form, row) for row in by_id_inds.get(sid, ()))
            cards.append(
                (
                    sid,
                    Scorecard(
                        form=form,
                        profile=profile or "",
                        rate=rate,
                        budget_weight=budget_weight,
                        budget_score=budget_score,
                        indicators=scores,
                        total=total,
                        grade=grade,
                        issues=tuple(by_id_issues.get(sid, ())),
                    ),
                )
            )
        return cards

    def portfolio_summary(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """Current forms by year and unit: count, budget, executed (元), execution rate (%), mean
        total score, and how many forms got each grade."""
        where, params = filters(year, unit, self._units)
        if self._kept:
            return self._query(
                f"""SELECT f.year, f.unit, {aggregates.KEPT_FIGURES}, {aggregates.KEPT_GRADES} FROM agg_units f
                    WHERE {where} GROUP BY f.year, f.unit ORDER BY f.year, f.unit""",
                params,
            ).round({"budget": 2, "executed": 2, "rate": 2, "mean_score": 2})
        grades = ", ".join(f"COUNT(CASE WHEN f.grade = '{g}' THEN 1 END) AS \"{g}\"" for g in GRADES)
        df = self._query(
            f"""SELECT f.year, f.unit, COUNT(*) AS forms,
                       SUM(f.budget) AS budget, SUM(f.executed) AS executed,
                       100.0 * SUM(f.executed) / NULLIF(SUM(f.budget), 0) AS rate,
                       AVG(f.total) AS mean_score, {grades}
                FROM current_forms f WHERE {where}
                GROUP BY f.year, f.unit ORDER BY f.year, f.unit""",
            params,
        )
        return df.round({"budget": 2, "executed": 2, "rate": 2, "mean_score": 2})

    def project_scores(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """One row per current form: its figures, declared and computed total, grade, issue counts
        and how many versions were submitted."""
        where, params = filters(year, unit, self._units)
        return self._query(
            f"""SELECT f.submission_id, f.project_code, f.project_name, f.year, f.unit, f.budget_unit,
                       f.budget, f.executed, f.rate, f.budget_score, f.total, f.declared_total, f.grade,
                       f.errors, f.warnings, f.submitted_at, f.submitted_by, f.origin, f.source_name,
                       f.profile, COALESCE(v.versions, 1) AS versions
                FROM current_forms f
                LEFT JOIN (SELECT project_code, year, COUNT(*) AS versions FROM submissions
                           WHERE project_code <> '' GROUP BY project_code, year) v
                  ON v.project_code = f.project_code AND v.year = f.year
                WHERE {where}
                ORDER BY f.year, f.unit, f.project_code, f.submission_id""",
            params,
        )

    def points_lost(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """Where current forms lose points: weight, score and lost by first- and second-level
        indicator (scored rows with a weight), plus one row for budget execution
        (level1 预算执行). Summed over all rows, lost = Σ(100 − total) when weights sum to 100."""
        where, params = filters(year, unit, self._units)
        if self._kept:
            df = self._query(
                f"""SELECT f.level1, f.level2, CAST(SUM(f.rows) AS BIGINT) AS rows,
                           CAST(SUM(f.forms) AS BIGINT) AS forms, {aggregates.dbl("SUM(f.weight)")} AS weight,
                           {aggregates.dbl("SUM(f.score)")} AS score, {aggregates.dbl("SUM(f.weight) - SUM(f.score)")} AS lost
                    FROM agg_lost f WHERE {where} GROUP BY f.level1, f.level2
                    UNION ALL
                    SELECT CAST('{BUDGET_LEVEL1}' AS VARCHAR), CAST('{BUDGET_LEVEL2}' AS VARCHAR),
                           CAST(SUM(f.budget_scored) AS BIGINT), CAST(SUM(f.budget_scored) AS BIGINT),
                           {aggregates.dbl("SUM(f.budget_weight_sum)")}, {aggregates.dbl("SUM(f.budget_score_sum)")},
                           {aggregates.dbl("SUM(f.budget_weight_sum) - SUM(f.budget_score_sum)")}
                    FROM agg_units f WHERE {where} HAVING SUM(f.budget_scored) > 0""",
                params + params,
            )
            df = df.round({"weight": 2, "score": 2, "lost": 2})
            return df.sort_values(
                ["lost", "level1", "level2"], ascending=[False, True, True], ignore_index=True
            )
        df = self._query(
            f"""SELECT i.level1, i.level2, COUNT(*) AS rows, COUNT(DISTINCT i.submission_id) AS forms,
                       SUM(i.weight) AS weight, SUM(i.score) AS score,
                       SUM(i.weight) - SUM(i.score) AS lost
                FROM indicators i JOIN current_forms f ON f.submission_id = i.submission_id
                WHERE i.score IS NOT NULL AND i.weight > 0 AND {where}
                GROUP BY i.level1, i.level2
                UNION ALL
                SELECT CAST('{BUDGET_LEVEL1}' AS VARCHAR), CAST('{BUDGET_LEVEL2}' AS VARCHAR), COUNT(*),
                       COUNT(*), SUM(f.budget_weight), SUM(f.budget_score),
                       SUM(f.budget_weight) - SUM(f.budget_score)
                FROM current_forms f
                WHERE f.budget_score IS NOT NULL AND {where}
                HAVING COUNT(*) > 0""",
            params + params,
        )
        df = df.round({"weight": 2, "score": 2, "lost": 2})
        return df.sort_values(["lost", "level1", "level2"], ascending=[False, True, True], ignore_index=True)

    def target_outliers(
        self,
        year: str | int | None = None,
        unit: str | None = None,
        over: float = 1.5,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Positive quantitative rows of current forms whose actual ≥ over × target (status "over",
        the target was probably set too low) or below the target (status "missed"); the first
        `limit` of them (highest achievement first) when given, cut in SQL: a page shows a table,
        not the 40,000 rows of a province."""
        where, params = filters(year, unit, self._units)
        cut = f" LIMIT {int(limit)}" if limit is not None else ""
        if self._kept and over == aggregates.OVER:
            columns = ", ".join(f"f.{c}" for c in aggregates.OUTLIER_ORDER)
            return self._query(
                f"""SELECT {columns}, CASE WHEN f.achievement >= ? THEN 'over' ELSE 'missed' END AS status
                    FROM agg_outliers f WHERE {where}
                    ORDER BY f.achievement DESC, f.project_code, f.position{cut}""",
                [over, *params],
            )
        return self._query(
            f"""SELECT f.submission_id, f.project_code, f.project_name, f.year, f.unit,
                       i.position, i.level1, i.level2, i.name, i.target, i.actual,
                       i.target_value, i.actual_value, i.achievement, i.weight, i.score, i.rule,
                       i.location,
                       CASE WHEN i.achievement >= ? THEN 'over' ELSE 'missed' END AS status
                FROM indicators i JOIN current_forms f ON f.submission_id = i.submission_id
                WHERE i.achievement IS NOT NULL AND (i.achievement >= ? OR i.achievement < 1)
                  AND {where}
                ORDER BY i.achievement DESC, f.project_code, i.position{cut}""",
            [over, over, *params],
        )

    def outlier_counts(
        self, year: str | int | None = None, unit: str | None = None, over: float = 1.5
    ) -> dict[str, int]:
        """How many rows target_outliers holds, by status ("over", "missed"), counted in SQL."""
        where, params = filters(year, unit, self._units)
        if self._kept and over == aggregates.OVER:
            over_n, missed = self._rows(
                f"SELECT SUM(f.outliers_over), SUM(f.outliers_missed) FROM agg_units f WHERE {where}", params
            )[0]
            return {"over": int(over_n or 0), "missed": int(missed or 0)}
        rows = self._rows(
            f"""SELECT COUNT(CASE WHEN i.achievement >= ? THEN 1 END), COUNT(*)
                FROM indicators i JOIN current_forms f ON f.submission_id = i.submission_id
                WHERE i.achievement IS NOT NULL AND (i.achievement >= ? OR i.achievement < 1)
                  AND {where}""",
            [over, over, *params],
        )
        over_n, total = rows[0] if rows else (0, 0)
        return {"over": int(over_n or 0), "missed": int(total or 0) - int(over_n or 0)}

    def project_history(self, project_code: str, year: str | int) -> pd.DataFrame:
        """Every submission of one project and year, oldest first, with its version number; the
        last one is current. Empty for a project of a unit the principal does not see."""
        visible, vparams = self._visible()
        df = self._query(
            f"""SELECT s.id AS submission_id, s.submitted_at, s.submitted_by, s.origin, s.kind,
                      s.source_name, s.sheet, s.sha256, s.size, s.profile,
                      f.project_name, f.total, f.declared_total, f.grade, f.rate, f.errors, f.warnings
               FROM submissions s JOIN forms f ON f.submission_id = s.id
               WHERE s.project_code = ? AND s.year = ? AND {visible}
               ORDER BY s.id""",
            [project_code, str(year), *vparams],
        )
        df.insert(1, "version", range(1, len(df) + 1))
        df["current"] = df["submission_id"] == df["submission_id"].max() if len(df) else []
        return df

    def form_indicators(self, submission_id: int) -> pd.DataFrame:
        """The stored indicator rows of one submission, declared beside computed."""
        visible, vparams = self._visible()
        return self._query(
            f"""SELECT * FROM indicators WHERE submission_id = ?
                AND submission_id IN (SELECT s.id FROM submissions s WHERE {visible}) ORDER BY position""",
            [int(submission_id), *vparams],
        )

    def form_issues(self, submission_id: int) -> pd.DataFrame:
        visible, vparams = self._visible()
        return self._query(
            f"""SELECT code, severity, location, message FROM issues WHERE submission_id = ?
                AND submission_id IN (SELECT s.id FROM submissions s WHERE {visible}) ORDER BY position""",
            [int(submission_id), *vparams],
        )

    def years(self) -> list[str]:
        where, params = filters(None, None, self._units)
        source = "agg_units" if self._kept else "current_forms"
        return [
            r[0]
            for r in self._rows(f"SELECT DISTINCT year FROM {source} f WHERE {where} ORDER BY year", params)
        ]

    def units(self) -> list[str]:
        where, params = filters(None, None, self._units)
        source = "agg_units" if self._kept else "current_forms"
        return [
            r[0]
            for r in self._rows(f"SELECT DISTINCT unit FROM {source} f WHERE {where} ORDER BY unit", params)
        ]

    def data_version(self) -> tuple[int, ...]:
        return self._data_version()

    def _data_version(self, more: str = "") -> tuple[int, ...]:
        """(highest submission id, identity of the submissions table, then the numbers of `more`, the
        mixins' own scalar subqueries asked in the same query): changes with every save
        (ids only grow; no write deletes a submission) and with every restore (which drops and
        recreates the tables, so the table's catalog id changes). Both read from an index or the
        catalog, never by counting rows: called before every cached query, it must not grow with
        the store (a COUNT(*) scanned every row on PostgreSQL)."""
        catalog = (
            "CAST(CAST('submissions'::regclass AS OID) AS BIGINT)"
            if getattr(self, "backend", "duckdb") == "postgres"
            else "(SELECT table_oid FROM duckdb_tables() WHERE table_name = 'submissions'"
            " AND schema_name = current_schema() AND database_name = current_database())"
        )
        row = self._rows(f"SELECT (SELECT COALESCE(MAX(id), 0) FROM submissions), {catalog}{more}")[0]
        return tuple(int(v) for v in row)

    def current_submission_ids(self) -> list[int]:
        where, params = filters(None, None, self._units)
        return [
            r[0]
            for r in self._rows(
                f"SELECT submission_id FROM current_forms f WHERE {where} ORDER BY submission_id", params
            )
        ]

    def table_counts(self) -> dict[str, int]:
        """Rows per table (a whole-store figure: administrators only)."""
        self._require_unrestricted("查看全库统计")
        return {t: self._rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in (*TABLES, "schema_version")}

    def relations(self) -> tuple[list[str], list[str]]:
        """(tables, views) of the store's schema: what backups and `migrate` copy."""
        return split_relations(self._rows(RELATIONS_SQL))

    def table_rows(self, table: str, columns: Sequence[str] | None = None) -> list[tuple]:
        """Every row of one of the store's tables or views, `columns` (default: all, in the table's
        order) in the order given, sorted by them — what a backup holds, so administrators only.
        The names are checked against the schema before they reach SQL."""
        self._require_unrestricted("查看整张数据表")
        tables, views = self.relations()
        if table not in (*tables, *views):
            raise StoreError(f"数据库中没有数据表“{table}”。")
        known = [r[0] for r in self._rows(COLUMNS_SQL, [table])]
        chosen = list(columns) if columns is not None else known
        unknown = [c for c in chosen if c not in known]
        if unknown or not chosen:
            raise StoreError(f"数据表“{table}”没有列：{'、'.join(unknown) or '（未指定）'}。")
        listed = ", ".join(chosen)
        return self._rows(f"SELECT {listed} FROM {table} ORDER BY {listed}")
