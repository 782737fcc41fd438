"""The store: every submission kept, the latest one of each project and year current, queries as
DataFrames — on an embedded DuckDB file (default) or a shared PostgreSQL server.

    base.py      what the parts below need from a backend (Backend), and the store's public
                 surface (PUBLIC): the only names pages, the CLI and scripts call
    records.py   the value types in and out (Upload, SaveResult, Duplicate)
    errors.py    StoreError and friends, with Chinese messages
    schema.py    the schema, written once, and its append-only MIGRATIONS
    rows.py      scorecards as table rows and back
    typed.py     numbers parsed from indicator text (target_value, actual_value, achievement)
    writes.py    save / save_many / restore_version: SQL written once
    queries.py   every read, always filtered by the acting principal's units
    review.py    review states and the append-only audit trail (written in the same transactions)
    backup.py    backups as Parquet files + a manifest; restore executes nothing from the folder
    transfer.py  a whole store copied between backends (`selfeval migrate`), counts checked
    sqlutil.py   the `Db` protocol both backends implement, unit filters
    duckdb.py    the embedded backend (`Store`)
    postgres.py  the shared backend (`PgStore`): a connection pool, writers serialised by an
                 advisory lock, so many app processes and imports store each form exactly once

Units are isolated here, not in the pages. Every store acts as a principal (`store.who`): the CLI,
the seed and scripts are the local administrator (`access.LOCAL`, every unit); `store.scoped(who)`
is the same store acting as a page's signed-in user, and every read filters by their units in SQL.
A project belongs to the unit of its current version; a write that would add a version to another
unit's project, or name a unit not the principal's, is refused with the owner named (`AccessDenied`);
an administrator's write moves the project and is recorded in `transfers` and the audit trail.
Reads by id of what the principal may not see raise `NotFound` (a KeyError), as for a missing id.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from selfeval.store.duckdb import Store
from selfeval.store.errors import LOCKED_MESSAGE, AccessDenied, NotFound, StoreError, StoreLocked
from selfeval.store.postgres import PgStore
from selfeval.store.queries import Queries
from selfeval.store.records import (
    BUDGET_LEVEL1,
    BUDGET_LEVEL2,
    GRADES,
    ORIGINS,
    BatchClaims,
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
from selfeval.store.writes import Writes

__all__ = [
    "BatchClaims",
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
    "PgStore",
    "Queries",
    "SaveResult",
    "Store",
    "StoreError",
    "StoreLocked",
    "Upload",
    "Writes",
    "connect",
    "default_db",
    "default_db_path",
    "is_url",
    "migrate",
    "open_store",
    "restore",
    "schema_version",
]


def default_db() -> str:
    """Where the store is: $SELFEVAL_DB (a DuckDB file or a postgresql:// URL), else
    data/selfeval.duckdb in the repository."""
    return os.environ.get("SELFEVAL_DB") or str(
        Path(__file__).resolve().parent.parent.parent / "data" / "selfeval.duckdb"
    )


def default_db_path() -> Path:
    """default_db() as a Path (for a DuckDB file)."""
    return Path(default_db())


def is_url(location: str | Path | None) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def connect(location: str | Path | None = None, *, who=None, owner: str | None = None):
    """The store at `location` (default `default_db()`): PostgreSQL for a postgresql:// URL, else
    the DuckDB file at that path. Acts as `who` (default: the local administrator). `owner` is the
    PostgreSQL login that owns the schema: migrations and restores run as it and the app's login is
    granted only what the app does (docs/deploy.md); the app itself never gets it."""
    location = location if location is not None else default_db()
    if is_url(str(location)):
        return PgStore(str(location), who=who, owner=owner)
    if owner:
        raise StoreError("--owner 只用于 PostgreSQL 数据库（DuckDB 文件没有账号之分）。")
    return Store(location, who=who)


def restore(
    directory: str | Path,
    target: str | Path | None = None,
    *,
    owner: str | None = None,
    discard_history: bool = False,
    accept_unsigned: bool = False,
) -> dict[str, int]:
    """Replace the store at `target` (a path or URL; default `default_db_path()`) with a backup
    folder written by `export_database` (the CLI's `restore`, as the local administrator), after
    checking its audit trail (see Backups.import_database)."""
    store = open_store(target, seed_if_empty=False, owner=owner)
    try:
        return store.import_database(
            directory, replace=True, discard_history=discard_history, accept_unsigned=accept_unsigned
        )
    finally:
        store.close()


def open_store(
    path: str | Path | None = None,
    *,
    seed_if_empty: bool = True,
    seed: Callable[[Store], None] | None = None,
    owner: str | None = None,
) -> Store:
    """Open (creating and upgrading as needed) the store; fill an empty one with `seed`.

    Raises StoreLocked when another process holds the file.
    """
    store = connect(path, owner=owner)
    if seed_if_empty and seed is not None and store.is_empty():
        try:
            seed(store)
        except BaseException:
            store.close()
            raise
    return store
