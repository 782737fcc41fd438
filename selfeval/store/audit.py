"""The review loop's tables and the audit trail's write-path hooks, apart from the review steps and
reads (selfeval/store/review.py) so that the schema and the writes can import them without the rest.

`audit_events` is only ever appended to, through `append_events` (nothing in the package updates,
deletes or truncates it: tests/test_audit_trail.py reads the source to keep it so): uploads, edits,
imports and restores record themselves through `record_versions`, called from the store's write path
in the same transaction; review steps, transfers and restores of the whole store through
`record_event`. Each event carries the hash of the one before it (`prev_hash`) and its own (`hash`,
over the previous hash and its fields): a chain per store that `selfeval verify` and every restore
check (selfeval/store/trail.py). SQL both backends accept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

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


# PostgreSQL also refuses TRUNCATE (its own privilege, which no row trigger sees): a statement trigger
# stops even the owner, and the app's role is never granted it (selfeval/store/grants.py).
AUDIT_NO_TRUNCATE_PG: tuple[str, ...] = (
    """
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC",
)

# ---------------------------------------------------------------------------------- the chain

GENESIS = ""  # prev_hash of a store's first event
EVENT_COLUMNS = (
    "id", "happened_at", "actor", "role", "action", "project_code", "year", "submission_id", "unit", "state",
    "comment",
)  # fmt: skip
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("happened_at", pa.timestamp("us")),
        ("actor", pa.string()),
        ("role", pa.string()),
        ("action", pa.string()),
        ("project_code", pa.string()),
        ("year", pa.string()),
        ("submission_id", pa.int64()),
        ("unit", pa.string()),
        ("state", pa.string()),
        ("comment", pa.string()),
        ("prev_hash", pa.string()),
        ("hash", pa.string()),
    ]
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    return value


def event_hash(prev_hash: str, event: Sequence[Any]) -> str:
    """sha256 of the previous event's hash and this event's fields (EVENT_COLUMNS, in order): change
    one field of one event, or drop or reorder one, and every link after it breaks."""
    payload = json.dumps(
        [prev_hash, *(_canonical(v) for v in event)], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_head(db: Db) -> tuple[int, str]:
    """(id, hash) of the store's last event; (0, GENESIS) when there is none."""
    rows = db.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
    return (int(rows[0][0]), rows[0][1] or GENESIS) if rows else (0, GENESIS)


def append_events(db: Db, events: Sequence[Sequence[Any]]) -> None:
    """Append events (EVENT_COLUMNS without the id) after the chain's head, each hashed with the one
    before: the only way anything enters audit_events (inside the writer's transaction and lock)."""
    if not events:
        return
    last_id, prev = chain_head(db)
    rows = []
    for n, event in enumerate(events, start=1):
        full = (last_id + n, *event)
        digest = event_hash(prev, full)
        rows.append((*full, prev, digest))
        prev = digest
    table = pa.Table.from_pylist(
        [dict(zip(EVENT_SCHEMA.names, r, strict=True)) for r in rows], schema=EVENT_SCHEMA
    )
    cols = ", ".join(EVENT_SCHEMA.names)
    with db.stage("_audit_new", table):
        db.execute(f"INSERT INTO audit_events ({cols}) SELECT {cols} FROM _audit_new")


def chain_existing(db: Db) -> None:
    """Migration: hash the events already stored, in id order (on PostgreSQL with the append-only
    trigger held off for this one transaction, which only the table's owner may do)."""
    rows = db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM audit_events ORDER BY id")
    if not rows:
        return
    prev, ids, prevs, hashes = GENESIS, [], [], []
    for row in rows:
        digest = event_hash(prev, row)
        ids.append(row[0])
        prevs.append(prev)
        hashes.append(digest)
        prev = digest
    staged = pa.table(
        {"id": ids, "p": prevs, "h": hashes},
        schema=pa.schema([("id", pa.int64()), ("p", pa.string()), ("h", pa.string())]),
    )
    if db.dialect == "postgres":
        db.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    with db.stage("_chain", staged):
        db.execute(
            "UPDATE audit_events SET prev_hash = v.p, hash = v.h FROM _chain v WHERE audit_events.id = v.id"
        )
    if db.dialect == "postgres":
        db.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


# ---------------------------------------------------------------------------------- write-path hooks


def record_versions(
    db: Db,
    who: Any,
    first_id: int,
    *,
    action: str | None = None,
    comment: str = "",
    stored: Sequence[tuple[int, str, str, str, str]] | None = None,
) -> None:
    """Audit every submission stored in this transaction (ids ≥ first_id): uploaded, edited or
    imported by its origin, or `action` (restore). `stored`: those submissions as (id, origin,
    project code, year, unit) in id order, when the writer has them at hand (a save's batch): then
    they are not read back."""
    rows = (
        stored
        if stored is not None
        else db.execute(
            """SELECT s.id, s.origin, s.project_code, s.year, COALESCE(f.unit, '')
               FROM submissions s LEFT JOIN forms f ON f.submission_id = s.id WHERE s.id >= ? ORDER BY s.id""",
            [int(first_id)],
        )
    )
    at = now()
    kinds = {"editor": "edit", "import": "import"}
    append_events(
        db,
        [
            (
                at,
                who.name,
                who.role,
                action or kinds.get(origin, "upload"),
                code,
                year,
                sid,
                unit,
                "draft",
                comment,
            )
            for sid, origin, code, year, unit in rows
        ],
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
    """Append one event (a review step, a transfer, a restore of the whole store) to the trail."""
    append_events(
        db,
        [(now(), who.name, who.role, action, project_code, str(year), submission_id, unit, state, comment)],
    )
