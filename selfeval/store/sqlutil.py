"""The little both backends share below the queries: the `Db` a statement runs on, UTC time, and
the acting principal's unit filter as SQL.

SQL in this package is written with `?` placeholders; each backend's `Db` translates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa

from selfeval.access import ALL_UNITS, Units, is_placeholder_unit


class Db(Protocol):
    """One open cursor of a backend: what migrations, writes and backups run statements on."""

    dialect: str  # "duckdb" or "postgres"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...
    def transaction(self) -> AbstractContextManager[None]: ...

    def stage(self, name: str, table: pa.Table) -> AbstractContextManager[None]:
        """Make `table` readable as the relation `name` for the duration (bulk keys, updates)."""
        ...


def now() -> datetime:
    """UTC, without a zone (TIMESTAMP): the store keeps UTC; pages convert for display."""
    return datetime.now(UTC).replace(tzinfo=None)


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def unit_clause(units: Units, column: str) -> tuple[str, list[Any]]:
    """`column IN (...)` for a principal bound to units, FALSE for one with no unit (deny by default),
    TRUE only for ALL_UNITS — never for an empty list."""
    if units is ALL_UNITS:
        return "TRUE", []
    names = [u for u in units if not is_placeholder_unit(u)]
    if not names:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' for _ in names)})", names


def filters(
    year: str | int | None, unit: str | None, units: Units, alias: str = "f"
) -> tuple[str, list[Any]]:
    """The WHERE clause of a page query on current forms: year, unit, and always the principal's units
    (no default: a caller must say whose reach it is)."""
    clauses, params = [], []
    if year is not None:
        clauses.append(f"{alias}.year = ?")
        params.append(str(year))
    if unit is not None:
        clauses.append(f"{alias}.unit = ?")
        params.append(unit)
    clause, more = unit_clause(units, f"{alias}.unit")
    clauses.append(clause)
    params += more
    return " AND ".join(clauses), params


# the store's own tables and views (not temporary or staged relations), on both backends
RELATIONS_SQL = """SELECT table_name, table_type FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_catalog = current_database() ORDER BY table_name"""


# the columns of one of them, in the table's order
COLUMNS_SQL = """SELECT column_name FROM information_schema.columns
    WHERE table_name = ? AND table_schema = current_schema() AND table_catalog = current_database()
    ORDER BY ordinal_position"""


def split_relations(rows: list[tuple]) -> tuple[list[str], list[str]]:
    """(base tables, views) from RELATIONS_SQL's rows."""
    return [n for n, t in rows if t == "BASE TABLE"], [n for n, t in rows if t == "VIEW"]


ARROW_SQL_TYPES = {
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE PRECISION",
    pa.string(): "VARCHAR",
    pa.timestamp("us"): "TIMESTAMP",
    pa.bool_(): "BOOLEAN",
}
