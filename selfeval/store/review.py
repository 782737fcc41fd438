"""The review loop in the store: the state of each stored version, the append-only audit trail, and
the reads the 审核 page, 总览's organisation view and `selfeval status` need.

A version's state lives in `review_states` (no row: 草稿). Every step goes through
`selfeval.workflow.require` inside the write transaction, with the acting principal (`self.who`)
and the unit of the project's current version, so a page cannot skip a check, and appends its event
to the audit trail (the tables and the write-path hooks live in selfeval/store/audit.py). SQL both
backends accept.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from selfeval.access import governs_all
from selfeval.store import aggregates
from selfeval.store.audit import STATE_SQL, record_event
from selfeval.store.base import Backend
from selfeval.store.errors import AccessDenied, NotFound
from selfeval.store.sqlutil import Db, filters, now
from selfeval.store.trail import TrailReport, check_trail
from selfeval.workflow import AUTHORING, STATES, Refused, require

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

# the to-do lists (Review.todo): which current forms wait, and for whom
_TODO = {
    "returned": f"{STATE_SQL} = 'returned'",  # the editor: fix and send again
    "draft": f"{STATE_SQL} = 'draft'",  # the editor: send to review
    "errors": f"f.errors > 0 AND {STATE_SQL} IN ('draft', 'returned')",  # the editor: fix or explain
    "submitted": f"{STATE_SQL} = 'submitted'",  # the reviewer: approve or return
}


class ReviewRefused(AccessDenied):
    """A review step the workflow refuses; the message is the Chinese reason, `code` says which check."""

    def __init__(self, refused: Refused):
        self.code = refused.code
        super().__init__(str(refused))


# who stored a version or sent it to review, as the audit trail records them: written by the store from
# the signed-in principal, never from a form
AUTHORS_SQL = f"""SELECT DISTINCT actor FROM audit_events
                  WHERE submission_id = ? AND action IN ({", ".join(f"'{a}'" for a in AUTHORING)})"""


# ---------------------------------------------------------------------------------- the mixin


class Review(Backend):
    """Review steps and reads, mixed into each Store class beside Writes and Queries."""

    basis = "latest"  # which versions the figure queries read (see with_basis)

    # -- steps ---------------------------------------------------------------------------------------
    def submit(self, submission_id: int, explanation: str = "") -> str:
        """送审: the editor sends the current version to review; a form with errors needs an explanation."""
        return self._step("submit", submission_id, explanation=explanation)

    def approve(self, submission_id: int, comment: str = "") -> str:
        """通过: the version becomes the project's approved (and locked) one."""
        return self._step("approve", submission_id, comment=comment)

    def return_(self, submission_id: int, comment: str) -> str:
        """退回 with a required comment, which the editor sees in 在线编辑."""
        return self._step("return", submission_id, comment=comment)

    def _step(self, action: str, submission_id: int, *, explanation: str = "", comment: str = "") -> str:
        with self._writing() as db:
            row = self._version_for_step(db, int(submission_id))
            sid, code, year, unit, errors, state, is_current, old_explanation = row
            try:
                after = require(
                    self.who,
                    action,  # type: ignore[arg-type]
                    state,
                    unit=unit,
                    errors=int(errors or 0),
                    explanation=explanation,
                    comment=comment,
                    current=bool(is_current),
                    authors=[r[0] for r in db.execute(AUTHORS_SQL, [sid])] if action == "approve" else (),
                )
            except Refused as refused:
                raise ReviewRefused(refused) from None
            kept = explanation.strip() if action == "submit" else (old_explanation or "")

            def change() -> None:
                db.execute("DELETE FROM review_states WHERE submission_id = ?", [sid])
                db.execute(
                    """INSERT INTO review_states (submission_id, state, explanation, comment, updated_at, updated_by)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    [sid, after, kept, comment.strip(), now(), self.who.name],
                )

            aggregates.refresh_one(db, sid, change)  # the review states 总览 counts
            record_event(
                db,
                self.who,
                action,
                project_code=code,
                year=year,
                submission_id=sid,
                unit=unit,
                state=after,
                comment=(explanation if action == "submit" else comment).strip(),
            )
        return after

    def _version_for_step(self, db: Db, submission_id: int) -> tuple:
        """(id, project code, year, unit of the project's current version, errors, state, is current,
        explanation) of a version the principal may see; NotFound otherwise (absent and hidden alike)."""
        rows = db.execute(
            f"""SELECT s.id, s.project_code, s.year,
                       COALESCE((SELECT c.unit FROM current_forms c
                                 WHERE c.project_code = s.project_code AND c.year = s.year
                                   AND s.project_code <> ''), f.unit, ''),
                       f.errors, {STATE_SQL},
                       (SELECT COUNT(*) FROM current_forms c WHERE c.submission_id = s.id),
                       r.explanation
                FROM submissions s JOIN forms f ON f.submission_id = s.id
                LEFT JOIN review_states r ON r.submission_id = s.id
                WHERE s.id = ?""",
            [submission_id],
        )
        if not rows or not self.who.sees_unit(rows[0][3]):
            raise NotFound(f"没有编号为 {submission_id} 的自评表，或您无权查看它。")
        return rows[0]

    def authors(self, submission_id: int) -> tuple[str, ...]:
        """Who stored or submitted a version the principal may see (the four-eyes rule's question)."""
        with self._snapshot() as db:
            try:
                self._version_for_step(db, int(submission_id))  # the steps' own rule for who sees it
            except NotFound:
                return ()
            return tuple(r[0] for r in db.execute(AUTHORS_SQL, [int(submission_id)]))

    def set_deadline(self, year: str | int, deadline: date | None) -> None:
        """The date by which every project of `year` should be approved (None removes it). Only an
        administrator of every unit sets it: it is the organisation's, not one unit's."""
        if not governs_all(self.who):
            raise AccessDenied("只有负责全部单位的管理员可以设置审核截止日期。")
        with self._writing() as db:
            db.execute("DELETE FROM review_deadlines WHERE year = ?", [str(year)])
            if deadline is not None:
                db.execute(
                    "INSERT INTO review_deadlines (year, deadline, set_by, set_at) VALUES (?, ?, ?, ?)",
                    [str(year), deadline, self.who.name, now()],
                )

    # -- reads ---------------------------------------------------------------------------------------
    def verify_trail(self) -> TrailReport:
        """The whole audit trail checked (the chain, and the review states replayed through the
        workflow; selfeval/store/trail.py), in one consistent read. Administrators of every unit."""
        self._require_unrestricted("核对审核记录")  # type: ignore[attr-defined]
        with self._snapshot() as db:  # type: ignore[attr-defined]
            return check_trail(db)

    def with_basis(self, basis: str) -> Any:
        """This store reading the approved figures (`"approved"`: every query runs on approved_forms,
        the latest approved version of each project, which has current_forms' columns) or the latest
        ones (`"latest"`, the store itself): the leaders' "仅已通过 / 最新" switch for every chart."""
        if basis == "latest":
            return self
        if basis != "approved":
            raise ValueError(f"basis must be 'latest' or 'approved', not {basis!r}")
        other = copy.copy(self)
        other._owner = False  # the connection stays the original's to close
        query, rows = self._query, self._rows

        def approved(sql: str) -> str:
            return sql.replace("current_forms", "approved_forms")

        other._query = lambda sql, params=(): query(approved(sql), params)
        other._rows = lambda sql, params=(): rows(approved(sql), params)
        other.basis = "approved"
        return other

    def deadline(self, year: str | int | None) -> date | None:
        if year is None:
            return None
        rows = self._rows("SELECT deadline FROM review_deadlines WHERE year = ?", [str(year)])
        return rows[0][0] if rows else None

    def review_state(self, submission_id: int) -> dict[str, Any]:
        """One version's review: state, the editor's explanation, the reviewer's comment, who and when,
        and whether it is the current version."""
        visible, vparams = self._visible()
        rows = self._rows(
            f"""SELECT s.id, {STATE_SQL}, COALESCE(r.explanation, ''), COALESCE(r.comment, ''),
                       r.updated_at, COALESCE(r.updated_by, ''),
                       (SELECT COUNT(*) FROM current_forms c WHERE c.submission_id = s.id)
                FROM submissions s LEFT JOIN review_states r ON r.submission_id = s.id
                WHERE s.id = ? AND {visible}""",
            [int(submission_id), *vparams],
        )
        if not rows:
            raise NotFound(f"没有编号为 {submission_id} 的自评表，或您无权查看它。")
        sid, state, explanation, comment, at, by, current = rows[0]
        return {
            "submission_id": sid,
            "state": state,
            "explanation": explanation,
            "comment": comment,
            "updated_at": at,
            "updated_by": by,
            "current": bool(current),
        }

    def last_return(self, project_code: str, year: str | int) -> dict[str, Any] | None:
        """The latest 退回 of a project and year (comment, who, when, which version), for the editor
        fixing it; None when it was never returned or the principal does not see it."""
        trail = self.audit_trail(project_code, year)
        returns = trail[trail["action"] == "return"]
        return None if returns.empty else returns.iloc[-1].to_dict()

    def project_states(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """Every current form with its review state (and the returned comment), in the principal's units."""
        where, params = filters(year, unit, self._units)
        return self._query(
            f"""SELECT f.submission_id, f.project_code, f.project_name, f.year, f.unit, f.total, f.grade,
                       f.errors, f.warnings, f.rate, {STATE_SQL} AS state,
                       COALESCE(r.explanation, '') AS explanation, COALESCE(r.comment, '') AS comment,
                       r.updated_at, COALESCE(r.updated_by, '') AS updated_by
                FROM current_forms f LEFT JOIN review_states r ON r.submission_id = f.submission_id
                WHERE {where}
                ORDER BY f.year, f.unit, f.project_code, f.submission_id""",
            params,
        )

    def review_queue(self, unit: str | None = None, year: str | int | None = None) -> pd.DataFrame:
        """The current versions waiting for review (已送审) in the principal's units, oldest first."""
        df = self.project_states(year, unit)
        df = df[df["state"] == "submitted"]
        return df.sort_values(["updated_at", "submission_id"], ignore_index=True)

    def audit_trail(self, project_code: str, year: str | int) -> pd.DataFrame:
        """Who did what and when to one project and year, oldest first, with the version each event
        concerns. Empty for a project the principal does not see."""
        rows = self._rows(
            "SELECT unit FROM current_forms WHERE project_code = ? AND year = ? AND project_code <> ''",
            [project_code, str(year)],
        )
        visible = bool(rows) and self.who.sees_unit(rows[0][0])  # else: the same columns, no rows
        return self._query(
            """SELECT e.id, e.happened_at, e.actor, e.role, e.action, e.submission_id,
                      (SELECT COUNT(*) FROM submissions s2 WHERE s2.project_code = e.project_code
                          AND s2.year = e.year AND s2.id <= e.submission_id) AS version,
                      e.unit, e.state, e.comment
               FROM audit_events e WHERE e.project_code = ? AND e.year = ? AND ?
               ORDER BY e.id""",
            [project_code, str(year), visible],
        )

    def state_counts(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """Per year and unit: projects and how many current versions are in each state."""
        where, params = filters(year, unit, self._units)
        if self._kept:
            counts = ", ".join(f"SUM(f.{s}) AS {s}" for s in STATES)
            df = self._query(
                f"""SELECT f.year, f.unit, SUM(f.projects) AS projects, {counts} FROM agg_units f
                    WHERE {where} GROUP BY f.year, f.unit ORDER BY f.year, f.unit""",
                params,
            )
            for c in ("projects", *STATES):
                df[c] = df[c].astype("int64")
            return df
        counts = ", ".join(f"SUM(CASE WHEN {STATE_SQL} = '{s}' THEN 1 ELSE 0 END) AS {s}" for s in STATES)
        df = self._query(
            f"""SELECT f.year, f.unit, COUNT(*) AS projects, {counts}
                FROM current_forms f LEFT JOIN review_states r ON r.submission_id = f.submission_id
                WHERE {where} GROUP BY f.year, f.unit ORDER BY f.year, f.unit""",
            params,
        )
        for c in ("projects", *STATES):
            df[c] = df[c].astype("int64")
        return df

    def organisation(
        self, year: str | int | None = None, basis: str = "latest", registered: Sequence[str] = ()
    ) -> pd.DataFrame:
        """Per unit: projects, 未提交/已送审/已通过/已退回, average score and execution rate — of the
        latest versions (`basis="latest"`) or of the approved ones only (`"approved"`; units with
        nothing approved show no figures). `registered` units (the roles file's) that the principal
        sees and that have no form yet are rows of zeros: a unit that never uploaded is missing."""
        counts = self.state_counts(year).drop(columns="year").groupby("unit", as_index=False).sum()
        view = {"latest": "current_forms", "approved": "approved_forms"}[basis]
        where, params = filters(year, None, self._units)
        if basis == "latest" and self._kept:
            figures = self._query(
                f"""SELECT f.unit, CAST(SUM(f.projects) AS BIGINT) AS counted,
                           CAST(SUM(f.total_sum) AS DOUBLE PRECISION) / NULLIF(SUM(f.scored), 0) AS mean_score,
                           CASE WHEN SUM(f.budget_n) > 0 AND SUM(f.executed_n) > 0 THEN
                               100.0 * CAST(SUM(f.executed_sum) AS DOUBLE PRECISION)
                               / NULLIF(CAST(SUM(f.budget_sum) AS DOUBLE PRECISION), 0) END AS rate
                    FROM agg_units f WHERE {where} GROUP BY f.unit""",
                params,
            )
        else:
            figures = self._query(
                f"""SELECT f.unit, COUNT(*) AS counted, AVG(f.total) AS mean_score,
                           100.0 * SUM(f.executed) / NULLIF(SUM(f.budget), 0) AS rate
                    FROM {view} f WHERE {where} GROUP BY f.unit""",
                params,
            )
        df = counts.merge(figures, on="unit", how="left")
        absent = sorted({u for u in registered if self.who.sees_unit(u)} - set(df["unit"]))
        if absent:  # rows of zeros (the frame's own reindex: pandas is not imported by the store)
            df = df.set_index("unit").reindex([*df["unit"], *absent]).rename_axis("unit").reset_index()
        for c in ("projects", *STATES):
            df[c] = df[c].fillna(0).astype("int64")
        df["counted"] = df["counted"].fillna(0).astype("int64")
        return df.round({"mean_score": 2, "rate": 2}).sort_values("unit", ignore_index=True)

    # -- what waits for whom (the to-do lists of 总览 and the menu's counts) ---------------------------
    def todo(
        self, kind: str, year: str | int | None = None, unit: str | None = None, limit: int = 50
    ) -> pd.DataFrame:
        """Current forms in the principal's units that wait for someone, oldest first, at most `limit`:
        "returned" (退回, with the reviewer's comment), "draft" (not sent to review yet), "errors" (not
        sent or returned, with errors to fix or explain), "submitted" (待审核, since when). Each row:
        submission_id, project_code, project_name, year, unit, errors, total, state, comment, by
        (who returned it or sent it) and since (when that happened; the upload for a draft)."""
        where, params = filters(year, unit, self._units)
        return self._query(
            f"""SELECT f.submission_id, f.project_code, f.project_name, f.year, f.unit, f.errors, f.total,
                       {STATE_SQL} AS state, COALESCE(r.comment, '') AS comment,
                       COALESCE(r.updated_by, f.submitted_by) AS by,
                       COALESCE(r.updated_at, f.submitted_at) AS since
                FROM {self._projects} f LEFT JOIN review_states r ON r.submission_id = f.submission_id
                WHERE {where} AND {_TODO[kind]}
                ORDER BY since, f.unit, f.project_code, f.submission_id
                LIMIT {int(limit)}""",
            params,
        )

    def todo_counts(self, year: str | int | None = None, unit: str | None = None) -> dict[str, int]:
        """How many forms each to-do list of `todo` holds (counted in SQL, whatever the store's size)."""
        where, params = filters(year, unit, self._units)
        sums = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)" for cond in _TODO.values())
        row = self._rows(
            f"""SELECT {sums} FROM {self._projects} f
                LEFT JOIN review_states r ON r.submission_id = f.submission_id WHERE {where}""",
            params,
        )[0]
        return {kind: int(n or 0) for kind, n in zip(_TODO, row, strict=True)}

    def approved_scorecards(self, year: str | int | None = None, unit: str | None = None) -> list:
        """The scorecards of the latest approved version of each project (what `export --approved-only` writes)."""
        where, params = filters(year, unit, self._units)
        return self._scorecards(
            f"s.id IN (SELECT f.submission_id FROM approved_forms f WHERE {where})", params
        )

    def data_version(self) -> tuple[int, ...]:
        """The queries' cache key, plus the audit trail's length: a review step changes what pages
        show. One query (pages ask before every cached read, a few dozen times a run)."""
        return self._data_version(", (SELECT COALESCE(MAX(id), 0) FROM audit_events)")  # type: ignore[attr-defined]
