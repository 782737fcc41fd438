"""The store: every submission kept, the latest one of each project and year current, queries as
DataFrames — on an embedded DuckDB file (default) or a shared PostgreSQL server.

    records.py   the value types in and out (Upload, SaveResult, Duplicate)
    errors.py    StoreError and friends, with Chinese messages
    schema.py    the schema, written once, and its append-only MIGRATIONS
    rows.py      scorecards as table rows and back
    typed.py     numbers parsed from indicator text (target_value, actual_value, achievement)
    writes.py    save / save_many / restore_version: SQL written once
    queries.py   every read, always filtered by the acting principal's units
    backup.py    backups as Parquet files + a manifest; restore executes nothing from the folder
    sqlutil.py   the `Db` protocol both backends implement, unit filters
    duckdb.py    the embedded backend (`Store`)

Every Store acts as a principal (`store.who`; the CLI and scripts are the local administrator);
`store.scoped(who)` is the same store acting as a page's signed-in user.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from selfeval.store.duckdb import Store
from selfeval.store.errors import LOCKED_MESSAGE, AccessDenied, NotFound, StoreError, StoreLocked
from selfeval.store.queries import Queries
from selfeval.store.records import (
    BUDGET_LEVEL1,
    BUDGET_LEVEL2,
    GRADES,
    ORIGINS,
    Duplicate,
    Origin,
    SaveResult,
    Upload,
)
from selfeval.store.schema import (
    COLUMNS,
    CURRENT_FORMS_VIEW,
    LATEST_VERSION,
    MIGRATIONS,
    SCHEMA_VERSION_DDL,
    TABLES,
    Migration,
    PerBackend,
    migrate,
    schema_version,
)
from selfeval.store.typed import _values, refresh_typed_values, typed_values
from selfeval.store.writes import Writes

StoreBackend = Store  # what pages and the CLI use; every backend has the same methods

__all__ = [
    "BUDGET_LEVEL1",
    "BUDGET_LEVEL2",
    "COLUMNS",
    "CURRENT_FORMS_VIEW",
    "GRADES",
    "LATEST_VERSION",
    "LOCKED_MESSAGE",
    "MIGRATIONS",
    "ORIGINS",
    "SCHEMA_VERSION_DDL",
    "TABLES",
    "AccessDenied",
    "Duplicate",
    "Migration",
    "NotFound",
    "Origin",
    "PerBackend",
    "Queries",
    "SaveResult",
    "Store",
    "StoreBackend",
    "StoreError",
    "StoreLocked",
    "Upload",
    "Writes",
    "_values",
    "default_db_path",
    "migrate",
    "open_store",
    "refresh_typed_values",
    "restore",
    "schema_version",
    "typed_values",
]


def default_db_path() -> Path:
    """$SELFEVAL_DB, else data/selfeval.duckdb in the repository."""
    env = os.environ.get("SELFEVAL_DB")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "data" / "selfeval.duckdb"


def restore(directory: str | Path, target: str | Path | None = None) -> None:
    """Replace the store at `target` (a path or URL; default `default_db_path()`) with a backup
    folder written by `export_database` (the CLI's `restore`, as the local administrator)."""
    store = open_store(target, seed_if_empty=False)
    try:
        store.import_database(directory, replace=True)
    finally:
        store.close()


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
