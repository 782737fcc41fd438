"""The review loop's tables and the audit trail's write-path hooks, apart from the review steps and
reads (selfeval/store/review.py) so that the schema and the writes can import them without the rest.

`audit_events` is only ever inserted into: uploads, edits, imports and restores record themselves
through `record_versions`, called from the store's write path in the same transaction; review steps
and transfers through `record_event`. SQL both backends accept.
"""

from __future__ import annotations

from typing import Any

from selfeval.store.sqlutil import Db, now

# a version's review state in SQL (no row in review_states: 草稿), over `review_states r`
STATE_SQL = "COALESCE(r.state, 'draft')"
REVIEW_TABLES: tuple[str, ...] = ("review_states", "audit_events", "review_deadlines")
REVIEW_VIEWS: tuple[str, ...] = ("approved_forms",)

# The latest approved version of each project and year: the figures leaders count as final.
APPROVED_FORMS_VIEW = """
CREATE VIEW approved_forms AS
SELECT f.*, fu.annual_budget AS budget, fu.executed AS executed,
       s.submitted_at, s.submitted_by, s.origin, s.source_name, s.kind, s.profile
FROM forms f
JOIN submissions s ON s.id = f.submission_id
LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0
WHERE s.id IN (
    SELECT MAX(s2.id) FROM submissions s2 JOIN review_states r ON r.submission_id = s2.id
    WHERE r.state = 'approved'
    GROUP BY CASE WHEN s2.project_code = '' THEN CAST(s2.id AS VARCHAR) ELSE s2.project_code END, s2.year
)"""

REVIEW_DDL: tuple[str, ...] = (
    """
    CREATE TABLE review_states (
        submission_id BIGINT PRIMARY KEY,
        state VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
        explanation VARCHAR NOT NULL,
        comment VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE audit_events (
        id BIGINT PRIMARY KEY,
        happened_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        project_code VARCHAR NOT NULL,
        year VARCHAR NOT NULL,
        submission_id BIGINT,
        unit VARCHAR NOT NULL,
        state VARCHAR,
        comment VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE review_deadlines (
        year VARCHAR PRIMARY KEY,
        deadline DATE NOT NULL,
        set_by VARCHAR NOT NULL,
        set_at TIMESTAMP NOT NULL
    )""",
    APPROVED_FORMS_VIEW,
)

# PostgreSQL refuses to change or delete an audit event (DuckDB has no triggers: there the store's
# code only ever inserts, which tests/test_review_store.py checks). Restores drop and rebuild tables,
# which a row trigger does not see.
AUDIT_APPEND_ONLY_PG: tuple[str, ...] = (
    """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '审核记录只能追加，不能修改或删除';
    END
    $$""",
    """
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
)


# ---------------------------------------------------------------------------------- write-path hooks


def _next_event_id(db: Db) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_events")[0][0]


def record_versions(db: Db, who: Any, first_id: int, *, action: str | None = None, comment: str = "") -> None:
    """Audit every submission stored in this transaction (ids ≥ first_id): uploaded, edited or
    imported by its origin, or `action` (restore). One statement however many forms an import holds."""
    base = _next_event_id(db) - 1
    kind = (
        "CASE s.origin WHEN 'editor' THEN 'edit' WHEN 'import' THEN 'import' ELSE 'upload' END"
        if action is None
        else "?"
    )
    params: list[Any] = [base, now(), who.name, who.role] + ([] if action is None else [action])
    db.execute(
        f"""INSERT INTO audit_events
                (id, happened_at, actor, role, action, project_code, year, submission_id, unit, state, comment)
            SELECT ? + ROW_NUMBER() OVER (ORDER BY s.id), ?, ?, ?, {kind}, s.project_code, s.year, s.id,
                   COALESCE(f.unit, ''), 'draft', ?
            FROM submissions s LEFT JOIN forms f ON f.submission_id = s.id
            WHERE s.id >= ?""",
        [*params, comment, int(first_id)],
    )


def record_event(
    db: Db,
    who: Any,
    action: str,
    *,
    project_code: str,
    year: str,
    submission_id: int | None,
    unit: str,
    state: str | None = None,
    comment: str = "",
) -> None:
    """Append one event (a review step, a transfer) to the audit trail."""
    db.execute(
        """INSERT INTO audit_events
               (id, happened_at, actor, role, action, project_code, year, submission_id, unit, state, comment)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            _next_event_id(db),
            now(),
            who.name,
            who.role,
            action,
            project_code,
            str(year),
            submission_id,
            unit,
            state,
            comment,
        ],
    )
