"""The store: every submission kept in one DuckDB file, the latest one current, queries as DataFrames.

Writes go through one lock and one transaction per `save` (all its forms and issues, or nothing),
as bulk inserts of Arrow tables. Reads take a fresh cursor per call, so Streamlit's script threads
never share a busy connection. The schema is created and upgraded by `MIGRATIONS`, recorded in
`schema_version`. The SQL sticks to plain types and standard statements where that costs nothing,
and pages depend only on the `StoreBackend` protocol, so a PostgreSQL backend can follow.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from selfeval.model import Form, Indicator, IndicatorScore, Issue, Scorecard
from selfeval.serialize import content_sha256, form_from_json, form_to_json

try:  # typed target/actual values; the store works (with null typed columns) without them
    from selfeval import values as _values
except ModuleNotFoundError as exc:  # pragma: no cover - only while values.py does not exist
    if exc.name != "selfeval.values":
        raise
    _values = None

Origin = Literal["upload", "editor", "import"]
ORIGINS: tuple[str, ...] = ("upload", "editor", "import")
GRADES: tuple[str, ...] = ("优", "良", "中", "差")
# the label of the budget-execution row that points_lost adds beside the indicator levels
BUDGET_LEVEL1 = "预算执行"
BUDGET_LEVEL2 = "预算执行率"

LOCKED_MESSAGE = (
    "数据库文件正被另一个进程（通常是正在运行的应用）占用：{path}。请先关闭应用，或用 --db 指定另一个文件。"
)


class StoreError(RuntimeError):
    """A store problem worth showing to the user as it is (Chinese message)."""


class StoreLocked(StoreError):
    """The DuckDB file is held by another process (usually the running app)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        super().__init__(LOCKED_MESSAGE.format(path=self.path))


@dataclass(frozen=True)
class Duplicate:
    """A form whose identical content is already stored."""

    project_code: str
    project_name: str
    existing_id: int
    sheet: str = ""


@dataclass(frozen=True)
class SaveResult:
    stored: tuple[int, ...]  # new submission ids, in the order of the scorecards given
    duplicates: tuple[Duplicate, ...]
    new_versions: tuple[int, ...] = ()  # stored ids that replaced an earlier version of their project/year


@dataclass(frozen=True)
class Upload:
    """One file's scorecards and where they came from: the unit of Store.save_many."""

    scorecards: tuple[Scorecard, ...]
    source_name: str
    data: bytes | None
    kind: str
    origin: Origin
    submitted_by: str = ""


# ---------------------------------------------------------------------------------------------------
# schema and migrations

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


def _backfill_typed_values(cur: Any) -> None:
    refresh_typed_values(cur)


_V2 = (
    "ALTER TABLE indicators ADD COLUMN target_value DOUBLE PRECISION",
    "ALTER TABLE indicators ADD COLUMN actual_value DOUBLE PRECISION",
    "ALTER TABLE indicators ADD COLUMN achievement DOUBLE PRECISION",
    _backfill_typed_values,
)

Step = str | Callable[[Any], None]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    steps: tuple[Step, ...]


# Append only: never edit a migration that has shipped; add the next one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "submissions, forms, funds, indicators, issues; view current_forms", _V1),
    Migration(2, "indicators: typed target_value, actual_value, achievement", _V2),
)
LATEST_VERSION = MIGRATIONS[-1].version

# Columns the code writes today (after every migration), with their Arrow types.
_F64, _I64, _I32, _STR, _TS = pa.float64(), pa.int64(), pa.int32(), pa.string(), pa.timestamp("us")
COLUMNS: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "submissions": (
        ("id", _I64),
        ("source_name", _STR),
        ("sha256", _STR),
        ("size", _I64),
        ("kind", _STR),
        ("sheet", _STR),
        ("submitted_at", _TS),
        ("submitted_by", _STR),
        ("profile", _STR),
        ("origin", _STR),
        ("project_code", _STR),
        ("year", _STR),
        ("form_json", _STR),
    ),
    "forms": (
        ("submission_id", _I64),
        ("source", _STR),
        ("sheet", _STR),
        ("project_code", _STR),
        ("project_name", _STR),
        ("year", _STR),
        ("unit", _STR),
        ("budget_unit", _STR),
        ("goal_expected", _STR),
        ("goal_achieved", _STR),
        ("declared_total_weight", _F64),
        ("declared_total", _F64),
        ("total", _F64),
        ("grade", _STR),
        ("rate", _F64),
        ("budget_weight", _F64),
        ("budget_score", _F64),
        ("errors", _I32),
        ("warnings", _I32),
    ),
    "funds": (
        ("submission_id", _I64),
        ("line_no", _I32),
        ("label", _STR),
        ("money_unit", _STR),
        ("initial_budget", _F64),
        ("annual_budget", _F64),
        ("executed", _F64),
        ("declared_weight", _F64),
        ("declared_rate", _F64),
        ("declared_score", _F64),
        ("weight", _F64),
        ("rate", _F64),
        ("score", _F64),
    ),
    "indicators": (
        ("submission_id", _I64),
        ("position", _I32),
        ("level1", _STR),
        ("level2", _STR),
        ("name", _STR),
        ("target", _STR),
        ("actual", _STR),
        ("weight", _F64),
        ("declared_score", _F64),
        ("score", _F64),
        ("rule", _STR),
        ("explanation", _STR),
        ("reason", _STR),
        ("band_low", _F64),
        ("band_high", _F64),
        ("location", _STR),
        ("target_value", _F64),
        ("actual_value", _F64),
        ("achievement", _F64),
    ),
    "issues": (
        ("submission_id", _I64),
        ("position", _I32),
        ("code", _STR),
        ("severity", _STR),
        ("location", _STR),
        ("message", _STR),
    ),
}
TABLES: tuple[str, ...] = tuple(COLUMNS)  # in insert order
_SCHEMAS = {t: pa.schema(list(cols)) for t, cols in COLUMNS.items()}


def _one(con: Any, sql: str, params: Sequence[Any] = ()) -> tuple | None:
    """The first row of a query, fetching the whole result: duckdb 2.0 results own the connection
    until fully fetched, so a bare fetchone() would block the next statement."""
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


def _rollback(con: Any) -> None:
    """Undo the open transaction; a failing rollback must not hide the error that caused it."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def schema_version(con: Any) -> int:
    """The version recorded in the file (0 for a new file)."""
    con.execute(SCHEMA_VERSION_DDL)
    return _one(con, "SELECT COALESCE(MAX(version), 0) FROM schema_version")[0]


def migrate(con: Any, upto: int | None = None) -> int:
    """Apply the missing migrations in order, each in its own transaction; return the version reached."""
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise StoreError(f"数据库结构版本 {current} 比本程序支持的 {LATEST_VERSION} 新，请升级 selfeval。")
    for m in MIGRATIONS:
        if m.version <= current or (upto is not None and m.version > upto):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for step in m.steps:
                if isinstance(step, str):
                    con.execute(step)
                else:
                    step(con)
            con.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                [m.version, m.description, _now()],
            )
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        current = m.version
    return current


# ---------------------------------------------------------------------------------------------------
# typed target/actual values


def _year_int(year: str) -> int | None:
    return int(year) if year.isdigit() and len(year) == 4 else None


def typed_values(target: str, actual: str, rule: str | None, year: int | None) -> tuple[float | None, ...]:
    """(target_value, actual_value, achievement) of one row; achievement = actual / target only for
    rows the rules scored as positive quantitative (rule "positive.*") with a target above 0."""
    if _values is None:
        return (None, None, None)
    tv = _parsed_number(target or "", "target", year)
    av = _parsed_number(actual or "", "actual", year)
    achievement = None
    if rule and rule.startswith("positive") and tv is not None and av is not None and tv > 0:
        achievement = av / tv
    return (tv, av, achievement)


@functools.lru_cache(maxsize=8192)
def _parsed_number(text: str, role: str, year: int | None) -> float | None:
    """The number of a cell (base units: 元, percent as 93.97), None for dates, words and the like.
    Cached: the same target texts (">90%", "100%") recur across thousands of forms."""
    try:
        measure = _values.parse(text, role, year)
    except Exception:  # a parser bug must not block storing a submission
        return None
    value = getattr(measure, "value", None)
    if getattr(measure, "kind", None) != "number" or isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


def refresh_typed_values(con: Any, only_missing: bool = True) -> int:
    """Recompute target_value/actual_value/achievement from the stored text (e.g. after the value
    parser improved, or when upgrading a file); returns the number of rows updated."""
    if _values is None:
        return 0
    where = "WHERE i.target_value IS NULL AND i.actual_value IS NULL" if only_missing else ""
    rows = con.execute(
        f"""SELECT i.submission_id, i.position, i.target, i.actual, i.rule, s.year
            FROM indicators i JOIN submissions s ON s.id = i.submission_id {where}"""
    ).fetchall()
    if not rows:
        return 0
    cols: dict[str, list] = {k: [] for k in ("sid", "pos", "tv", "av", "ach")}
    for sid, pos, target, actual, rule, year in rows:
        tv, av, ach = typed_values(target, actual, rule, _year_int(year or ""))
        if only_missing and tv is None and av is None:
            continue
        for k, v in zip(cols, (sid, pos, tv, av, ach), strict=True):
            cols[k].append(v)
    if not cols["sid"]:
        return 0
    staged = pa.table(
        cols, schema=pa.schema([("sid", _I64), ("pos", _I32), ("tv", _F64), ("av", _F64), ("ach", _F64)])
    )
    con.register("_typed_values", staged)
    try:
        con.execute(
            """UPDATE indicators SET target_value = v.tv, actual_value = v.av, achievement = v.ach
               FROM _typed_values v WHERE indicators.submission_id = v.sid AND indicators.position = v.pos"""
        )
    finally:
        con.unregister("_typed_values")
    return len(cols["sid"])


# ---------------------------------------------------------------------------------------------------
# turning scorecards into rows


def _now() -> datetime:
    """UTC, without a zone (TIMESTAMP): the store keeps UTC; pages convert for display."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class _Prepared:
    """One scorecard as table rows, before its submission id is known."""

    sc: Scorecard
    sha256: str
    size: int
    form_json: str
    rows: dict[str, list[dict[str, Any]]]

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two submissions the same content: hash, sheet, project code."""
        form = self.sc.form
        return (self.sha256, form.sheet, form.header.project_code)


def _prepare(sc: Scorecard, file_sha: str | None, file_size: int | None) -> _Prepared:
    form = sc.form
    h, f = form.header, form.funds
    form_json = form_to_json(form)
    if file_sha is None:
        encoded = form_json.encode("utf-8")
        sha, size = hashlib.sha256(encoded).hexdigest(), len(encoded)
    else:
        sha, size = file_sha, file_size or 0
    issues = list(sc.issues)
    seen = set(issues)
    issues += [i for i in form.issues if i not in seen]  # reading issues the rules did not repeat
    year = _year_int(h.year)
    form_row = {
        "source": form.source,
        "sheet": form.sheet,
        "project_code": h.project_code,
        "project_name": h.project_name,
        "year": h.year,
        "unit": h.unit,
        "budget_unit": h.budget_unit,
        "goal_expected": form.goals.expected,
        "goal_achieved": form.goals.achieved,
        "declared_total_weight": form.declared_total_weight,
        "declared_total": form.declared_total,
        "total": sc.total,
        "grade": sc.grade,
        "rate": sc.rate,
        "budget_weight": sc.budget_weight,
        "budget_score": sc.budget_score,
        "errors": sum(1 for i in issues if i.severity == "error"),
        "warnings": sum(1 for i in issues if i.severity == "warning"),
    }
    funds_rows = []
    for line_no, line in enumerate((f.total, *f.parts)):
        total_line = line_no == 0
        funds_rows.append(
            {
                "line_no": line_no,
                "label": line.label,
                "money_unit": f.money_unit,
                "initial_budget": line.initial_budget,
                "annual_budget": line.annual_budget,
                "executed": line.executed,
                "declared_weight": f.declared_weight if total_line else None,
                "declared_rate": f.declared_rate if total_line else None,
                "declared_score": f.declared_score if total_line else None,
                "weight": sc.budget_weight if total_line else None,
                "rate": sc.rate if total_line else None,
                "score": sc.budget_score if total_line else None,
            }
        )
    indicator_rows = []
    for pos, s in enumerate(sc.indicators):
        ind = s.indicator
        tv, av, ach = (
            (None, None, None) if ind.not_applicable else typed_values(ind.target, ind.actual, s.rule, year)
        )
        indicator_rows.append(
            {
                "position": pos,
                "level1": ind.level1,
                "level2": ind.level2,
                "name": ind.name,
                "target": ind.target,
                "actual": ind.actual,
                "weight": ind.weight,
                "declared_score": ind.declared_score,
                "score": s.score,
                "rule": s.rule,
                "explanation": s.explanation,
                "reason": ind.reason,
                "band_low": s.band[0] if s.band else None,
                "band_high": s.band[1] if s.band else None,
                "location": str(ind.loc) if ind.loc is not None else "",
                "target_value": tv,
                "actual_value": av,
                "achievement": ach,
            }
        )
    issue_rows = [
        {
            "position": pos,
            "code": i.code,
            "severity": i.severity,
            "location": i.location,
            "message": i.message,
        }
        for pos, i in enumerate(issues)
    ]
    return _Prepared(
        sc,
        sha,
        size,
        form_json,
        {"forms": [form_row], "funds": funds_rows, "indicators": indicator_rows, "issues": issue_rows},
    )


@dataclass
class _Batch:
    """The rows one transaction will insert; duplicates are also recognised within the batch."""

    ids: Iterator[int]
    now: datetime
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    project_years: set[tuple[str, str]] = field(default_factory=set)

    def add(
        self, u: Upload, prepared: list[_Prepared], existing: dict[int, int], versioned: set[int], offset: int
    ) -> SaveResult:
        stored: list[int] = []
        new_versions: list[int] = []
        duplicates: list[Duplicate] = []
        for n, p in enumerate(prepared):
            i = offset + n
            h = p.sc.form.header
            earlier = existing.get(i, self.seen.get(p.key))
            if earlier is not None:
                duplicates.append(Duplicate(h.project_code, h.project_name, earlier, p.sc.form.sheet))
                continue
            sid = next(self.ids)
            self.seen[p.key] = sid
            stored.append(sid)
            if h.project_code and (i in versioned or (h.project_code, h.year) in self.project_years):
                new_versions.append(sid)
            if h.project_code:
                self.project_years.add((h.project_code, h.year))
            self.tables["submissions"].append(
                {
                    "id": sid,
                    "source_name": u.source_name,
                    "sha256": p.sha256,
                    "size": p.size,
                    "kind": u.kind,
                    "sheet": p.sc.form.sheet,
                    "submitted_at": self.now,
                    "submitted_by": u.submitted_by,
                    "profile": p.sc.profile,
                    "origin": u.origin,
                    "project_code": h.project_code,
                    "year": h.year,
                    "form_json": p.form_json,
                }
            )
            for table, rows in p.rows.items():
                self.tables[table].extend({"submission_id": sid, **row} for row in rows)
        return SaveResult(tuple(stored), tuple(duplicates), tuple(new_versions))


def _indicator_score(form: Form, row: tuple) -> IndicatorScore:
    """An IndicatorScore from a stored row; the Indicator is the form's own (with its cell locations)
    when the row matches one, else rebuilt from the row (the rules may have changed it)."""
    level1, level2, name, target, actual, weight, declared, reason, score, rule, explanation, lo, hi = row
    rebuilt = Indicator(level1, level2, name, target, actual, weight, declared, reason or "")
    indicator = next((ind for ind in form.indicators if ind == rebuilt), None)
    if indicator is None:
        same_row = next(
            (
                i
                for i in form.indicators
                if (i.level1, i.level2, i.name, i.target, i.actual) == _row_key(rebuilt)
            ),
            None,
        )
        indicator = replace(rebuilt, loc=same_row.loc, cells=same_row.cells) if same_row else rebuilt
    band = (lo, hi) if lo is not None and hi is not None else None
    return IndicatorScore(indicator, score, rule or "", explanation or "", band)


def _row_key(ind: Indicator) -> tuple[str, str, str, str, str]:
    return (ind.level1, ind.level2, ind.name, ind.target, ind.actual)


# ---------------------------------------------------------------------------------------------------
# the interface pages and the CLI use


class StoreBackend(Protocol):
    """What the pages and the CLI need from a store. `Store` (DuckDB) implements it; a PostgreSQL
    backend would implement the same methods."""

    def save(
        self,
        scorecards: Iterable[Scorecard],
        *,
        source_name: str,
        data: bytes | None,
        kind: str,
        origin: Origin,
        submitted_by: str = "",
    ) -> SaveResult: ...

    def restore_version(self, submission_id: int, *, submitted_by: str = "") -> int: ...
    def load_form(self, submission_id: int) -> Form: ...
    def load_scorecard(self, submission_id: int) -> Scorecard: ...

    def current_scorecards(
        self, year: str | int | None = None, unit: str | None = None
    ) -> list[Scorecard]: ...

    def is_empty(self) -> bool: ...
    def portfolio_summary(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame: ...
    def project_scores(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame: ...
    def points_lost(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame: ...

    def target_outliers(
        self, year: str | int | None = None, unit: str | None = None, over: float = 1.5
    ) -> pd.DataFrame: ...

    def project_history(self, project_code: str, year: str | int) -> pd.DataFrame: ...
    def form_issues(self, submission_id: int) -> pd.DataFrame: ...
    def form_indicators(self, submission_id: int) -> pd.DataFrame: ...
    def years(self) -> list[str]: ...
    def units(self) -> list[str]: ...
    def data_version(self) -> tuple[int, int]: ...
    def save_many(self, uploads: Sequence[Upload]) -> list[SaveResult]: ...
    def current_submission_ids(self) -> list[int]: ...
    def export_database(self, directory: str | Path) -> None: ...
    def import_database(self, directory: str | Path, *, replace: bool = False) -> None: ...
    def close(self) -> None: ...


# one writer lock per database file, shared by every Store of this process on that file
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: str) -> threading.Lock:
    if path == ":memory:":
        return threading.Lock()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.Lock())


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(path) from exc
        raise


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _filters(year: str | int | None, unit: str | None, alias: str = "f") -> tuple[str, list[Any]]:
    clauses, params = [], []
    if year is not None:
        clauses.append(f"{alias}.year = ?")
        params.append(str(year))
    if unit is not None:
        clauses.append(f"{alias}.unit = ?")
        params.append(unit)
    return (" AND ".join(clauses) or "TRUE"), params


class Store:
    """The embedded store (DuckDB): one file, one writer, a cursor per read."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path) if str(path) == ":memory:" else str(Path(path).resolve())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._con = _connect(self.path)
        self._lock = _write_lock(self.path)
        with self._lock:
            cur = self._con.cursor()
            try:
                self.version = migrate(cur)
            finally:
                cur.close()

    # -- plumbing ------------------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query on its own cursor, as a DataFrame (via Arrow: three times faster than .df() on
        wide results with many strings, same dtypes)."""
        cur = self._con.cursor()
        try:
            return cur.sql(sql, params=list(params) or None).to_arrow_table().to_pandas()
        finally:
            cur.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    def _insert_rows(self, cur: Any, table: str, rows: list[dict[str, Any]]) -> None:
        """One bulk INSERT of many rows (an Arrow table), never a statement per row."""
        if not rows:
            return
        staged = pa.Table.from_pylist(rows, schema=_SCHEMAS[table])
        name = f"_staged_{table}"
        cols = ", ".join(c for c, _ in COLUMNS[table])
        cur.register(name, staged)
        try:
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
        finally:
            cur.unregister(name)

    # -- writes --------------------------------------------------------------------------------------
    def save(
        self,
        scorecards: Iterable[Scorecard],
        *,
        source_name: str,
        data: bytes | None,
        kind: str,
        origin: Origin,
        submitted_by: str = "",
    ) -> SaveResult:
        """Store the scorecards of one upload (or editor save, or import) in one transaction.

        Identical content already stored (same sha256 of the file's bytes — or of the form's canonical
        JSON when there are no bytes — same sheet, same project code), or a form whose content equals
        its project's current version (the same form in another file or layout), is reported as a
        duplicate and not written; a changed one for the same project and year becomes its new
        current version.
        """
        return self.save_many([Upload(tuple(scorecards), source_name, data, kind, origin, submitted_by)])[0]

    def save_many(self, uploads: Sequence[Upload]) -> list[SaveResult]:
        """Store several uploads in one transaction (all of them or none): a batch import or a
        multi-file upload pays one commit instead of one per file. One SaveResult per upload."""
        for u in uploads:
            if u.origin not in ORIGINS:
                raise ValueError(f"origin must be one of {ORIGINS}, not {u.origin!r}")
        prepared: list[list[_Prepared]] = []
        for u in uploads:
            file_sha = hashlib.sha256(u.data).hexdigest() if u.data is not None else None
            size = len(u.data) if u.data is not None else None
            prepared.append([_prepare(sc, file_sha, size) for sc in u.scorecards])
        flat = [p for group in prepared for p in group]
        if not flat:
            return [SaveResult((), ()) for _ in uploads]
        keys = pa.table(
            {
                "i": list(range(len(flat))),
                "sha256": [p.sha256 for p in flat],
                "sheet": [p.sc.form.sheet for p in flat],
                "project_code": [p.sc.form.header.project_code for p in flat],
                "year": [p.sc.form.header.year for p in flat],
            },
            schema=pa.schema(
                [("i", _I64), ("sha256", _STR), ("sheet", _STR), ("project_code", _STR), ("year", _STR)]
            ),
        )
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.register("_keys", keys)
                try:
                    existing = dict(
                        cur.execute(
                            """SELECT k.i, MAX(s.id) FROM _keys k JOIN submissions s
                               ON s.sha256 = k.sha256 AND s.sheet = k.sheet AND s.project_code = k.project_code
                               GROUP BY k.i"""
                        ).fetchall()
                    )
                    versioned = {
                        i
                        for (i,) in cur.execute(
                            """SELECT DISTINCT k.i FROM _keys k JOIN submissions s
                               ON s.project_code = k.project_code AND s.year = k.year
                               WHERE k.project_code <> ''"""
                        ).fetchall()
                    }
                    # the same form in another file (re-exported, other layout): not a new version
                    current = cur.execute(
                        """SELECT k.i, s.id, s.form_json, s.profile FROM _keys k JOIN submissions s
                           ON s.project_code = k.project_code AND s.year = k.year
                           WHERE k.project_code <> '' AND s.id = (
                               SELECT MAX(s2.id) FROM submissions s2
                               WHERE s2.project_code = s.project_code AND s2.year = s.year)"""
                    ).fetchall()
                finally:
                    cur.unregister("_keys")
                for i, sid, form_json, profile in current:
                    p = flat[i]
                    if i not in existing and content_sha256(
                        form_from_json(form_json), profile
                    ) == content_sha256(p.sc.form, p.sc.profile):
                        existing[i] = sid
                cur.execute("BEGIN TRANSACTION")
                try:
                    next_id = _one(cur, "SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0]
                    batch = _Batch(itertools.count(next_id), _now())
                    offset = 0
                    results = []
                    for u, group in zip(uploads, prepared, strict=True):
                        results.append(batch.add(u, group, existing, versioned, offset))
                        offset += len(group)
                    for table in TABLES:
                        self._insert_rows(cur, table, batch.tables[table])
                    cur.execute("COMMIT")
                except BaseException:
                    _rollback(cur)
                    raise
            finally:
                cur.close()
        return results

    def restore_version(self, submission_id: int, *, submitted_by: str = "") -> int:
        """Make an earlier version current again by copying it as a new submission (origin editor).
        Returns the new id, or the same id when it is already current."""
        with self._lock:
            cur = self._con.cursor()
            try:
                row = _one(cur, "SELECT project_code, year FROM submissions WHERE id = ?", [submission_id])
                if row is None:
                    raise KeyError(submission_id)
                if _one(
                    cur, "SELECT submission_id FROM current_forms WHERE submission_id = ?", [submission_id]
                ):
                    return submission_id
                cur.execute("BEGIN TRANSACTION")
                try:
                    new_id = _one(cur, "SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0]
                    now = _now()
                    for table in TABLES:
                        cols = [c for c, _ in COLUMNS[table]]
                        if table == "submissions":
                            key, params = "id", [new_id, now, submitted_by]
                            override = {
                                "id": "?",
                                "submitted_at": "?",
                                "submitted_by": "?",
                                "origin": "'editor'",
                            }
                        else:
                            key, params = "submission_id", [new_id]
                            override = {"submission_id": "?"}
                        select = ", ".join(override.get(c, c) for c in cols)  # placeholders in column order
                        cur.execute(
                            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE {key} = ?",
                            [*params, submission_id],
                        )
                    cur.execute("COMMIT")
                except BaseException:
                    _rollback(cur)
                    raise
                return new_id
            finally:
                cur.close()

    # -- reads ---------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self._rows("SELECT COUNT(*) FROM submissions")[0][0] == 0

    def load_form(self, submission_id: int) -> Form:
        """The Form exactly as it was submitted (any version, current or not)."""
        rows = self._rows("SELECT form_json FROM submissions WHERE id = ?", [submission_id])
        if not rows:
            raise KeyError(submission_id)
        return form_from_json(rows[0][0])

    def load_scorecard(self, submission_id: int) -> Scorecard:
        """The Scorecard as stored (scores, rules, explanations, issues), without rescoring."""
        cards = self._scorecards("s.id = ?", [submission_id])
        if not cards:
            raise KeyError(submission_id)
        return cards[0]

    def current_scorecards(self, year: str | int | None = None, unit: str | None = None) -> list[Scorecard]:
        """The stored Scorecards of the current forms, by year, unit and project code."""
        where, params = _filters(year, unit)
        return self._scorecards(
            f"s.id IN (SELECT f.submission_id FROM current_forms f WHERE {where})", params
        )

    def _scorecards(self, where: str, params: list[Any]) -> list[Scorecard]:
        cur = self._con.cursor()
        try:
            heads = cur.execute(
                f"""SELECT s.id, s.form_json, s.profile, f.rate, f.budget_weight, f.budget_score, f.total, f.grade
                    FROM submissions s JOIN forms f ON f.submission_id = s.id WHERE {where}
                    ORDER BY f.year, f.unit, f.project_code, s.id""",
                params,
            ).fetchall()
            if not heads:
                return []
            chosen = f"SELECT s.id FROM submissions s WHERE {where}"
            ind_cols = "submission_id, level1, level2, name, target, actual, weight, declared_score, reason, score, rule, explanation, band_low, band_high"
            inds = cur.execute(
                f"SELECT {ind_cols} FROM indicators WHERE submission_id IN ({chosen}) ORDER BY submission_id, position",
                params,
            ).fetchall()
            issues = cur.execute(
                f"""SELECT submission_id, code, severity, location, message FROM issues
                    WHERE submission_id IN ({chosen}) ORDER BY submission_id, position""",
                params,
            ).fetchall()
        finally:
            cur.close()
        by_id_inds: dict[int, list[tuple]] = {}
        for row in inds:
            by_id_inds.setdefault(row[0], []).append(row[1:])
        by_id_issues: dict[int, list[Issue]] = {}
        for sid, *fields in issues:
            by_id_issues.setdefault(sid, []).append(Issue(*fields))
        cards = []
        for sid, form_json, profile, rate, budget_weight, budget_score, total, grade in heads:
            form = form_from_json(form_json)
            scores = tuple(_indicator_score(form, row) for row in by_id_inds.get(sid, ()))
            cards.append(
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
                )
            )
        return cards

    def portfolio_summary(self, year: str | int | None = None, unit: str | None = None) -> pd.DataFrame:
        """Current forms by year and unit: count, budget, executed (元), execution rate (%), mean
        total score, and how many forms got each grade."""
        where, params = _filters(year, unit)
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
        where, params = _filters(year, unit)
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
        where, params = _filters(year, unit)
        df = self._query(
            f"""SELECT i.level1, i.level2, COUNT(*) AS rows, COUNT(DISTINCT i.submission_id) AS forms,
                       SUM(i.weight) AS weight, SUM(i.score) AS score,
                       SUM(i.weight) - SUM(i.score) AS lost
                FROM indicators i JOIN current_forms f ON f.submission_id = i.submission_id
                WHERE i.score IS NOT NULL AND i.weight > 0 AND {where}
                GROUP BY i.level1, i.level2
                UNION ALL
                SELECT '{BUDGET_LEVEL1}', '{BUDGET_LEVEL2}', COUNT(*), COUNT(*),
                       SUM(f.budget_weight), SUM(f.budget_score), SUM(f.budget_weight) - SUM(f.budget_score)
                FROM current_forms f
                WHERE f.budget_score IS NOT NULL AND {where}
                HAVING COUNT(*) > 0""",
            params + params,
        )
        df = df.round({"weight": 2, "score": 2, "lost": 2})
        return df.sort_values(["lost", "level1", "level2"], ascending=[False, True, True], ignore_index=True)

    def target_outliers(
        self, year: str | int | None = None, unit: str | None = None, over: float = 1.5
    ) -> pd.DataFrame:
        """Positive quantitative rows of current forms whose actual ≥ over × target (status "over",
        the target was probably set too low) or below the target (status "missed")."""
        where, params = _filters(year, unit)
        return self._query(
            f"""SELECT f.submission_id, f.project_code, f.project_name, f.year, f.unit,
                       i.position, i.level1, i.level2, i.name, i.target, i.actual,
                       i.target_value, i.actual_value, i.achievement, i.weight, i.score, i.rule,
                       i.location,
                       CASE WHEN i.achievement >= ? THEN 'over' ELSE 'missed' END AS status
                FROM indicators i JOIN current_forms f ON f.submission_id = i.submission_id
                WHERE i.achievement IS NOT NULL AND (i.achievement >= ? OR i.achievement < 1)
                  AND {where}
                ORDER BY i.achievement DESC, f.project_code, i.position""",
            [over, over, *params],
        )

    def project_history(self, project_code: str, year: str | int) -> pd.DataFrame:
        """Every submission of one project and year, oldest first, with its version number; the
        last one is current."""
        df = self._query(
            """SELECT s.id AS submission_id, s.submitted_at, s.submitted_by, s.origin, s.kind,
                      s.source_name, s.sheet, s.sha256, s.size, s.profile,
                      f.project_name, f.total, f.declared_total, f.grade, f.rate, f.errors, f.warnings
               FROM submissions s JOIN forms f ON f.submission_id = s.id
               WHERE s.project_code = ? AND s.year = ?
               ORDER BY s.id""",
            [project_code, str(year)],
        )
        df.insert(1, "version", range(1, len(df) + 1))
        df["current"] = df["submission_id"] == df["submission_id"].max() if len(df) else []
        return df

    def form_indicators(self, submission_id: int) -> pd.DataFrame:
        """The stored indicator rows of one submission, declared beside computed."""
        return self._query(
            "SELECT * FROM indicators WHERE submission_id = ? ORDER BY position", [submission_id]
        )

    def form_issues(self, submission_id: int) -> pd.DataFrame:
        return self._query(
            "SELECT code, severity, location, message FROM issues WHERE submission_id = ? ORDER BY position",
            [submission_id],
        )

    def years(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT year FROM current_forms ORDER BY year")]

    def units(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT unit FROM current_forms ORDER BY unit")]

    def data_version(self) -> tuple[int, int]:
        """(highest submission id, number of submissions): changes with every save or restore, and
        stays two numbers however many forms are stored (a cheap cache key for the pages)."""
        return tuple(self._rows("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM submissions")[0])

    def current_submission_ids(self) -> list[int]:
        return [r[0] for r in self._rows("SELECT submission_id FROM current_forms ORDER BY submission_id")]

    def table_counts(self) -> dict[str, int]:
        return {t: self._rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in (*TABLES, "schema_version")}

    # -- backups -------------------------------------------------------------------------------------
    def export_database(self, directory: str | Path) -> None:
        """Write every table (schema + Parquet files) to a directory with DuckDB's EXPORT DATABASE."""
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.execute(f"EXPORT DATABASE {_sql_string(str(directory))} (FORMAT parquet)")
            finally:
                cur.close()

    def import_database(self, directory: str | Path, *, replace: bool = False) -> None:
        """Load a backup written by `export_database` (then upgrade it if it is older). Refuses to
        overwrite stored submissions unless `replace` is true."""
        directory = Path(directory)
        if not (directory / "schema.sql").is_file() or not (directory / "load.sql").is_file():
            raise StoreError(f"“{directory}”不是 selfeval 数据库备份目录（缺少 schema.sql 或 load.sql）。")
        with self._lock:
            cur = self._con.cursor()
            try:
                if not replace and _one(cur, "SELECT COUNT(*) FROM submissions")[0]:
                    raise StoreError("数据库中已有数据；要用备份覆盖，请指定 replace=True。")
                cur.execute("BEGIN TRANSACTION")
                try:
                    cur.execute("DROP VIEW IF EXISTS current_forms")
                    for table in (*reversed(TABLES), "schema_version"):
                        cur.execute(f"DROP TABLE IF EXISTS {table}")
                    cur.execute(f"IMPORT DATABASE {_sql_string(str(directory))}")
                    cur.execute("COMMIT")
                except BaseException:
                    _rollback(cur)
                    raise
                self.version = migrate(cur)
            finally:
                cur.close()

    @classmethod
    def restore(cls, directory: str | Path, path: str | Path | None = None) -> None:
        """Replace the database at `path` (default: `default_db_path()`) with a backup directory
        written by `export_database` (the CLI's `restore`)."""
        store = cls(path if path is not None else default_db_path())
        try:
            store.import_database(directory, replace=True)
        finally:
            store.close()


# ---------------------------------------------------------------------------------------------------
# opening


def default_db_path() -> Path:
    """$SELFEVAL_DB, else data/selfeval.duckdb in the repository."""
    env = os.environ.get("SELFEVAL_DB")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "selfeval.duckdb"


def open_store(
    path: str | Path | None = None,
    *,
    seed_if_empty: bool = True,
    seed: Callable[[Store], None] | None = None,
) -> Store:
    """Open (creating and upgrading as needed) the store; fill an empty one with `seed`.

    Raises StoreLocked when another process holds the file.
    """
    store = Store(path if path is not None else default_db_path())
    if seed_if_empty and seed is not None and store.is_empty():
        try:
            seed(store)
        except BaseException:
            store.close()
            raise
    return store
