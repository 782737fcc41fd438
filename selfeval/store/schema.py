"""The schema, written once for both backends, and its migrations (append only).

A migration is a list of steps: SQL both backends accept, `PerBackend` SQL where they differ, or a
Python function given the open `Db` (for backfills). `migrate` applies the missing ones in order,
each in one transaction, and records them in `schema_version`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from selfeval.model import Loc
from selfeval.serialize import content_sha256, form_from_json
from selfeval.store import aggregates
from selfeval.store.audit import AUDIT_APPEND_ONLY_PG, AUDIT_NO_TRUNCATE_PG, REVIEW_DDL, chain_existing
from selfeval.store.errors import StoreError
from selfeval.store.sqlutil import Db, now
from selfeval.store.typed import refresh_typed_values

SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,
    description VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)"""

# The current form of a project and year is its latest submission (highest id). A form without a
# project code is its own project, so unreadable headers never hide each other.
CURRENT_FORMS_VIEW = """
CREATE VIEW current_forms AS
SELECT f.*, fu.annual_budget AS budget, fu.executed AS executed,
       s.submitted_at, s.submitted_by, s.origin, s.source_name, s.kind, s.profile
FROM forms f
JOIN submissions s ON s.id = f.submission_id
LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0
WHERE s.id IN (
    SELECT MAX(id) FROM submissions
    GROUP BY CASE WHEN project_code = '' THEN CAST(id AS VARCHAR) ELSE project_code END, year
)"""


@dataclass(frozen=True)
class PerBackend:
    """One step written per backend where their SQL differs (None: nothing to do there)."""

    duckdb: str | None = None
    postgres: str | None = None


Step = str | PerBackend | Callable[[Any], None]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    steps: tuple[Step, ...]


_V1 = (
    """
    CREATE TABLE submissions (
        id BIGINT PRIMARY KEY,
        source_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        size BIGINT,
        kind VARCHAR,
        sheet VARCHAR NOT NULL,
        submitted_at TIMESTAMP NOT NULL,
        submitted_by VARCHAR NOT NULL,
        profile VARCHAR,
        origin VARCHAR NOT NULL CHECK (origin IN ('upload', 'editor', 'import')),
        project_code VARCHAR NOT NULL,
        year VARCHAR NOT NULL,
        form_json VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE forms (
        submission_id BIGINT NOT NULL,
        source VARCHAR,
        sheet VARCHAR,
        project_code VARCHAR,
        project_name VARCHAR,
        year VARCHAR,
        unit VARCHAR,
        budget_unit VARCHAR,
        goal_expected VARCHAR,
        goal_achieved VARCHAR,
        declared_total_weight DOUBLE PRECISION,
        declared_total DOUBLE PRECISION,
        total DOUBLE PRECISION,
        grade VARCHAR,
        rate DOUBLE PRECISION,
        budget_weight DOUBLE PRECISION,
        budget_score DOUBLE PRECISION,
        errors INTEGER,
        warnings INTEGER
    )""",
    """
    CREATE TABLE funds (
        submission_id BIGINT NOT NULL,
        line_no INTEGER NOT NULL,
        label VARCHAR,
        money_unit VARCHAR,
        initial_budget DOUBLE PRECISION,
        annual_budget DOUBLE PRECISION,
        executed DOUBLE PRECISION,
        declared_weight DOUBLE PRECISION,
        declared_rate DOUBLE PRECISION,
        declared_score DOUBLE PRECISION,
        weight DOUBLE PRECISION,
        rate DOUBLE PRECISION,
        score DOUBLE PRECISION
    )""",
    """
    CREATE TABLE indicators (
        submission_id BIGINT NOT NULL,
        position INTEGER NOT NULL,
        level1 VARCHAR,
        level2 VARCHAR,
        name VARCHAR,
        target VARCHAR,
        actual VARCHAR,
        weight DOUBLE PRECISION,
        declared_score DOUBLE PRECISION,
        score DOUBLE PRECISION,
        rule VARCHAR,
        explanation VARCHAR,
        reason VARCHAR,
        band_low DOUBLE PRECISION,
        band_high DOUBLE PRECISION,
        location VARCHAR
    )""",
    """
    CREATE TABLE issues (
        submission_id BIGINT NOT NULL,
        position INTEGER NOT NULL,
        code VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        location VARCHAR,
        message VARCHAR
    )""",
    CURRENT_FORMS_VIEW,
)


def _backfill_typed_values(db: Db) -> None:
    refresh_typed_values(db)


_V2 = (
    "ALTER TABLE indicators ADD COLUMN target_value DOUBLE PRECISION",
    "ALTER TABLE indicators ADD COLUMN actual_value DOUBLE PRECISION",
    "ALTER TABLE indicators ADD COLUMN achievement DOUBLE PRECISION",
    _backfill_typed_values,
)


REHASH_BATCH = 5_000  # forms read and hashed at a time: memory bounded by the batch, not the store


def _rehash_content(db: Db) -> None:
    """content_hash of every stored submission computed again (as writes compute it now), a batch
    of ids at a time: the hash leaves whitespace inside text out from migration 11 on."""
    last = -1
    while rows := db.execute(
        f"SELECT id, form_json, profile FROM submissions WHERE id > ? ORDER BY id LIMIT {REHASH_BATCH}",
        [last],
    ):
        ids, values = [], []
        for sid, form_json, profile in rows:
            try:
                form = form_from_json(form_json)
            except (ValueError, KeyError, TypeError):  # a row no reader can load keeps the hash it has
                continue
            ids.append(sid)
            values.append(content_sha256(form, profile or ""))
        hashes = pa.table(
            {"id": ids, "h": values}, schema=pa.schema([("id", pa.int64()), ("h", pa.string())])
        )
        with db.stage("_hashes", hashes):
            db.execute("UPDATE submissions SET content_hash = v.h FROM _hashes v WHERE submissions.id = v.id")
        last = rows[-1][0]


def _backfill_content_hash(db: Db) -> None:
    """content_hash of every stored submission, from its form and profile (as writes compute it)."""
    rows = db.execute("SELECT id, form_json, profile FROM submissions WHERE content_hash IS NULL")
    if not rows:
        return
    hashes = pa.table(
        {"id": [r[0] for r in rows], "h": [content_sha256(form_from_json(r[1]), r[2] or "") for r in rows]},
        schema=pa.schema([("id", pa.int64()), ("h", pa.string())]),
    )
    with db.stage("_hashes", hashes):
        db.execute("UPDATE submissions SET content_hash = v.h FROM _hashes v WHERE submissions.id = v.id")


_V4 = (
    "ALTER TABLE submissions ADD COLUMN content_hash VARCHAR",
    _backfill_content_hash,
    """
    CREATE TABLE transfers (
        submission_id BIGINT NOT NULL,
        project_code VARCHAR NOT NULL,
        year VARCHAR NOT NULL,
        from_unit VARCHAR,
        to_unit VARCHAR,
        transferred_by VARCHAR NOT NULL,
        transferred_at TIMESTAMP NOT NULL
    )""",
    # PostgreSQL plans on indexes; DuckDB scans columns fast and its indexes slow bulk inserts down
    PerBackend(postgres="CREATE INDEX submissions_project ON submissions (project_code, year, id)"),
    PerBackend(postgres="CREATE INDEX submissions_file ON submissions (sha256, sheet, project_code)"),
    PerBackend(postgres="CREATE INDEX forms_submission ON forms (submission_id)"),
    PerBackend(postgres="CREATE INDEX funds_submission ON funds (submission_id, line_no)"),
    PerBackend(postgres="CREATE INDEX indicators_submission ON indicators (submission_id, position)"),
    PerBackend(postgres="CREATE INDEX issues_submission ON issues (submission_id, position)"),
)

# The current version as a flag kept by the writers (under their lock) instead of a MAX(id) per
# project computed on every query: pages read current forms by an index, flat in the history's size.
CURRENT_FORMS_FLAGGED = """
CREATE OR REPLACE VIEW current_forms AS
SELECT f.*, fu.annual_budget AS budget, fu.executed AS executed,
       s.submitted_at, s.submitted_by, s.origin, s.source_name, s.kind, s.profile
FROM forms f
JOIN submissions s ON s.id = f.submission_id
LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0
WHERE s.is_current"""

_V6 = (
    "ALTER TABLE submissions ADD COLUMN is_current BOOLEAN",
    """UPDATE submissions SET is_current = (project_code = '' OR id IN (
           SELECT MAX(id) FROM submissions WHERE project_code <> '' GROUP BY project_code, year))""",
    CURRENT_FORMS_FLAGGED,
    # one current version per project and year, enforced by the database itself
    PerBackend(
        postgres="""CREATE UNIQUE INDEX submissions_one_current ON submissions (project_code, year)
                    WHERE is_current AND project_code <> ''"""
    ),
    PerBackend(postgres="CREATE INDEX submissions_current ON submissions (id) WHERE is_current"),
)


def _backfill_issue_places(db: Db) -> None:
    """The place of every issue stored as text only, read back from the text Loc printed (`Sheet1!D20`,
    `Sheet1!第20行`); a file's name or a project code stays text (place_row NULL)."""
    rows = db.execute("SELECT submission_id, position, location FROM issues WHERE place_row IS NULL")
    places = [(sid, pos, loc) for sid, pos, text in rows if (loc := Loc.from_text(text or "")) is not None]
    if not places:
        return
    staged = pa.table(
        {
            "sid": [p[0] for p in places],
            "pos": [p[1] for p in places],
            "sheet": [p[2].sheet for p in places],
            "row": [p[2].row for p in places],
            "col": [p[2].col for p in places],
        },
        schema=pa.schema([("sid", I64), ("pos", I32), ("sheet", STR), ("row", I32), ("col", I32)]),
    )
    with db.stage("_places", staged):
        db.execute(
            """UPDATE issues SET place_sheet = v.sheet, place_row = v.row, place_col = v.col
               FROM _places v WHERE issues.submission_id = v.sid AND issues.position = v.pos"""
        )


# An issue keeps its place (sheet, 1-based row and column; row NULL: the place is a file's name or a
# project code, kept in `location`) and the parameters of its message (JSON).
_V7 = (
    "ALTER TABLE issues ADD COLUMN place_sheet VARCHAR",
    "ALTER TABLE issues ADD COLUMN place_row INTEGER",
    "ALTER TABLE issues ADD COLUMN place_col INTEGER",
    "ALTER TABLE issues ADD COLUMN params VARCHAR",
    _backfill_issue_places,
)

# The audit trail as a hash chain (selfeval/store/audit.py), the events already stored chained in id
# order; PostgreSQL refuses TRUNCATE as it refuses UPDATE and DELETE.
_V8 = (
    "ALTER TABLE audit_events ADD COLUMN prev_hash VARCHAR",
    "ALTER TABLE audit_events ADD COLUMN hash VARCHAR",
    chain_existing,
    *(PerBackend(postgres=sql) for sql in AUDIT_NO_TRUNCATE_PG),
)

# A form whose amounts would poison the organisation's figures (negative amounts, an implausible
# 执行率: selfeval.model.EXCLUDING) is kept and shown, but its amounts never reach a total or a rate:
# both views give NULL budget and executed for it, so every SUM and rate of every query skips it.
_COUNTED = """SELECT f.*, CASE WHEN f.excluded IS NULL THEN fu.annual_budget END AS budget,
       CASE WHEN f.excluded IS NULL THEN fu.executed END AS executed,
       s.submitted_at, s.submitted_by, s.origin, s.source_name, s.kind, s.profile
FROM forms f
JOIN submissions s ON s.id = f.submission_id
LEFT JOIN funds fu ON fu.submission_id = f.submission_id AND fu.line_no = 0"""
CURRENT_FORMS_COUNTED = f"""
CREATE VIEW current_forms AS
{_COUNTED}
WHERE s.is_current"""
APPROVED_FORMS_COUNTED = f"""
CREATE VIEW approved_forms AS
{_COUNTED}
WHERE s.id IN (
    SELECT MAX(s2.id) FROM submissions s2 JOIN review_states r ON r.submission_id = s2.id
    WHERE r.state = 'approved'
    GROUP BY CASE WHEN s2.project_code = '' THEN CAST(s2.id AS VARCHAR) ELSE s2.project_code END, s2.year
)"""

_V9 = (
    "DROP VIEW current_forms",
    "DROP VIEW approved_forms",
    "ALTER TABLE forms ADD COLUMN excluded VARCHAR",
    # forms stored before: the same two reasons, from their issues and their computed rate
    """UPDATE forms SET excluded = 'AMOUNT_NEGATIVE' WHERE submission_id IN (
           SELECT submission_id FROM issues WHERE code = 'AMOUNT_NEGATIVE')""",
    """UPDATE forms SET excluded = 'RATE_IMPLAUSIBLE' WHERE excluded IS NULL AND rate > 200""",
    # never graded: their budget score, total and grade were computed before the rule existed
    "UPDATE forms SET budget_score = NULL, total = NULL, grade = NULL WHERE excluded IS NOT NULL",
    CURRENT_FORMS_COUNTED,
    APPROVED_FORMS_COUNTED,
)

# 总览's first-run figures kept by the writers (selfeval/store/aggregates.py), computed once here
_V10 = (
    *aggregates.DDL,
    *(PerBackend(postgres=sql) for sql in aggregates.PG_INDEXES),
    aggregates.rebuild,
)

# the four-eyes rule asks who made a version at every approve; 审核记录 reads a project's events
_V12 = (
    PerBackend(postgres="CREATE INDEX audit_events_submission ON audit_events (submission_id)"),
    PerBackend(postgres="CREATE INDEX audit_events_project ON audit_events (project_code, year, id)"),
)

# Append only: never edit a migration that has shipped; add the next one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "submissions, forms, funds, indicators, issues; view current_forms", _V1),
    Migration(2, "indicators: typed target_value, actual_value, achievement", _V2),
    Migration(3, "review: review_states, audit_events, review_deadlines; view approved_forms", REVIEW_DDL),
    Migration(4, "submissions.content_hash; transfers (project moved to another unit); indexes", _V4),
    Migration(
        5,
        "audit_events append-only on PostgreSQL (a trigger refuses UPDATE and DELETE)",
        tuple(PerBackend(postgres=sql) for sql in AUDIT_APPEND_ONLY_PG),
    ),
    Migration(6, "submissions.is_current kept by the writers; current_forms reads it", _V6),
    Migration(7, "issues: place_sheet, place_row, place_col and params (issues as data)", _V7),
    Migration(
        8,
        "audit_events chained (prev_hash, hash; existing events in id order); PostgreSQL refuses TRUNCATE",
        _V8,
    ),
    Migration(9, "forms.excluded: negative amounts or an implausible rate never reach a total or rate", _V9),
    Migration(
        10, "agg_units, agg_lost, agg_outliers, agg_projects: 总览's figures kept by the writers", _V10
    ),
    Migration(
        11, "submissions.content_hash again: whitespace inside text is not content", (_rehash_content,)
    ),
    Migration(12, "audit_events indexed by version and by project on PostgreSQL", _V12),
)


LATEST_VERSION = MIGRATIONS[-1].version

# Columns the code writes today (after every migration), with their Arrow types.
F64, I64, I32, STR, TS = pa.float64(), pa.int64(), pa.int32(), pa.string(), pa.timestamp("us")
COLUMNS: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "submissions": (
        ("id", I64),
        ("source_name", STR),
        ("sha256", STR),
        ("size", I64),
        ("kind", STR),
        ("sheet", STR),
        ("submitted_at", TS),
        ("submitted_by", STR),
        ("profile", STR),
        ("origin", STR),
        ("project_code", STR),
        ("year", STR),
        ("form_json", STR),
        ("content_hash", STR),
        ("is_current", pa.bool_()),
    ),
    "forms": (
        ("submission_id", I64),
        ("source", STR),
        ("sheet", STR),
        ("project_code", STR),
        ("project_name", STR),
        ("year", STR),
        ("unit", STR),
        ("budget_unit", STR),
        ("goal_expected", STR),
        ("goal_achieved", STR),
        ("declared_total_weight", F64),
        ("declared_total", F64),
        ("total", F64),
        ("grade", STR),
        ("rate", F64),
        ("budget_weight", F64),
        ("budget_score", F64),
        ("errors", I32),
        ("warnings", I32),
        ("excluded", STR),
    ),
    "funds": (
        ("submission_id", I64),
        ("line_no", I32),
        ("label", STR),
        ("money_unit", STR),
        ("initial_budget", F64),
        ("annual_budget", F64),
        ("executed", F64),
        ("declared_weight", F64),
        ("declared_rate", F64),
        ("declared_score", F64),
        ("weight", F64),
        ("rate", F64),
        ("score", F64),
    ),
    "indicators": (
        ("submission_id", I64),
        ("position", I32),
        ("level1", STR),
        ("level2", STR),
        ("name", STR),
        ("target", STR),
        ("actual", STR),
        ("weight", F64),
        ("declared_score", F64),
        ("score", F64),
        ("rule", STR),
        ("explanation", STR),
        ("reason", STR),
        ("band_low", F64),
        ("band_high", F64),
        ("location", STR),
        ("target_value", F64),
        ("actual_value", F64),
        ("achievement", F64),
    ),
    "issues": (
        ("submission_id", I64),
        ("position", I32),
        ("code", STR),
        ("severity", STR),
        ("location", STR),
        ("message", STR),
        ("place_sheet", STR),
        ("place_row", I32),
        ("place_col", I32),
        ("params", STR),
    ),
    "transfers": (
        ("submission_id", I64),
        ("project_code", STR),
        ("year", STR),
        ("from_unit", STR),
        ("to_unit", STR),
        ("transferred_by", STR),
        ("transferred_at", TS),
    ),
}
# the tables of one submission, in insert order (restore_version copies these)
TABLES: tuple[str, ...] = ("submissions", "forms", "funds", "indicators", "issues")
ALL_WRITTEN: tuple[str, ...] = (*TABLES, "transfers")  # every table a save may write
SCHEMAS = {t: pa.schema(list(cols)) for t, cols in COLUMNS.items()}


def _has_schema_version(db: Db) -> bool:
    """Whether the table exists, asked without creating anything (the app's role on PostgreSQL may
    not create tables) and without needing a privilege on it (to_regclass sees every table)."""
    if db.dialect == "postgres":
        return bool(db.execute("SELECT to_regclass('schema_version') IS NOT NULL")[0][0])
    return bool(
        db.execute(
            """SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_version'
               AND table_schema = current_schema() AND table_catalog = current_database()"""
        )[0][0]
    )


def schema_version(db: Db) -> int:
    """The version recorded in the database (0 for a new one)."""
    if not _has_schema_version(db):
        return 0
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]


def _run_step(db: Db, step: Step) -> None:
    if isinstance(step, PerBackend):
        sql = getattr(step, db.dialect)
        if sql:
            db.execute(sql)
    elif isinstance(step, str):
        db.execute(step)
    else:
        step(db)


def migrate(db: Db, upto: int | None = None, *, nested: bool = False) -> int:
    """Apply the missing migrations in order, each in its own transaction (or all inside the
    caller's when `nested`, as a restore does); return the version reached."""
    current = schema_version(db)
    latest = MIGRATIONS[-1].version
    if current > latest:
        raise StoreError(f"数据库结构版本 {current} 比本程序支持的 {latest} 新，请升级 selfeval。")
    if current < latest and (upto is None or current < upto) and not _has_schema_version(db):
        db.execute(SCHEMA_VERSION_DDL)
    for m in MIGRATIONS:
        if m.version <= current or (upto is not None and m.version > upto):
            continue
        with contextlib.nullcontext() if nested else db.transaction():
            for step in m.steps:
                _run_step(db, step)
            db.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                [m.version, m.description, now()],
            )
        current = m.version
    return current
